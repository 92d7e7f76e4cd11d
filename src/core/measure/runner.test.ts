import { describe, expect, it } from 'vitest';
import type { EngineEvent, SweepConfigInput } from '@/contract/schemas.js';
import { ReportSchema, SweepConfigSchema } from '@/contract/schemas.js';
import { efficiencyInterval } from '@/contract/roofline.js';
import { runSweep } from './runner.js';
import { planSweep, SESSION_BASE_BYTES } from './planner.js';
import { fakeNvidiaSmi } from '../testing/nvidia-smi.js';
import { testProviders } from '../testing/providers.js';
import { availableMemory } from './system.js';

// Probe figures given, so these tests time the sweep logic and not the probes.
const probes = { bandwidthGBs: 10, gflops: 50, bandwidthMethod: 'test', gflopsMethod: 'test', emptyRunMs: 0.01 };
const small: SweepConfigInput = {
  model: { source: 'custom', name: 'tiny', attention: { kind: 'gqa', numHeads: 8, numKvHeads: 2, headDim: 32 }, numLayers: 4, maxContext: 2048 },
  variants: ['mha', 'gqa', 'mqa', 'mla-naive', 'mla-absorbed'],
  contexts: [128, 512, 4096],
  provider: 'cpu',
  budgetSeconds: 0.05,
};

