/**
 * The rounds of a timed point: each writes the cache afresh (a new file, so new physical pages),
 * opens a new session, warms up and samples; the point is what its rounds so far add up to.
 */
import type { Point } from '@/contract/schemas.js';
import { rooflineJudgement } from '@/contract/roofline.js';
import { timingFeeds } from '../graph/verify.js';
import { wantsPrepack } from '../graph/builders-quant.js';
import type { Provider } from '../runtime/providers.js';
import { MeasuredSession } from '../runtime/session.js';
import { finishRounds, keptSamples, perRoundPolicy, roundsDone, sampleRound, worstLoad, type Measurement, type TimingPolicy } from './harness.js';
import type { LoadFigures } from './load.js';
import type { PlannedPoint } from './planner.js';
import { pointGraph, removeGraph, request, type PointContext, type Verified } from './runner-context.js';
import { nvidiaGpus, nvidiaProcessMemory, processMemory, resetPeak, type ProcMemory } from './system.js';

/**
 * GPU memory after a point's session is built. Per process where nvidia-smi lists this process
 * (CUDA); otherwise, on NVIDIA, the device-wide memory.used minus its value when the sweep began
 * (WebGPU runs as a Vulkan graphics client, which nvidia-smi does not list per process).
 */
function deviceMemory(provider: Provider, baselineUsedBytes: number | null): NonNullable<Point['memory']>['device'] {
  if (provider === 'cpu') return { available: false, reason: 'CPU provider: the cache is in process memory (RSS above)' };
  const used = nvidiaProcessMemory();
  const gpus = nvidiaGpus();
  const gpu = gpus.length === 1 ? gpus[0] : undefined;
  if (used !== null)
    return {
      available: true,
      usedBytes: used,
      totalBytes: gpu?.memoryBytes ?? null,
      source: 'nvidia-smi --query-compute-apps (reserved by this process)',
    };
  // Device-wide: only with one GPU (else which one is unknown), and only while usage did not fall
  // below the start (other processes freeing memory would make the difference meaningless).
  if (gpu?.usedBytes !== undefined && baselineUsedBytes !== null && gpu.usedBytes >= baselineUsedBytes)
    return {
      available: true,
      usedBytes: gpu.usedBytes - baselineUsedBytes,
      totalBytes: gpu.memoryBytes,
      source:
        'nvidia-smi memory.used, device-wide, minus its value at the start of the sweep (this process is not listed as a compute app; other processes count too)',
    };
  return { available: false, reason: `no per-process GPU memory source for ${provider} here (nvidia-smi not found; onnxruntime-node exposes none)` };
}

/** The timing fields a measurement gives a point (all but the overhead and the per-layer scaling). */
function timingFields(m: Measurement): Omit<NonNullable<Point['timing']>, 'overheadMs' | 'tokensPerSecond' | 'perLayerMs' | 'modelMs'> {
  const s = m.summary;
  return {
    medianMs: s.median,
    ci95Ms: s.ci95,
    p95Ms: s.p95,
    minMs: s.min,
    meanMs: s.mean,
    cv: s.cv,
    iqrMs: s.iqr,
    madMs: s.mad,
    outliers: s.outliers,
    reps: s.n,
    ...keptSamples(m.rounds),
    stoppedBy: m.stoppedBy,
    noisy: m.noisy,
    noise: m.noiseText,
    load: m.load,
  };
}

/** A timed point between its rounds: what was prepared once, and the rounds so far. */
export interface RoundState {
  pp: PlannedPoint;
  base: Point;
  policy: TimingPolicy;
  rounds: number[][];
  spentMs: number;
  loads: LoadFigures[];
  overheadMs: number | null;
  v: Verified | undefined;
  /** Memory, read around the first round. */
  mem: { cacheBytes: number; weightBytes: number; before: ProcMemory; after: ProcMemory; device: NonNullable<Point['memory']>['device'] } | null;
  fillGBs?: number;
  /** Wall seconds spent on the point so far (preparation and rounds). */
  seconds: number;
}

