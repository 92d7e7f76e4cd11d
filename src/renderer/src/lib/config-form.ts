/** The setup form's plain state, read into a sweep config by the shared builder (src/present/config-builder.ts). Pure. */
import { DEFAULT_BUDGET_SECONDS, DEFAULT_SWEEP, QUICK_SWEEP } from '@/contract/defaults';
import { CACHE_DTYPES, VARIANTS, VARIANT_LABELS, type Variant } from '@/contract/lists';
import { MODEL_RANGES, rangeMessage } from '@/contract/ranges';
import type { SweepConfig, SweepConfigInput } from '@/contract/schemas';
import { buildSweepConfig, type Field, type FieldReader, type Flat, type ModelFields, type Range } from '@/present/config-builder';
import { parseContexts, parseIntList } from './format';

export { VARIANT_LABELS, type Variant };
/** The cache dtypes the setup form offers, each with its tooltip (fp8/int8/int4: quantized, decode only). */
export const CACHE_DTYPE_CHOICES: readonly { value: (typeof CACHE_DTYPES)[number]; title: string }[] = CACHE_DTYPES.map((d) => ({
  value: d,
  title:
    d === 'fp32' || d === 'fp16'
      ? `the graph computes in ${d}`
      : `a ${d} cache read back in fp32 (decode only; its accuracy cost is measured against the unquantized cache)`,
}));

export const ALL_VARIANTS: readonly Variant[] = VARIANTS;

export type SourceKind = 'preset' | 'custom' | 'hf-config';
export type CustomKind = 'mha' | 'gqa' | 'mqa' | 'mla';

export interface SetupForm {
  source: SourceKind;
  preset: string;
  custom: {
    name: string;
    kind: CustomKind;
    numHeads: number;
    numKvHeads: number;
    headDim: number;
    kvLoraRank: number;
    qkNopeHeadDim: number;
    qkRopeHeadDim: number;
    vHeadDim: number;
    numLayers: number;
  };
  /** Pasted or opened config.json text. */
  hfConfigText: string;
  hfConfigName: string;
  variants: Variant[];
  gqaGroups: number;
  contexts: string;
  batches: string;
  dtypes: (typeof CACHE_DTYPES)[number][];
  modes: ('decode' | 'prefill')[];
  /** Identical layers per measured graph; null (the field left empty): auto, chosen per point by the planner. */
  layers: number | null;
  budgetSeconds: number;
  /** onnxruntime intra-op threads; 0 = its default (all cores). */
  threads: number;
  provider: 'auto' | 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml';
  /** Settings the form has no field for, kept from an opened report so that Run reruns its config. */
  kept?: Pick<SweepConfig, 'maxStepSeconds' | 'memoryFraction' | 'maxPrefillContext' | 'verify'>;
}

/** A form for one of the sweeps offered at first run (contract/defaults.ts): the default, or the labelled quick check. */
function formOf(sweep: { preset: string; contexts: string; variants: readonly Variant[] }): SetupForm {
  return {
    source: 'preset',
    preset: sweep.preset,
    custom: {
      name: 'custom',
      kind: 'mha',
      numHeads: 8,
      numKvHeads: 8,
      headDim: 64,
      kvLoraRank: 256,
      qkNopeHeadDim: 64,
      qkRopeHeadDim: 32,
      vHeadDim: 64,
      numLayers: 32,
    },
    hfConfigText: '',
    hfConfigName: '',
    variants: [...sweep.variants],
    gqaGroups: 8,
    contexts: sweep.contexts,
    batches: '1',
    dtypes: ['fp32'],
    modes: ['decode'],
    layers: null,
    budgetSeconds: DEFAULT_BUDGET_SECONDS,
    threads: 0,
    provider: 'auto',
  };
}

/** The default sweep, the CLI's: DeepSeek-V3's dims as every variant, 512 to 128K tokens (x4). */
export function defaultForm(): SetupForm {
  return formOf(DEFAULT_SWEEP);
}

/** The quick check offered beside it (QUICK_SWEEP.label): Llama 3.1 8B's dims, 512 to 8K tokens. */
export function quickForm(): SetupForm {
  return formOf(QUICK_SWEEP);
}

export class FormError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'FormError';
  }
}

