import { describe, expect, it } from 'vitest';
import { SweepConfigSchema, type SweepConfigInput } from '@/contract/schemas.js';
import { DEFAULT_SWEEP } from '@/contract/defaults.js';
import { parseContextList } from '@/present/contexts.js';
import { kvBytesPerToken, SpecError } from '../model/spec.js';
import { PREFILL_WORKSPACE_BYTES } from '../graph/prefill-blocks.js';
import {
  chooseLayers,
  planSweep,
  predictedStepSeconds,
  prefillMemoryParts,
  prefillTransientBytes,
  resolveModel,
  SESSION_BASE_BYTES,
  variantSpec,
} from './planner.js';

const cfg = (over: Partial<SweepConfigInput> = {}) =>
  SweepConfigSchema.parse({ model: { source: 'preset', preset: 'deepseek-v3' }, variants: ['mla-absorbed', 'mha'], contexts: [4096, 1024], ...over });
const GiB = 2 ** 30;

describe('planSweep', () => {
  it('orders points by mode, dtype, batch, context, then variant', () => {
    const plan = planSweep(cfg({ batches: [2, 1], dtypes: ['fp16', 'fp32'] }), { availableBytes: 64 * GiB, provider: 'cpu' });
    expect(plan.points.map((p) => p.id).slice(0, 5)).toEqual([
      'decode/mha/fp16/b2/t1024',
      'decode/mla-absorbed/fp16/b2/t1024',
      'decode/mha/fp16/b2/t4096',
      'decode/mla-absorbed/fp16/b2/t4096',
      'decode/mha/fp16/b1/t1024',
    ]);
    expect(plan.points).toHaveLength(2 * 2 * 2 * 2);
  });
  it('marks a point that cannot fit, with the numbers, and keeps the rest', () => {
    // MHA-equivalent DeepSeek-V3 layer at 4096 tokens, fp32: 128*(192+128)*4 B * 4096 = 640 MiB
    const plan = planSweep(cfg({ memoryFraction: 0.5 }), { availableBytes: 1 * GiB, provider: 'cpu' });
    const big = plan.points.find((p) => p.id === 'decode/mha/fp32/b1/t4096')!;
    expect(big.fits).toBe(false);
    expect(big.reason).toMatch(/needs 708 MiB but the budget is 512 MiB \(50% of 1\.0 GiB available\)/);
    expect(plan.points.find((p) => p.id === 'decode/mla-absorbed/fp32/b1/t4096')!.fits).toBe(true);
  });
  it('bounds a GPU provider by the free device memory where it is known, never the CPU', () => {
    const gpu = planSweep(cfg({ memoryFraction: 0.5 }), { availableBytes: 64 * GiB, provider: 'webgpu', deviceFreeBytes: 1 * GiB });
    const big = gpu.points.find((p) => p.id === 'decode/mha/fp32/b1/t4096')!;
    expect(big.fits).toBe(false);
    expect(big.reason).toMatch(/budget is 512 MiB \(50% of 1\.0 GiB free webgpu device memory\)/);
    expect(gpu.budgetBytes).toBe(0.5 * GiB);
    // host memory smaller than the device's: the host bounds it
    expect(planSweep(cfg({ memoryFraction: 0.5 }), { availableBytes: 1 * GiB, provider: 'webgpu', deviceFreeBytes: 80 * GiB }).budgetBytes).toBe(0.5 * GiB);
    // the CPU provider ignores a GPU's memory
    expect(planSweep(cfg({ memoryFraction: 0.5 }), { availableBytes: 64 * GiB, provider: 'cpu', deviceFreeBytes: 1 * GiB }).budgetBytes).toBe(32 * GiB);
    // unknown device memory: host only
    expect(planSweep(cfg({ memoryFraction: 0.5 }), { availableBytes: 64 * GiB, provider: 'webgpu', deviceFreeBytes: null }).budgetBytes).toBe(32 * GiB);
  });
  it('predicts resident + workspace + base bytes, scaled by measured layers', () => {
    const one = planSweep(cfg({ variants: ['mha'], contexts: [1024] }), { availableBytes: 64 * GiB, provider: 'cpu' }).points[0]!;
    const three = planSweep(cfg({ variants: ['mha'], contexts: [1024], layers: 3 }), { availableBytes: 64 * GiB, provider: 'cpu' }).points[0]!;
    const cache = 128 * 320 * 4 * 1024;
    expect(one.predictedBytes).toBeGreaterThan(cache + SESSION_BASE_BYTES);
    expect(three.predictedBytes - one.predictedBytes).toBe(2 * cache);
    expect(three.bytesRead).toBeCloseTo(3 * one.bytesRead, 0);
    // whole-model cache: 61 layers
    expect(one.modelCacheBytes).toBe(cache * 61);
  });
  it('caps the cache at a sliding window and marks contexts beyond max_position_embeddings', () => {
    const plan = planSweep(cfg({ model: { source: 'preset', preset: 'mistral-7b' }, variants: ['gqa'], contexts: [2048, 65536] }), {
      availableBytes: 64 * GiB,
      provider: 'cpu',
    });
    expect(plan.points.map((p) => [p.cacheTokens, p.hypothetical])).toEqual([
      [2048, false],
      [4096, true],
    ]);
    expect(plan.largestContextThatFits.gqa).toBeNull();
  });
  it('gives the largest context that fits per variant', () => {
    const plan = planSweep(cfg({ memoryFraction: 1 }), { availableBytes: 8 * GiB, provider: 'cpu' });
    const model = plan.model;
    const mla = kvBytesPerToken(variantSpec(model, 'mla-absorbed', 8), 'fp32') * 61;
    expect(plan.largestContextThatFits['mla-absorbed']).toBe(Math.floor((8 * GiB) / mla));
    expect(plan.largestContextThatFits.mha!).toBeLessThan(plan.largestContextThatFits['mla-absorbed']!);
  });
  it('skips prefill above maxPrefillContext', () => {
    const plan = planSweep(cfg({ modes: ['prefill'], maxPrefillContext: 2048 }), { availableBytes: 64 * GiB, provider: 'cpu' });
    expect(plan.points.every((p) => p.context <= 2048)).toBe(true);
    expect(() => planSweep(cfg({ modes: ['prefill'], contexts: [8192], maxPrefillContext: 2048 }), { availableBytes: GiB, provider: 'cpu' })).toThrow(
      SpecError,
    );
  });
  it('plans prefill in query blocks where the full T x T scores would exceed the workspace bound', () => {
    const llama = (contexts: number[], layers = 1) =>
      planSweep(
        cfg({ model: { source: 'preset', preset: 'llama-3.1-8b' }, variants: ['gqa'], modes: ['prefill'], contexts, maxPrefillContext: 1 << 17, layers }),
        {
          availableBytes: 64 * GiB,
          provider: 'cpu',
        },
      ).points;
    const [small, big] = llama([512, 32768]);
    // 512: 3 x 32 heads x 512^2 x 4 B = 96 MiB of scores, the full form
    expect(small).toMatchObject({ form: 'decomposed' });
    expect(small!.prefillBlock).toBeUndefined();
    // 21 rows fit the bound; 16 divide 32K, so no shorter last block and no Concat after the Loop
    expect(big).toMatchObject({ form: 'blocked', prefillBlock: 16, fits: true });
    expect(big!.notes).toMatch(/full form's scores would take 389 GiB \(over 256 MiB\); 2048 blocks of 16 queries, workspace 195 MiB/);
    // predicted: q, k, v and the output; the block's workspace, K^T, the blocks' outputs twice; the session
    const el = 4;
    const out = 32 * 32768 * 128 * el;
    const inputs = 32 * 32768 * 128 * el + 2 * 8 * 32768 * 128 * el;
    const transient = prefillTransientBytes({ spec: big!.spec, variant: 'gqa', form: 'blocked', batch: 1, t: 32768, dtype: 'fp32', rows: 16 });
    expect(transient).toBe(16 * (3 * 32 * 32768 * el + 32768 * 5) + 8 * 32768 * 128 * el + 2 * out);
    expect(transient - 8 * 32768 * 128 * el - 2 * out).toBeLessThanOrEqual(PREFILL_WORKSPACE_BYTES);
    // a shorter last block is concatenated to the Loop's output: one more output's worth
    expect(prefillTransientBytes({ spec: big!.spec, variant: 'gqa', form: 'blocked', batch: 1, t: 32768, dtype: 'fp32', rows: 21 })).toBe(
      21 * (3 * 32 * 32768 * el + 32768 * 5) + 8 * 32768 * 128 * el + 3 * out,
    );
    // the parts: the output's JS copy counts too (measured here: without it the prediction was 0.6 GiB under the peak RSS at 32K)
    const parts = prefillMemoryParts({ spec: big!.spec, variant: 'gqa', form: 'blocked', batch: 1, t: 32768, dtype: 'fp32', rows: 16 }, 1);
    const arenaSlack = Math.ceil((out + transient) / 8);
    expect(parts).toEqual({ inputs, outputs: out, outputCopies: out, weights: 0, transient, arenaSlack, session: SESSION_BASE_BYTES });
    expect(big!.predictedBytes).toBe(inputs + 2 * out + transient + arenaSlack + SESSION_BASE_BYTES);
    // MLA's weights are a part of their own, per measured layer
    const dsSpec = variantSpec(resolveModel({ source: 'preset', preset: 'deepseek-v3' }), 'mla-naive', 8);
    expect(prefillMemoryParts({ spec: dsSpec, variant: 'mla-naive', form: 'blocked', batch: 1, t: 8192, dtype: 'fp32', rows: 16 }, 2).weights).toBe(
      2 * 128 * 512 * (128 + 128) * el,
    );
    // every measured layer keeps its output, and its JS copy
    // (and the arena's slack grows with the outputs it holds: an eighth of one more output)
    expect(llama([32768], 2)[0]!.predictedBytes - big!.predictedBytes).toBe(2 * out + out / 8);
    // DeepSeek-V3 at 8K, 128 heads (the full form's scores, 2^33 elements, could not be built): blocked, within 4.5 GiB
    const ds = planSweep(cfg({ variants: ['mla-naive', 'mla-absorbed'], modes: ['prefill'], contexts: [8192], maxPrefillContext: 8192 }), {
      availableBytes: 64 * GiB,
      provider: 'cpu',
    });
    expect(ds.points.map((p) => [p.form, p.prefillBlock, p.fits])).toEqual([
      ['blocked', 16, true],
      ['blocked', 16, true],
    ]);
    expect(ds.points[0]!.predictedBytes).toBeLessThan(4.5 * GiB);
  });
  it('predicts step time from the roofline', () => {
    expect(predictedStepSeconds({ flops: 1e9, bytesRead: 1e9 }, 10, 100)).toBeCloseTo(0.1, 10);
    expect(predictedStepSeconds({ flops: 1e11, bytesRead: 1e6 }, 10, 100)).toBeCloseTo(1, 10);
  });
});

describe('layers per graph (config.layers "auto")', () => {
  const pick = (layerStepMs: number, fitLayers = 1e9, slowLayers = 1e9) => chooseLayers({ runCostMs: 1.5, layerStepMs, fitLayers, slowLayers });
  it('stacks the fewest layers that bring a 1.5 ms run cost under 5% of the step', () => {
    // r / (r + L s) <= 0.05  <=>  L >= 19 r / s
    expect(pick(10).layers).toBe(3); // 1.5 / 31.5 = 4.8%; 2 layers: 7.0%
    expect(pick(1).layers).toBe(29); // 28.5 -> 29
    expect(pick(10).note).toMatch(/^3 layers per graph: the provider's fixed run cost \(1\.500 ms\) is 13% of a one-layer step .*; with 3 it is 4\.8%$/);
    // a step long enough already: one layer, nothing to say
    expect(pick(100)).toEqual({ layers: 1 });
    // unknown run cost (a plan before the probes): one layer
    expect(chooseLayers({ runCostMs: null, layerStepMs: 0.1, fitLayers: 1e9, slowLayers: 1e9 })).toEqual({ layers: 1 });
  });
  it('stops at the memory budget, --max-step or the range, and says it fell short', () => {
    const mem = pick(0.1, 40.7);
    expect(mem.layers).toBe(40);
    expect(mem.note).toMatch(/^40 layers per graph, short of the 285 .*the memory budget holds no more, so the fixed cost is still 27% of the step$/);
    expect(pick(0.1).layers).toBe(256);
    expect(pick(0.1).note).toMatch(/256 is the most a graph holds/);
    expect(pick(1, 1e9, 12.5).layers).toBe(12);
    expect(pick(1, 1e9, 12.5).note).toMatch(/more would be predicted over --max-step/);
    // not even one more fits: one layer, still said
    expect(pick(1, 0.5).layers).toBe(1);
    expect(pick(1, 0.5).note).toMatch(/^1 layer per graph, short of the 29/);
  });

  // One MHA head of 128 at fp32: 1 KiB of cache per token per layer; at 100 GB/s the predicted work
  // of one layer is about 1 KiB x T / 100 GB/s.
  const gpu = (over: Partial<SweepConfigInput> = {}, env: Partial<Parameters<typeof planSweep>[1]> = {}) =>
    planSweep(
      SweepConfigSchema.parse({
        model: { source: 'custom', name: 'one head', attention: { kind: 'mha', numHeads: 1, numKvHeads: 1, headDim: 128 }, numLayers: 32, maxContext: null },
        variants: ['mha'],
        contexts: [1024, 65536, 1 << 22],
        provider: 'webgpu',
        ...over,
      }),
      { availableBytes: 64 * GiB, provider: 'webgpu', bandwidthGBs: 100, gflops: 50_000, runCostMs: 1.5, ...env },
    );
  it('chooses each point from the predicted step and the measured run cost, within the memory budget', () => {
    const plan = gpu();
    for (const p of plan.points) {
      const one = predictedStepSeconds({ flops: p.flops / p.layers, bytesRead: p.bytesRead / p.layers }, 100, 50_000) * 1000;
      expect(p.layers, p.id).toBe(chooseLayers({ runCostMs: 1.5, layerStepMs: one, fitLayers: Infinity, slowLayers: Infinity }).layers);
      expect(p.predictedBytes).toBeLessThanOrEqual(plan.budgetBytes);
    }
    const [short, mid, long] = plan.points;
    expect(short!.layers).toBe(256); // 1K tokens: ~0.01 ms of work per layer
    expect(mid!.layers).toBeGreaterThan(1);
    expect(long!.layers).toBe(1); // 4M tokens: 4 GiB per layer, ~43 ms: 3.4%
    expect(long!.layersNote).toBeUndefined();
    expect(plan.layersNote).toMatch(/^auto: 1-256 layers per graph; 2 point\(s\) hold more than one .*\(1\.500 ms\)/);
    // a tighter budget caps the layers by memory, and the plan says they fall short
    const tight = gpu({ memoryFraction: 0.05 }, { availableBytes: 4 * GiB });
    const m = tight.points[1]!;
    expect(m.layers).toBeLessThan(mid!.layers);
    expect(m.fits).toBe(true);
    expect(m.layersNote).toMatch(/the memory budget holds no more/);
    expect(tight.layersNote).toMatch(/fall short/);
  });
  it('a set number of layers overrides auto on every point', () => {
    const plan = gpu({ layers: 3 });
    expect(plan.points.map((p) => p.layers)).toEqual([3, 3, 3]);
    expect(plan.points.every((p) => p.layersNote === undefined)).toBe(true);
    expect(plan.layersNote).toBe('3 layers per graph (set)');
  });
  it('before the run cost is measured, and on the CPU, auto plans one layer', () => {
    expect(gpu({}, { runCostMs: undefined }).points.map((p) => p.layers)).toEqual([1, 1, 1]);
    expect(gpu({}, { runCostMs: undefined }).layersNote).toMatch(/once the provider's fixed run cost is measured/);
  });
  it('the default CPU sweep plans the same points as --layers 1, whatever the run cost', () => {
    const env = { availableBytes: 64 * GiB, provider: 'cpu' as const, bandwidthGBs: 20, gflops: 100, runCostMs: 0.5 };
    const sweep = {
      model: { source: 'preset', preset: DEFAULT_SWEEP.preset },
      variants: [...DEFAULT_SWEEP.variants],
      contexts: parseContextList(DEFAULT_SWEEP.contexts),
    } as const;
    const auto = planSweep(SweepConfigSchema.parse(sweep), env);
    const one = planSweep(SweepConfigSchema.parse({ ...sweep, layers: 1 }), env);
    expect(SweepConfigSchema.parse(sweep).layers).toBe('auto');
    expect(auto.points).toHaveLength(25);
    expect(auto.points).toEqual(one.points);
    expect(auto.points.every((p) => p.layers === 1 && p.layersNote === undefined)).toBe(true);
    expect(auto.estimatedSeconds).toBe(one.estimatedSeconds);
    expect(auto.layersNote).toMatch(/^auto: 1 layer per graph on the CPU/);
  });
});
