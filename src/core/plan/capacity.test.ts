import { describe, expect, it } from 'vitest';
import type { Point, Report } from '@/contract/schemas.js';
import { presetModel, PRESETS } from '../model/presets.js';
import { SpecError } from '../model/spec.js';
import { planCapacity, type CapacityInput } from './capacity.js';

const llama = presetModel('llama-3.1-8b');
const base: CapacityInput = {
  model: llama,
  params: { ...PRESETS.find((p) => p.id === 'llama-3.1-8b')!.params, source: 'published' },
  memoryBytes: 80e9,
  weightDtype: 'bf16',
  cacheDtype: 'bf16',
  context: 8192,
  batch: 1,
  gqaGroups: 8,
};

function reportWith(points: Partial<Point>[]): Report {
  return {
    probes: { bandwidthGBs: 20, gflops: 100, bandwidthMethod: 't', gflopsMethod: 't' },
    points: points.map((p) => ({ status: 'ok', mode: 'decode', batch: 1, ...p })),
  } as unknown as Report;
}

describe('planCapacity', () => {
  it('gives weights, cache at context and the largest context and batch per variant', () => {
    const r = planCapacity(base);
    expect(r.analytic).toBe(true);
    expect(r.weightsBytes).toBe(8.03e9 * 2);
    const gqa = r.variants.find((v) => v.variant === 'gqa')!;
    expect(gqa.isModel).toBe(true);
    expect(gqa.kvBytesPerToken).toBe(131072);
    expect(gqa.cacheBytesAtContext).toBe(131072 * 8192);
    expect(gqa.largestContext).toBe(Math.floor((80e9 - 8.03e9 * 2) / 131072));
    expect(gqa.largestBatch).toBe(Math.floor((80e9 - 8.03e9 * 2) / (131072 * 8192)));
    expect(r.variants.find((v) => v.variant === 'mla-absorbed')!.vsMha).toBeCloseTo(576 / 8192, 10);
  });
  it('counts an int8 or int4 cache with its scales, as the measured graphs store it', () => {
    // 32 layers x 8 K/V heads x 256 values a token: int8 1.125 bytes a value, int4 0.625 (one fp32 scale per 32 values)
    const int8 = planCapacity({ ...base, cacheDtype: 'int8' }).variants.find((v) => v.variant === 'gqa')!;
    const int4 = planCapacity({ ...base, cacheDtype: 'int4' });
    expect(int8.kvBytesPerToken).toBe(32 * 2304);
    expect(int4.variants.find((v) => v.variant === 'gqa')!.kvBytesPerToken).toBe(32 * 1280);
    expect(int4.cacheBytesPerElement).toBe(0.625);
    // MLA absorbed: 512 + 64 values a token per layer, int4: 16 + 2 blocks of 20 bytes
    expect(int4.variants.find((v) => v.variant === 'mla-absorbed')!.kvBytesPerToken).toBe(32 * 18 * 20);
  });
  it('caps the cache at a sliding window', () => {
    const r = planCapacity({ ...base, model: presetModel('mistral-7b'), context: 32768 });
    expect(r.cacheTokens).toBe(4096);
    expect(r.variants.find((v) => v.isModel)!.largestContext).toBeNull();
  });
  it('says when the weights alone do not fit', () => {
    const r = planCapacity({ ...base, memoryBytes: 10e9 });
    expect(r.fitsAtAll).toBe(false);
    expect(r.variants.every((v) => v.largestContext === 0 && v.largestBatch === 0)).toBe(true);
  });
  it('estimates tokens/s from a measured step within 2x of the context, else from the measured bandwidth', () => {
    const near = planCapacity({
      ...base,
      report: reportWith([{ variant: 'gqa', context: 4096, cacheTokens: 4096, timing: { perLayerMs: 2 } as Point['timing'] }]),
    });
    const g = near.variants.find((v) => v.variant === 'gqa')!;
    expect(g.estimate!.attentionMs).toBeCloseTo(2 * 32 * 2, 10); // 4096 -> 8192 tokens
    expect(g.estimate!.weightsMs).toBeCloseTo(((8.03e9 * 2) / 20e9) * 1000, 6);
    expect(g.estimate!.tokensPerSecond).toBeCloseTo(1000 / (g.estimate!.weightsMs + g.estimate!.attentionMs), 10);
    const far = planCapacity({
      ...base,
      report: reportWith([{ variant: 'gqa', context: 128, cacheTokens: 128, timing: { perLayerMs: 2 } as Point['timing'] }]),
    });
    const f = far.variants.find((v) => v.variant === 'gqa')!;
    expect(f.estimate!.attentionMs).toBeCloseTo(((131072 * 8192) / 20e9) * 1000, 6);
    expect(f.estimate!.basis).toMatch(/no measured step within 2x/);
    expect(f.measured!.context).toBe(128);
  });
  it("reads a report's bandwidth as its ceilings: the mean of the probes before and after its sweep", () => {
    const r = reportWith([]);
    const again = { ...r, probes: { ...r.probes!, again: { bandwidthGBs: 30, gflops: 100 } } };
    const g = planCapacity({ ...base, report: again }).variants.find((v) => v.variant === 'gqa')!;
    expect(g.estimate!.weightsMs).toBeCloseTo(((8.03e9 * 2) / 25e9) * 1000, 6);
    expect(g.estimate!.basis).toMatch(/^estimate: active weights \/ measured 25\.0 GB\/s/);
  });
  it('gives no tokens/s for a model whose weights do not fit (the measured step is still shown)', () => {
    const r = planCapacity({
      ...base,
      memoryBytes: 10e9,
      report: reportWith([{ variant: 'gqa', context: 8192, cacheTokens: 8192, timing: { perLayerMs: 2 } as Point['timing'] }]),
    });
    const g = r.variants.find((v) => v.variant === 'gqa')!;
    expect(r.fitsAtAll).toBe(false);
    expect(g.estimate).toBeUndefined();
    expect(g.measured!.context).toBe(8192);
  });
  it('BAD CALL - budget, context and batch', () => {
    expect(() => planCapacity({ ...base, memoryBytes: 0 })).toThrow(SpecError);
    expect(() => planCapacity({ ...base, context: 0 })).toThrow(/context must be a positive integer/);
    expect(() => planCapacity({ ...base, batch: 1.5 })).toThrow(/batch must be a positive integer/);
  });
});