/** One round of a point under the round's policy; the first round also reads memory. */
export async function runRound(st: RoundState, c: PointContext): Promise<void> {
  const t0 = performance.now();
  const first = st.mem === null;
  if (first) resetPeak();
  const g = pointGraph(c, request(st.pp, st.pp.cacheTokens), 'point');
  try {
    if (first && g.fillSeconds > 0) st.fillGBs = (g.cacheBytes + g.weightBytes) / g.fillSeconds / 1e9;
    const before = processMemory();
    const session = await MeasuredSession.open(g.modelPath, { provider: c.provider, threads: c.config.threads, prepack: wantsPrepack(g) });
    try {
      const feeds = timingFeeds(g.inputs, 11);
      const run = (): Promise<unknown> => session.run(feeds);
      c.signalTiming(true);
      const got = await sampleRound(run, perRoundPolicy(st.policy), c.cancelled).finally(() => c.signalTiming(false));
      if (got.samples.length > 0) st.rounds.push(got.samples);
      st.spentMs += got.spentMs;
      st.loads.push(got.load);
      if (first)
        st.mem = {
          cacheBytes: g.cacheBytes,
          weightBytes: g.weightBytes,
          before,
          after: processMemory(),
          device: deviceMemory(c.provider, c.gpuBaselineUsedBytes),
        };
    } finally {
      await session.dispose();
    }
  } finally {
    removeGraph(g);
    st.seconds += (performance.now() - t0) / 1000;
  }
}

/** The point the rounds so far add up to (throws CancelledError when no round has a sample). */
export function pointOf(st: RoundState, c: PointContext): Point {
  const { pp, mem } = st;
  const m = finishRounds(st.rounds, st.spentMs, st.policy, worstLoad(st.loads), c.cancelled());
  const s = m.summary;
  const L = pp.layers;
  // A hybrid model's point stands for its layer group (the runner sums the groups: layer-shares.ts).
  const stands = pp.layerGroup ? pp.layerGroup.layers : c.modelLayers;
  const seconds = s.median / 1000;
  return {
    ...st.base,
    timing: {
      ...timingFields(m),
      overheadMs: st.overheadMs,
      tokensPerSecond: pp.mode === 'decode' && !pp.layerGroup ? pp.batch / (((s.median / L) * stands) / 1000) : null,
      perLayerMs: s.median / L,
      modelMs: (s.median / L) * stands,
      modelCi95Ms: [(s.ci95[0] / L) * stands, (s.ci95[1] / L) * stands],
    },
    roofline: {
      bytes: pp.bytesRead,
      flops: pp.flops,
      achievedGBs: pp.bytesRead / seconds / 1e9,
      achievedGflops: pp.flops / seconds / 1e9,
      // against the probes before the sweep; the runner judges it again against both runs once the probes are repeated
      ...rooflineJudgement({ bytes: pp.bytesRead, flops: pp.flops }, s.median, s.ci95, [c.probes]),
    },
    ...(mem
      ? {
          memory: {
            analyticCacheBytes: mem.cacheBytes,
            analyticWeightBytes: mem.weightBytes,
            predictedBytes: pp.predictedBytes,
            rssBeforeBytes: mem.before.rssBytes,
            rssAfterSessionBytes: mem.after.rssBytes,
            rssPeakBytes: mem.after.peakBytes,
            measuredDeltaBytes: mem.after.rssBytes - mem.before.rssBytes,
            privateDeltaBytes: mem.after.anonBytes !== null && mem.before.anonBytes !== null ? mem.after.anonBytes - mem.before.anonBytes : null,
            device: mem.device,
          },
        }
      : {}),
    placement: st.v?.placement,
    verifyMaxAbsError: st.v?.error,
    ...(st.v?.accuracy ? { accuracy: st.v.accuracy } : {}),
    fillGBs: st.fillGBs,
    seconds: st.seconds,
  };
}

/**
 * Another round of a point measured earlier in the sweep (rounds are interleaved across the
 * sweep's points, so a point's rounds are spread over its duration). A round that fails leaves
 * the point as its earlier rounds gave it.
 */
export async function continuePoint(st: RoundState, c: PointContext): Promise<{ point: Point; done: boolean }> {
  try {
    await runRound(st, c);
  } catch {
    return { point: pointOf(st, c), done: true };
  }
  return { point: pointOf(st, c), done: roundsDone(st.rounds, st.spentMs, st.policy) || c.cancelled() };
}
