import { describe, expect, it } from 'vitest';
import type { CapacityRequest } from '@/contract/api.js';
import type { Point, Report } from '@/contract/schemas.js';
import { capacityAnswer } from './capacity.js';
import { planParallel, type ParallelInput } from './parallel.js';
import { ringAllReduceMs, withDecodeEstimate } from './parallel-estimate.js';

describe('whole-model decode estimate on N GPUs', () => {
  it('ring all-reduce: 2 (tp - 1) / tp x bytes / bandwidth, nothing at TP 1', () => {
    expect(ringAllReduceMs(16_384, 8, 450)).toBeCloseTo(((1.75 * 16_384) / 450e9) * 1000, 15);
    expect(ringAllReduceMs(1e9, 2, 100)).toBeCloseTo(10, 12); // 2 x 1/2 x 1 GB at 100 GB/s = 10 ms
    expect(ringAllReduceMs(1e9, 1, 100)).toBe(0);
  });

  it('Llama-3.1-70B TP 8 at 3,350 GB/s (analytic roofline): weights/8 + the 1/8 cache + 80 all-reduces, labelled an estimate', () => {
    const req: CapacityRequest = {
      model: { kind: 'preset', id: 'llama-3.1-70b' },
      memoryBytes: null,
      weightDtype: 'bf16',
      cacheDtype: 'bf16',
      context: 131072,
      batch: 1,
      gqaGroups: 8,
      parallel: { tp: 8, pp: 1, dp: 1, dcp: 1, dpAttention: false, gpuCount: 8, gpuMemoryBytes: 80e9, linkGBs: 450, hbmGBs: 3350 },
    };
    const g = capacityAnswer(req, { detectedFreeBytes: 1e9 }).perGpu!;
    const e = g.variants.find((v) => v.isModel)!.estimate!;
    const weightsMs = ((70.6e9 * 2) / 8 / 3350e9) * 1000; // 5.269 ms
    const attentionMs = ((40_960 * 131_072) / 3350e9) * 1000; // 1.603 ms
    const allReduceMs = 80 * (((1.75 * 8192 * 2) / 450e9) * 1000); // 0.0051 ms
    expect(e.weightsMs).toBeCloseTo(weightsMs, 9);
    expect(e.attentionMs).toBeCloseTo(attentionMs, 9);
    expect(e.allReduceMs).toBeCloseTo(allReduceMs, 12);
    expect(e.tokensPerSecond).toBeCloseTo(1000 / (weightsMs + attentionMs + allReduceMs), 6); // about 145
    expect(g.estimate.label).toBe('estimate');
    expect(g.estimate.basis).toMatch(/^estimate, analytic roofline: active weights and cache bytes per GPU \/ 3350 GB\/s/);
    expect(g.estimate.interconnect).toMatch(
      /one ring all-reduce per layer under TP 8: 2 x \(8 - 1\) \/ 8 x 16,384 B \(1 sequence x hidden 8192 x 2 B\) at 450 GB\/s/,
    );
    // without a report or a bandwidth: no estimate, and why
    const none = capacityAnswer({ ...req, parallel: { ...req.parallel!, hbmGBs: null } }, { detectedFreeBytes: 1e9 }).perGpu!;
    expect(none.variants.every((v) => v.estimate === undefined)).toBe(true);
    expect(none.estimate.missing).toMatch(/no decode estimate: it needs a sweep of this model measured here/);
  });

  const input = (tp: number): ParallelInput => ({
    layout: { tp, pp: 1, dp: 1, dcp: 1, dpAttention: false, gpuCount: tp, gpuMemoryBytes: 1e12 },
    model: { numHeads: 8, hiddenSize: 1000, weightsBytes: 1e9, activeWeightBytes: 1e9, attentionWeightBytes: 0 },
    variants: [{ variant: 'gqa', isModel: true, shape: '', split: { kind: 'heads', numKvHeads: 4 }, layers: [{ bytesPerToken: 1000, maxTokens: null }] }],
    context: 1000,
    batch: 2,
  });

  it("scales a measured per-layer step by the bytes each GPU holds; far from any measured step, bytes / the report's bandwidth", () => {
    // TP 4: each GPU holds 1/4 of the layer: 1000 x 1000 x 2 / 4 = 500,000 B
    const i = input(4);
    const measured = { kind: 'measured' as const, bandwidthGBs: 10, label: 'a.json', steps: { gqa: [{ perLayerMs: 3, bytes: 400_000, context: 800 }] } };
    const a = withDecodeEstimate(planParallel(i), i, { linkGBs: 100, activationBytes: 2, step: measured });
    const e = a.variants[0]!.estimate!;
    expect(e.attentionMs).toBeCloseTo(3 * (500_000 / 400_000), 12);
    expect(e.weightsMs).toBeCloseTo((1e9 / 4 / 10e9) * 1000, 12);
    expect(e.allReduceMs).toBeCloseTo(((1.5 * 2 * 1000 * 2) / 100e9) * 1000, 15);
    expect(e.tokensPerSecond).toBeCloseTo((2 * 1000) / (e.weightsMs + e.attentionMs + e.allReduceMs), 9);
    expect(e.attentionBasis).toBe('measured step at 800 tokens scaled by the bytes this GPU holds (x1.25)');
    expect(a.estimate.basis).toMatch(/^estimate built on a\.json: .*assumes each GPU is as fast as that device/);
    // a measured step over 2x away from the GPU's bytes is not scaled
    const far = { ...measured, steps: { gqa: [{ perLayerMs: 3, bytes: 100_000, context: 200 }] } };
    const b = withDecodeEstimate(planParallel(i), i, { linkGBs: 100, activationBytes: 2, step: far }).variants[0]!.estimate!;
    expect(b.attentionMs).toBeCloseTo((500_000 / 10e9) * 1000, 12);
    expect(b.attentionBasis).toBe('cache bytes this GPU holds / 10 GB/s (no measured step within 2x of those bytes)');
  });

  it('through the planner: a sweep measured here stands for a GPU holding the same bytes (Llama-3.1-8B, TP 4)', () => {
    // TP 4 splits the 8 K/V heads 2 per GPU: a quarter of a layer, so a step measured at 2K tokens reads what a GPU reads at 8K.
    const point = { id: 'p', status: 'ok', mode: 'decode', variant: 'gqa', context: 2048, cacheTokens: 2048, batch: 1, kvBytesPerTokenPerLayer: 4096 };
    const report = {
      createdAt: '2026-12-01T10:00:00Z',
      provider: { name: 'cpu' },
      probes: { bandwidthGBs: 20, gflops: 100 },
      points: [{ ...point, timing: { perLayerMs: 0.5 } as Point['timing'] }],
    } as unknown as Report;
    const req: CapacityRequest = {
      model: { kind: 'preset', id: 'llama-3.1-8b' },
      memoryBytes: 24e9,
      weightDtype: 'bf16',
      cacheDtype: 'bf16',
      context: 8192,
      batch: 1,
      gqaGroups: 8,
      parallel: { tp: 4, pp: 1, dp: 1, dcp: 1, dpAttention: false, gpuCount: null, gpuMemoryBytes: null, linkGBs: 450, hbmGBs: null },
    };
    const a = capacityAnswer(req, { detectedFreeBytes: 1e9, measured: () => ({ id: 'sweep.json', report }) });
    const g = a.perGpu!;
    expect(g.gpus).toBe(4);
    expect(g.gpuMemoryBytes).toBe(24e9); // the memory budget, per GPU
    const e = g.variants.find((v) => v.isModel)!.estimate!;
    expect(e.attentionMs).toBeCloseTo(0.5 * 32, 12);
    expect(e.attentionBasis).toBe('measured step at 2048 tokens scaled by the bytes this GPU holds (x1)');
    expect(e.weightsMs).toBeCloseTo(((8.03e9 * 2) / 4 / 20e9) * 1000, 9);
    expect(g.estimate.basis).toMatch(/^estimate built on sweep\.json \(cpu, 2026-12-01\)/);
  });
});