/** Fields the setup panel shows an error beside (each has its own input); the others are said under the plan. */
export const FORM_FIELDS = [
  'variants',
  'gqaGroups',
  'contexts',
  'batches',
  'layers',
  'budgetSeconds',
  'threads',
  'dtypes',
  'modes',
  'numHeads',
  'numKvHeads',
  'headDim',
  'numLayers',
  'kvLoraRank',
  'qkNopeHeadDim',
  'qkRopeHeadDim',
  'vHeadDim',
] as const satisfies readonly Field[];
const SHOWN = new Set<Field>(FORM_FIELDS);
const fail = (field: Field, message: string): never => {
  throw new FormError(field === 'model' ? 'hfConfig' : SHOWN.has(field) ? field : '', message);
};
/** Each field's name as its label says it (the model's dims: contract/ranges.ts). */
const NAMES: Partial<Record<Field, string>> = {
  layers: 'Measured layers',
  threads: 'Threads',
  gqaGroups: 'GQA K/V heads',
  numHeads: MODEL_RANGES.numHeads.name,
  numKvHeads: MODEL_RANGES.numKvHeads.name,
  headDim: MODEL_RANGES.headDim.name,
  numLayers: MODEL_RANGES.numLayers.name,
  kvLoraRank: MODEL_RANGES.kvLoraRank.name,
  qkNopeHeadDim: MODEL_RANGES.qkNopeHeadDim.name,
  qkRopeHeadDim: MODEL_RANGES.qkRopeHeadDim.name,
  vHeadDim: MODEL_RANGES.vHeadDim.name,
  maxPrefillContext: 'The largest prefill context',
};

/** The form's values as the builder reads them: numbers from inputs (an emptied one is null), lists from checkboxes. */
const FORM_READER: FieldReader = {
  count(field: Field, value: Flat | null, r: Range): number {
    const v = typeof value === 'number' ? value : value === null || String(value).trim() === '' ? NaN : Number(value);
    if (!Number.isInteger(v) || v < r.min || v > r.max)
      fail(field, field === 'threads' ? `${rangeMessage('Threads', r)} (0 = all cores)` : rangeMessage(NAMES[field] ?? field, r));
    return v;
  },
  number(field: Field, value: Flat, r: Range): number {
    const v = typeof value === 'number' ? value : Number(value);
    if (!(v > r.min) || v > r.max)
      fail(
        field,
        field === 'budgetSeconds'
          ? `Timed seconds per point must be above ${r.min} and at most ${r.max.toLocaleString('en-US')}`
          : `${field} must be above ${r.min} and at most ${r.max}`,
      );
    return v;
  },
  contexts(field: Field, value: string): number[] {
    try {
      return parseContexts(value);
    } catch (err) {
      return fail(field, (err as Error).message);
    }
  },
  counts(field: Field, value: string, r: Range): number[] {
    try {
      return parseIntList(value, 'batch size', r.max);
    } catch (err) {
      return fail(field, (err as Error).message);
    }
  },
  choice<T extends string>(field: Field, value: string | readonly string[], allowed: readonly T[]): T[] {
    const chosen = (typeof value === 'string' ? [value] : value).filter((v): v is T => (allowed as readonly string[]).includes(v));
    if (chosen.length === 0) fail(field, CHOOSE[field] ?? `choose a ${field}`);
    return [...new Set(chosen)];
  },
  fail,
};
const CHOOSE: Partial<Record<Field, string>> = {
  variants: 'choose at least one variant',
  dtypes: 'choose at least one cache dtype',
  modes: 'choose decode, prefill or both',
};

/** An emptied number input is null: '' keeps the builder from filling in its default, so the field says it is empty. */
const emptyAsText = (v: number | null): Flat => (v === null ? '' : v);

function modelOf(form: SetupForm): ModelFields {
  if (form.source === 'preset') return { source: 'preset', preset: form.preset };
  if (form.source === 'hf-config') {
    if (!form.hfConfigText.trim()) throw new FormError('hfConfig', 'paste a config.json or open one');
    let parsed: unknown;
    try {
      parsed = JSON.parse(form.hfConfigText);
    } catch (err) {
      throw new FormError('hfConfig', `config.json is not valid JSON: ${(err as Error).message}`);
    }
    return { source: 'file', name: form.hfConfigName, json: parsed };
  }
  const c = form.custom;
  const n = emptyAsText;
  return {
    source: 'custom',
    name: c.name || 'custom',
    kind: c.kind,
    numHeads: n(c.numHeads),
    numKvHeads: n(c.numKvHeads),
    headDim: n(c.headDim),
    numLayers: n(c.numLayers),
    mla: { kvLoraRank: n(c.kvLoraRank), qkNopeHeadDim: n(c.qkNopeHeadDim), qkRopeHeadDim: n(c.qkRopeHeadDim), vHeadDim: n(c.vHeadDim) },
  };
}

/** The config the form describes; throws FormError naming the field at fault. */
export function formToConfig(form: SetupForm): SweepConfigInput {
  return buildSweepConfig(
    {
      model: modelOf(form),
      variants: form.variants,
      dtypes: form.dtypes,
      modes: form.modes,
      contexts: form.contexts,
      batches: form.batches,
      provider: form.provider,
      gqaGroups: emptyAsText(form.gqaGroups),
      // empty: auto (the planner chooses each point's layers)
      layers: form.layers === null || form.layers === undefined || Number.isNaN(form.layers) ? 'auto' : form.layers,
      budgetSeconds: emptyAsText(form.budgetSeconds),
      threads: emptyAsText(form.threads),
      ...(form.kept ?? {}),
    },
    FORM_READER,
  );
}
