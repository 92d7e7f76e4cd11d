import { describe, expect, it } from 'vitest';
import { SweepConfigSchema, type SweepConfigInput } from '@/contract/schemas.js';
import { kvBytesPerToken, SpecError } from '../model/spec.js';
import { PREFILL_WORKSPACE_BYTES } from '../graph/prefill-blocks.js';
import { planSweep, predictedStepSeconds, prefillMemoryParts, prefillTransientBytes, resolveModel, SESSION_BASE_BYTES, variantSpec } from './planner.js';

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
    const transient = prefillTransientBytes(big!.spec, 'gqa', 'blocked', 1, 32768, 'fp32', 16);
    expect(transient).toBe(16 * (3 * 32 * 32768 * el + 32768 * 5) + 8 * 32768 * 128 * el + 2 * out);
    expect(transient - 8 * 32768 * 128 * el - 2 * out).toBeLessThanOrEqual(PREFILL_WORKSPACE_BYTES);
    // a shorter last block is concatenated to the Loop's output: one more output's worth
    expect(prefillTransientBytes(big!.spec, 'gqa', 'blocked', 1, 32768, 'fp32', 21)).toBe(
      21 * (3 * 32 * 32768 * el + 32768 * 5) + 8 * 32768 * 128 * el + 3 * out,
    );
    // the parts: the output's JS copy counts too (measured here: without it the prediction was 0.6 GiB under the peak RSS at 32K)
    const parts = prefillMemoryParts(big!.spec, 'gqa', 'blocked', 1, 32768, 'fp32', 16, 1);
    const arenaSlack = Math.ceil((out + transient) / 8);
    expect(parts).toEqual({ inputs, outputs: out, outputCopies: out, weights: 0, transient, arenaSlack, session: SESSION_BASE_BYTES });
    expect(big!.predictedBytes).toBe(inputs + 2 * out + transient + arenaSlack + SESSION_BASE_BYTES);
    // MLA's weights are a part of their own, per measured layer
    const dsSpec = variantSpec(resolveModel({ source: 'preset', preset: 'deepseek-v3' }), 'mla-naive', 8);
    expect(prefillMemoryParts(dsSpec, 'mla-naive', 'blocked', 1, 8192, 'fp32', 16, 2).weights).toBe(2 * 128 * 512 * (128 + 128) * el);
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