describe('runSweep', () => {
  it('measures every variant with timing, roofline, memory and placement, and scales by layers', async () => {
    const events: EngineEvent[] = [];
    const report = await runSweep({ ...small, layers: 2 }, { runId: 'r1', probes, onEvent: (e) => events.push(e) });
    expect(ReportSchema.safeParse(report).success).toBe(true);
    expect(report.complete).toBe(true);
    expect(report.points).toHaveLength(15);
    for (const p of report.points) {
      expect(p.status, `${p.id}: ${p.reason}`).toBe('ok');
      expect(p.timing!.reps).toBeGreaterThanOrEqual(5);
      expect(p.layers).toBe(2);
      expect(p.layersNote).toBeUndefined();
      expect(p.timing!.perLayerMs).toBeCloseTo(p.timing!.medianMs / 2, 10);
      expect(p.timing!.modelMs).toBeCloseTo(p.timing!.perLayerMs * 4, 10);
      expect(p.timing!.overheadMs).toBeGreaterThan(0);
      expect(p.roofline!.efficiency).toBeGreaterThan(0);
      expect(p.memory!.analyticCacheBytes).toBe(p.kvBytesPerTokenPerLayer * p.cacheTokens * 2);
      expect(p.placement!.fellBack).toEqual([]);
      expect(p.verifyMaxAbsError).toBeLessThan(1e-4);
    }
    // contexts past maxContext (2048) are hypothetical
    expect(report.points.filter((p) => p.hypothetical).map((p) => p.context)).toEqual([4096, 4096, 4096, 4096, 4096]);
    expect(events.filter((e) => e.type === 'point')).toHaveLength(15);
    expect(report.scaling.measuredLayers).toBe(2);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ done: 15, total: 15 });
    // each point's progress carries its own expected seconds, inside the ETA to the end
    const perPoint = progress.filter((e) => e.type === 'progress' && e.current.startsWith('decode/'));
    expect(perPoint).toHaveLength(15);
    for (const e of perPoint) {
      if (e.type !== 'progress') continue;
      expect(e.pointSeconds).toBeGreaterThan(0);
      expect(e.etaSeconds!).toBeGreaterThanOrEqual(e.pointSeconds!);
    }
  });

  it('takes a reference read before each pass and keeps them in the report, in pass order', async () => {
    const rates = [30, 29, 24, 23, 22, 21];
    let calls = 0;
    const events: EngineEvent[] = [];
    const report = await runSweep(
      { ...small, variants: ['mha', 'mqa'], contexts: [128, 256] },
      { runId: 'r-ref', probes, onEvent: (e) => events.push(e), reference: async () => rates[calls++]! },
    );
    expect(ReportSchema.safeParse(report).success).toBe(true);
    const passes = report.passes!;
    // pass 1 (every point's first round) and one per later pass; rounds are at least 3 per point
    expect(passes.length).toBeGreaterThanOrEqual(3);
    expect(passes.map((p) => p.pass)).toEqual(passes.map((_, i) => i + 1));
    expect(passes.map((p) => p.referenceGBs)).toEqual(rates.slice(0, passes.length));
    expect(events.filter((e) => e.type === 'progress' && e.current.startsWith('reference read before pass'))).toHaveLength(passes.length);
  });

  it('a reference read that fails leaves its pass without one and the sweep measured', async () => {
    const report = await runSweep(
      { ...small, variants: ['mqa'], contexts: [128] },
      { runId: 'r-ref2', probes, onEvent: () => undefined, reference: () => Promise.reject(new Error('no scratch space')) },
    );
    expect(report.complete).toBe(true);
    expect(report.passes).toBeUndefined();
    expect(report.points[0]!.status).toBe('ok');
  });

  it("interleaves rounds across the sweep: every point's first round, then later rounds as updates", async () => {
    const events: EngineEvent[] = [];
    const report = await runSweep({ ...small, variants: ['mha', 'mqa'], contexts: [128, 256] }, { runId: 'r2', probes, onEvent: (e) => events.push(e) });
    const kinds = events.filter((e) => e.type === 'point' || e.type === 'point-update').map((e) => e.type);
    expect(kinds.slice(0, 4)).toEqual(['point', 'point', 'point', 'point']);
    expect(kinds.slice(4).every((k) => k === 'point-update')).toBe(true);
    for (const p of report.points) {
      const rounds = p.timing!.rounds!;
      // at least the policy's minimum of 3 placements, each a fresh cache (then one per pass)
      expect(rounds.length, p.id).toBeGreaterThanOrEqual(3);
      expect(rounds.reduce((a, r) => a + r.n, 0)).toBe(p.timing!.reps);
      expect(rounds.reduce((a, r) => a + r.kept, 0)).toBe(p.timing!.samplesMs!.length);
      const [lo, hi] = p.timing!.ci95Ms!;
      expect(lo).toBeLessThanOrEqual(p.timing!.medianMs);
      expect(hi).toBeGreaterThanOrEqual(p.timing!.medianMs);
    }
    // the last update of each point is the point in the report
    const last = new Map(events.filter((e) => e.type === 'point' || e.type === 'point-update').map((e) => [e.point.id, e.point]));
    for (const p of report.points) expect(last.get(p.id)).toEqual(p);
    // timing events pair up: started and stopped once per round
    const timing = events.filter((e) => e.type === 'timing');
    expect(timing.filter((e) => e.active).length).toBe(timing.filter((e) => !e.active).length);
    expect(timing.filter((e) => e.active).length).toBe(report.points.reduce((a, p) => a + p.timing!.rounds!.length, 0));
  });

  it('probes again after the last point, and the efficiency intervals span both probes', async () => {
    const report = await runSweep({ ...small, variants: ['mqa'], contexts: [256] }, { runId: 'r3', onEvent: () => {} });
    const again = report.probes!.again!;
    expect(again.bandwidthGBs).toBeGreaterThan(0);
    const p = report.points[0]!;
    expect(p.roofline!.efficiencyCi95).toEqual(efficiencyInterval(p.roofline!, p.timing!.ci95Ms!, [report.probes!, again]));
    expect(p.roofline!.efficiencyCi95![0]).toBeLessThanOrEqual(p.roofline!.efficiency);
  });

  it('records a point that cannot fit as does-not-fit, never attempts it, and continues', async () => {
    // budget: base + 8 MiB. 128 tokens of MHA (8x32x2x4 B/token = 2 KiB) fit; 4096 tokens with
    // a 64-head spec (64x32x2x4 x 4096 = 64 MiB) do not.
    const fraction = (SESSION_BASE_BYTES + 8 * 2 ** 20) / availableMemory();
    const report = await runSweep(
      {
        ...small,
        model: { ...small.model, attention: { kind: 'mha', numHeads: 64, numKvHeads: 64, headDim: 32 } } as never,
        variants: ['mha'],
        contexts: [128, 4096, 256],
        memoryFraction: fraction,
      },
      { runId: 'r2', probes, onEvent: () => {} },
    );
    expect(report.points.map((p) => [p.context, p.status])).toEqual([
      [128, 'ok'],
      [256, 'ok'],
      [4096, 'does-not-fit'],
    ]);
    const dnf = report.points[2]!;
    expect(dnf.reason).toMatch(/needs 1\d\d MiB but the budget is/);
    expect(dnf.timing).toBeUndefined();
    expect(report.complete).toBe(true);
  });

  it('keeps the points measured so far when cancelled', async () => {
    const controller = new AbortController();
    const snapshots: number[] = [];
    const report = await runSweep(small, {
      runId: 'r3',
      probes,
      signal: controller.signal,
      onSnapshot: (r) => snapshots.push(r.points.length),
      onEvent: (e) => {
        if (e.type === 'point' && e.point.variant === 'gqa') controller.abort();
      },
    });
    expect(report.complete).toBe(false);
    expect(report.incompleteReason).toBe('cancelled');
    expect(report.points.map((p) => p.variant)).toEqual(['mha', 'gqa']);
    expect(report.points.every((p) => p.status === 'ok')).toBe(true);
    expect(snapshots).toEqual([1, 2]);
  });

  it('records a point predicted too slow instead of running it', async () => {
    const report = await runSweep({ ...small, variants: ['mla-naive'], contexts: [4096], maxStepSeconds: 1e-6 }, { runId: 'r4', probes, onEvent: () => {} });
    expect(report.points[0]).toMatchObject({ status: 'too-slow' });
    expect(report.points[0]!.reason).toMatch(/predicted .* s per step from the probes/);
  });

  it('measures prefill with FLOPs and achieved FLOP/s, and skips prefill above maxPrefillContext', async () => {
    const report = await runSweep(
      { ...small, variants: ['gqa', 'mla-naive'], modes: ['prefill'], contexts: [64, 256, 4096], maxPrefillContext: 256 },
      { runId: 'r6', probes, onEvent: () => {} },
    );
    expect(report.points.map((p) => [p.mode, p.variant, p.context, p.status])).toEqual([
      ['prefill', 'gqa', 64, 'ok'],
      ['prefill', 'mla-naive', 64, 'ok'],
      ['prefill', 'gqa', 256, 'ok'],
      ['prefill', 'mla-naive', 256, 'ok'],
    ]);
    const p = report.points[2]!;
    // 2 B n_h T^2 (d_k + d_v): the full score matrix is computed, then masked
    expect(p.roofline!.flops).toBe(2 * 8 * 256 * 256 * 64);
    expect(p.roofline!.achievedGflops).toBeCloseTo(p.roofline!.flops / (p.timing!.medianMs / 1000) / 1e9, 6);
    expect(p.timing!.tokensPerSecond).toBeNull();
    expect(p.verifyMaxAbsError).toBeLessThan(1e-4);
  });

  it('measures a prefill point in query blocks where the full scores would pass the workspace bound, verified in blocks that do not divide T', async () => {
    // 512 heads of width 4 at T = 256: the full form's scores take 384 MiB, over the 256 MiB bound; 170 rows fit a block, 128 divide T
    const wide: SweepConfigInput = {
      ...small,
      model: { source: 'custom', name: 'wide', attention: { kind: 'mha', numHeads: 512, numKvHeads: 512, headDim: 4 }, numLayers: 10, maxContext: 2048 },
      variants: ['mha'],
      modes: ['prefill'],
      contexts: [64, 256],
    };
    const report = await runSweep(wide, { runId: 'r7', probes, onEvent: () => {} });
    expect(report.points.map((p) => [p.context, p.status, p.form, p.prefillBlock])).toEqual([
      [64, 'ok', 'decomposed', undefined],
      [256, 'ok', 'blocked', 128],
    ]);
    const p = report.points[1]!;
    expect(p.verifyMaxAbsError).toBeLessThan(1e-4);
    expect(p.roofline!.flops).toBe(2 * 512 * 256 * 256 * 8);
    expect(p.timing!.modelMs).toBeCloseTo(p.timing!.perLayerMs * 10, 10);
  });

  it('on a GPU provider with nvidia-smi: bounds the fit by free device memory and reads device memory device-wide', async (ctx) => {
    if (!(await testProviders()).includes('webgpu')) ctx.skip();
    // One GPU with 1 GiB free, and this process not among its compute apps (a WebGPU process is
    // a graphics client): the budget is the device's, device memory the device-wide difference.
    const smi = fakeNvidiaSmi('Fake GPU, 1.0, 2048, {used}', '1, 500\n');
    smi.setUsedMiB(1024);
    try {
      const report = await runSweep(
        {
          ...small,
          provider: 'webgpu',
          model: { ...small.model, attention: { kind: 'mha', numHeads: 64, numKvHeads: 64, headDim: 32 } } as never,
          variants: ['mha'],
          contexts: [64, 65536],
          memoryFraction: 0.5,
        },
        {
          runId: 'r-gpu',
          probes,
          // the device's usage grows by 300 MiB once the first point starts (as if its session took it)
          onEvent: (e) => {
            if (e.type === 'progress' && e.current.startsWith('decode/')) smi.setUsedMiB(1324);
          },
        },
      );
      expect(report.memoryBudget).toEqual({ bytes: 0.5 * 2 ** 30, limitedBy: 'device', note: '50% of 1.0 GiB free webgpu device memory' });
      const [ok, big] = report.points;
      expect(ok!.status).toBe('ok');
      expect(ok!.memory!.device).toEqual({
        available: true,
        usedBytes: 300 * 2 ** 20,
        totalBytes: 2048 * 2 ** 20,
        source:
          'nvidia-smi memory.used, device-wide, minus its value at the start of the sweep (this process is not listed as a compute app; other processes count too)',
      });
      // 64 heads x 32 x 2 x 4 B x 65536 tokens = 1 GiB of cache: over the device's budget
      expect(big!.status).toBe('does-not-fit');
      expect(big!.reason).toMatch(/budget is 512 MiB \(50% of 1\.0 GiB free webgpu device memory\)/);
    } finally {
      smi.restore();
    }
  }, 120_000);

  it('on a GPU provider, auto layers stack each graph from the run cost and the predicted step (software Vulkan here)', async (ctx) => {
    if (!(await testProviders()).includes('webgpu')) ctx.skip();
    // A run cost of 0.3 ms (lavapipe's) and 1 GB/s: MHA of 8 x 32 holds 2 KiB per token per layer,
    // so 64 tokens predict about 0.13 ms of work per layer (over 40 layers) and 1,024 tokens 2.1 ms (3 layers).
    const gpuProbes = { ...probes, bandwidthGBs: 1, emptyRunMs: 0.3 };
    const config = { ...small, provider: 'webgpu' as const, variants: ['mha' as const], contexts: [64, 1024] };
    const report = await runSweep(config, { runId: 'r-auto', probes: gpuProbes, onEvent: () => {} });
    const plan = planSweep(SweepConfigSchema.parse(config), {
      availableBytes: availableMemory(),
      provider: 'webgpu',
      bandwidthGBs: 1,
      gflops: 50,
      runCostMs: 0.3,
    });
    const planned = plan.points.map((p) => p.layers);
    expect(planned[0]).toBeGreaterThan(40);
    expect(planned[1]).toBe(3);
    expect(report.points.map((p) => p.layers)).toEqual(planned);
    expect(report.scaling.measuredLayers).toBeNull();
    expect(report.scaling.note).toMatch(/^graphs hold different numbers of identical layers .*\[auto: 3-4\d layers per graph; 2 point\(s\) hold more than one/);
    for (const p of report.points) {
      expect(p.status, `${p.id}: ${p.reason}`).toBe('ok');
      expect(p.layersNote).toMatch(new RegExp(`^${p.layers} layers per graph: the provider's fixed run cost \\(0\\.300 ms\\)`));
      expect(p.timing!.perLayerMs).toBeCloseTo(p.timing!.medianMs / p.layers!, 10);
      expect(p.memory!.analyticCacheBytes).toBe(p.kvBytesPerTokenPerLayer * p.cacheTokens * p.layers!);
    }
    // --layers 1 overrides auto
    const one = await runSweep({ ...config, contexts: [1024], layers: 1 }, { runId: 'r-one', probes: gpuProbes, onEvent: () => {} });
    expect(one.points.map((p) => p.layers)).toEqual([1]);
    expect(one.points[0]!.layersNote).toBeUndefined();
  }, 180_000);

  it('BAD CALL - a provider that does not work here is a clear error', async () => {
    await expect(runSweep({ ...small, provider: 'coreml' }, { runId: 'r5', probes, onEvent: () => {} })).rejects.toThrow(
      /execution provider coreml does not work here: CoreML ships with onnxruntime-node on macOS only/,
    );
  });
});