describe('MLA what-if rank', () => {
  it('uses the given latent rank for a model that is not MLA, and keeps an MLA model its own', () => {
    const r = planCapacity({ ...base, mlaRank: 256 });
    expect(r.variants.find((v) => v.variant === 'mla-absorbed')!.kvBytesPerToken).toBe((256 + 64) * 2 * 32);
    const v3 = planCapacity({ ...base, model: presetModel('deepseek-v3'), mlaRank: 256, memoryBytes: 2e12 });
    expect(v3.variants.find((v) => v.variant === 'mla-absorbed')!.kvBytesPerToken).toBe(576 * 2 * 61);
    expect(() => planCapacity({ ...base, mlaRank: 0 })).toThrow(/MLA rank must be a positive integer/);
  });
});

describe('hybrid models: ideal and paged capacity', () => {
  const gemma3 = presetModel('gemma-3-27b');
  const input: CapacityInput = { ...base, model: gemma3, params: { total: 27e9, active: 27e9, source: 'published' }, context: 32768 };
  it('gives the exact window-aware cache and the paged reservation, with the assumption', () => {
    const r = planCapacity(input);
    const own = r.variants.find((v) => v.isModel)!;
    // 10 global x 32768 + 52 sliding x 1024 tokens, 8192 B each (presets-hybrid.test.ts)
    expect(own.cacheBytesAtContext).toBe(3_120_562_176);
    expect(own.kvBytesPerTokenPerLayer).toBe(8192);
    expect(own.kvBytesPerToken).toBe(8192 * 62);
    // 52 sliding layers reserve 65 pages of 16 = 1040 tokens
    expect(own.paged.cacheBytesAtContext).toBe(3_127_377_920);
    expect(r.paging).toMatchObject({ pageTokens: 16, windowedLayers: 'window' });
    expect(r.paging.note).toMatch(/16-token pages; windowed and chunked layers keep only the pages their window spans/);
    expect(r.cacheTokens).toBe(32768);
  });
  it('finds the largest context from the exact sum: free = 80 GB - 54 GB weights', () => {
    const own = planCapacity(input).variants.find((v) => v.isModel)!;
    // free 26e9 B; bytes(T) = 10 x 8192 T + 52 x 1024 x 8192 = 81,920 T + 436,207,616 (T >= 1024)
    // T = floor((26e9 - 436,207,616) / 81,920) = floor(25,563,792,384 / 81,920) = floor(312,058.01) = 312,058
    expect(own.largestContext).toBe(312_058);
    // paged: 81,920 x 16 ceil(T / 16) + 52 x 1040 x 8192 (= 443,023,360) -> 16 x floor(25,556,976,640 / 1,310,720) = 16 x 19,498 = 311,968
    expect(own.paged.largestContext).toBe(311_968);
    // with full-context windows the paged cache is 62 x 8192 B per token: floor(26e9 / 507,904 / 16) x 16 = 51,184
    const full = planCapacity({ ...input, paging: { pageTokens: 16, windowedLayers: 'full' } }).variants.find((v) => v.isModel)!;
    expect(full.paged.largestContext).toBe(51_184);
    expect(full.paged.largestBatch).toBe(Math.floor(26e9 / (62 * 8192 * 32768)));
  });
  it('scales a measured step to the layer-tokens the model holds', () => {
    const r = planCapacity({
      ...input,
      report: reportWith([{ variant: 'gqa', context: 32768, cacheTokens: 32768, timing: { perLayerMs: 1 } as Point['timing'] }]),
    });
    const g = r.variants.find((v) => v.variant === 'gqa')!;
    // (10 x 32768 + 52 x 1024) / 32768 = 11.625 layers' worth of one global layer's step
    expect(g.estimate!.attentionMs).toBeCloseTo(11.625, 10);
    expect(g.measured!.modelMs).toBeCloseTo(11.625, 10);
  });
});
