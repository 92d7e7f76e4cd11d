import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET_SECONDS, DEFAULT_MAX_STEP_SECONDS, DEFAULT_MEMORY_FRACTION, SWEEP_DEFAULTS } from '@/contract/defaults.js';
import { buildSweepConfig, type FieldReader, type SweepFields } from './config-builder.js';
import { parseContextList } from './contexts.js';

/** A plain reader: numbers as given, lists split on commas; failures name the field. */
const reader: FieldReader = {
  count: (field, v, r) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < r.min || n > r.max) throw new Error(`${field}: ${v}`);
    return n;
  },
  number: (field, v, r) => {
    const n = Number(v);
    if (!(n > r.min) || n > r.max) throw new Error(`${field}: ${v}`);
    return n;
  },
  contexts: (_, v, r) => parseContextList(v, r),
  counts: (_, v) => v.split(',').map(Number),
  choice: (field, v, allowed, aliases = {}) => {
    const out = (typeof v === 'string' ? v.split(',') : [...v]).flatMap((x) => (aliases[x] ? [...aliases[x]!] : [x]));
    for (const x of out) if (!(allowed as readonly string[]).includes(x)) throw new Error(`${field}: ${x}`);
    return out as never;
  },
  fail: (field, message) => {
    throw new Error(`${field}: ${message}`);
  },
};

const base: SweepFields = {
  model: { source: 'preset', preset: 'deepseek-v3' },
  variants: 'all',
  dtypes: 'fp32',
  modes: 'decode',
  contexts: '512..128k*4',
  batches: '1',
  provider: 'auto',
};

describe('buildSweepConfig', () => {
  it('fills every value left out from contract/defaults.ts', () => {
    const c = buildSweepConfig(base, reader);
    expect(c).toMatchObject({
      variants: ['mha', 'gqa', 'mqa', 'mla-naive', 'mla-absorbed'],
      contexts: [512, 2048, 8192, 32768, 131072],
      budgetSeconds: DEFAULT_BUDGET_SECONDS,
      maxStepSeconds: DEFAULT_MAX_STEP_SECONDS,
      memoryFraction: DEFAULT_MEMORY_FRACTION,
      gqaGroups: SWEEP_DEFAULTS.gqaGroups,
      maxPrefillContext: SWEEP_DEFAULTS.maxPrefillContext,
      verify: true,
    });
  });

  it('custom dims: the kind follows from the K/V heads where it is not given, a name from the dims', () => {
    const model = (m: SweepFields['model']) => buildSweepConfig({ ...base, model: m }, reader).model;
    expect(model({ source: 'custom', numHeads: 8, numKvHeads: 2 })).toEqual({
      source: 'custom',
      name: 'custom 8/2x128',
      attention: { kind: 'gqa', numHeads: 8, numKvHeads: 2, headDim: 128 },
      numLayers: 32,
      maxContext: null,
    });
    expect(model({ source: 'custom', numHeads: '4', numKvHeads: '1', headDim: '16' })).toMatchObject({ attention: { kind: 'mqa', numKvHeads: 1 } });
    expect(model({ source: 'custom', kind: 'mqa', numHeads: 4, numKvHeads: 4 })).toMatchObject({ attention: { kind: 'mqa', numKvHeads: 1 } });
  });

  it('a file: a kvscope custom model where it has "attention", a config.json otherwise', () => {
    const custom = { name: 'm', attention: { kind: 'mha', numHeads: 2, numKvHeads: 2, headDim: 8 }, numLayers: 2, maxContext: null };
    expect(buildSweepConfig({ ...base, model: { source: 'file', name: 'a.json', json: custom } }, reader).model).toEqual({ source: 'custom', ...custom });
    expect(buildSweepConfig({ ...base, model: { source: 'file', name: 'c.json', json: { model_type: 'llama' } } }, reader).model).toEqual({
      source: 'hf-config',
      name: 'c.json',
      config: { model_type: 'llama' },
    });
  });

  it('BAD CALL - a file that is not a JSON object, and a value out of range, go to the reader', () => {
    expect(() => buildSweepConfig({ ...base, model: { source: 'file', json: [1] } }, reader)).toThrow('model: config.json must hold a JSON object');
    expect(() => buildSweepConfig({ ...base, layers: 257 }, reader)).toThrow('layers: 257');
    expect(() => buildSweepConfig({ ...base, variants: 'mha,flash' }, reader)).toThrow('variants: flash');
  });
});
