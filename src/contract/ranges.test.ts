import { describe, expect, it } from 'vitest';
import { contextBeyondModelText, dimMessage, inRange, MODEL_RANGES, rangeMessage } from './ranges.js';
import { SweepConfigSchema } from './schemas.js';

const custom = (attention: Record<string, unknown>, numLayers = 32) => ({
  model: { source: 'custom', name: 'x', attention, numLayers, maxContext: null },
  variants: ['mha'],
  contexts: [512],
});

describe('model ranges', () => {
  it('say the field and the range in plain words', () => {
    expect(dimMessage('numKvHeads')).toBe('K/V heads must be a whole number from 1 to 1,024');
    expect(rangeMessage('Measured layers', { min: 1, max: 256 })).toBe('Measured layers must be a whole number from 1 to 256');
    expect(inRange(1024, MODEL_RANGES.numHeads)).toBe(true);
    expect(inRange(100_000, MODEL_RANGES.numHeads)).toBe(false);
    expect(inRange(1.5, MODEL_RANGES.numHeads)).toBe(false);
  });

  it('the sweep schema (the engine) refuses what the form refuses, in the same words', () => {
    const bad = (attention: Record<string, unknown>, layers?: number) => {
      const r = SweepConfigSchema.safeParse(custom(attention, layers));
      return r.success ? null : `${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`;
    };
    expect(bad({ kind: 'gqa', numHeads: 8, numKvHeads: 0, headDim: 64 })).toBe('model.attention.numKvHeads: K/V heads must be a whole number from 1 to 1,024');
    expect(bad({ kind: 'mha', numHeads: 100_000, numKvHeads: 100_000, headDim: 64 })).toMatch(/Query heads must be a whole number from 1 to 1,024$/);
    expect(bad({ kind: 'mha', numHeads: 8, numKvHeads: 8, headDim: null })).toMatch(/headDim: Head dim must be a whole number from 1 to 8,192$/);
    expect(bad({ kind: 'mha', numHeads: 8, numKvHeads: 8, headDim: 64 }, 100_000)).toBe('model.numLayers: Model layers must be a whole number from 1 to 1,024');
    expect(bad({ kind: 'mha', numHeads: 8, numKvHeads: 8, headDim: 64 })).toBeNull();
  });

  it('a context beyond the model is a warning that names it, not an error', () => {
    const fmt = (t: number) => `${t / 1024}K`;
    expect(contextBeyondModelText([4096, 131072], 131072, fmt)).toBeNull();
    expect(contextBeyondModelText([4096, 1048576], 131072, fmt)).toBe(
      "Context 1024K is beyond the model's 128K (max_position_embeddings): measured as a what-if and marked hypothetical (*).",
    );
    expect(contextBeyondModelText([1048576], null, fmt)).toBeNull();
  });
});
