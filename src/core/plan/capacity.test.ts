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
