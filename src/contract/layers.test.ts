import { describe, expect, it } from 'vitest';
import { ModelSummarySchema } from './report.js';
import { cacheBytesAt, describeLayers, largestContextFor, layersOf, layerTokensAt, tokensHeld, type LayerKind } from './layers.js';

const G: LayerKind = { kind: 'global' };
const S = (window: number): LayerKind => ({ kind: 'sliding', window });
const C = (chunk: number): LayerKind => ({ kind: 'chunked', chunk });
const cost = { perTokenPerLayer: 100, bytesPerElement: 2 };

describe('tokensHeld', () => {
  it('holds every token in a global layer, the window in a sliding one', () => {
    expect(tokensHeld(G, 50_000)).toBe(50_000);
    expect(tokensHeld(S(4096), 1000)).toBe(1000);
    expect(tokensHeld(S(4096), 50_000)).toBe(4096);
  });
  it('caps a chunked layer at C at every context (it resets at chunk boundaries)', () => {
    for (const t of [1, 8191, 8192, 8193, 3 * 8192 + 5, 1_000_000]) expect(tokensHeld(C(8192), t)).toBeLessThanOrEqual(8192);
    expect(tokensHeld(C(8192), 3 * 8192 + 5)).toBe(8192);
    expect(tokensHeld(C(8192), 100)).toBe(100);
  });
  it('holds no token in a stateful layer', () => {
    expect(tokensHeld({ kind: 'stateful', stateElements: 10 }, 1e6)).toBe(0);
  });
  it('rounds to whole pages when paged; a window spans one page more, or the full context', () => {
    const window = { pageTokens: 16, windowedLayers: 'window' } as const;
    expect(tokensHeld(G, 1000, window)).toBe(1008); // ceil(1000 / 16) = 63 pages
    expect(tokensHeld(S(4096), 32768, window)).toBe((256 + 1) * 16); // 4112
    expect(tokensHeld(S(4096), 100, window)).toBe(112);
    expect(tokensHeld(C(8192), 32768, window)).toBe(8192); // 16 divides the chunk: no extra page
    expect(tokensHeld(C(1000), 32768, window)).toBe((63 + 1) * 16);
    expect(tokensHeld(S(4096), 32768, { pageTokens: 16, windowedLayers: 'full' })).toBe(32768);
  });
});

describe('cacheBytesAt', () => {
  it('sums the layers exactly: 1 global + 1 sliding(4096) at 32K, batch 2', () => {
    // (32768 + 4096) tokens x 100 B x 2 sequences
    expect(cacheBytesAt([G, S(4096)], cost, 32768, 2)).toBe((32768 + 4096) * 100 * 2);
  });
  it('holds a stateful layer constant in T', () => {
    const layers: LayerKind[] = [{ kind: 'stateful', stateElements: 1000 }, G];
    // state 1000 elements x 2 B, plus T x 100 B for the global layer
    expect(cacheBytesAt(layers, cost, 1, 1)).toBe(2000 + 100);
    expect(cacheBytesAt(layers, cost, 1000, 1)).toBe(2000 + 100_000);
    expect(cacheBytesAt([{ kind: 'stateful', stateElements: 1000 }], cost, 1, 3)).toBe(cacheBytesAt([{ kind: 'stateful', stateElements: 1000 }], cost, 1e6, 3));
  });
  it('counts the layer-tokens a step reads', () => {
    expect(layerTokensAt([G, G, S(10), { kind: 'stateful', stateElements: 5 }], 100)).toBe(210);
  });
});

describe('largestContextFor', () => {
  it('finds the exact largest context of a hybrid cache', () => {
    // 1 global + 1 sliding(1000), 100 B each: bytes(T) = 100 T + 100 min(T, 1000); 1,000,000 B -> T = 9000
    expect(largestContextFor([G, S(1000)], cost, 1, 1_000_000)).toBe(9000);
    expect(largestContextFor([G, S(1000)], cost, 1, 1_000_099)).toBe(9000);
    expect(largestContextFor([G, S(1000)], cost, 1, 1_000_100)).toBe(9001);
  });
  it('says any context (null) where every layer is windowed and the cap fits, 0 where not even one token fits', () => {
    expect(largestContextFor([S(1000), C(500)], cost, 1, 150_000)).toBeNull();
    expect(largestContextFor([S(1000), C(500)], cost, 1, 149_999)).toBe(999); // 100 (T + 500) at T >= 500
    expect(largestContextFor([G], cost, 1, 99)).toBe(0);
    // paged with full-context windows, the cache grows again
    expect(largestContextFor([S(1000)], cost, 1, 1_000_000, { pageTokens: 16, windowedLayers: 'full' })).toBe(10000);
  });
});

describe('layers in words and old reports', () => {
  it('says which layers are which', () => {
    const gemma2 = Array.from({ length: 42 }, (_, i) => (i % 2 === 0 ? S(4096) : G));
    expect(describeLayers(gemma2)).toBe('21 sliding (window 4096): layers 0, 2 … 40 (every 2nd); 21 global: layers 1, 3 … 41 (every 2nd)');
  });
  it('reads a report without layer kinds as all global, or all behind its one window', () => {
    expect(layersOf({ numLayers: 3, slidingWindow: null })).toEqual([G, G, G]);
    expect(layersOf({ numLayers: 2, slidingWindow: 4096 })).toEqual([S(4096), S(4096)]);
  });
});

describe('the report model with and without layer kinds', () => {
  const model = {
    name: 'm',
    modelType: 'gemma2',
    attention: { kind: 'gqa', numHeads: 16, numKvHeads: 8, headDim: 256 },
    numLayers: 2,
    hiddenSize: 3584,
    maxContext: 8192,
    slidingWindow: null,
  };
  it('opens a model summary written before layer kinds, and one with them', () => {
    expect(ModelSummarySchema.parse(model).layerKinds).toBeUndefined();
    expect(ModelSummarySchema.parse({ ...model, layerKinds: [S(4096), G] }).layerKinds).toEqual([S(4096), G]);
  });
  it('BAD CALL - refuses a zero window, naming the layer', () => {
    const r = ModelSummarySchema.safeParse({ ...model, layerKinds: [S(0), G] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['layerKinds', 0, 'window']);
  });
});
