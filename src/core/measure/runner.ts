/**
 * The sweep runner: plans the points, probes the device, and measures each point in turn
 * (build the graph with its cache resident, open a session, warm up, time steps adaptively,
 * sample memory), streaming each finished point. Cancelling keeps every point measured so far.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import {
  REPORT_SCHEMA_VERSION,
  SweepConfigSchema,
  type EngineEvent,
  type Point,
  type Report,
  type SweepConfig,
  type SweepConfigInput,
} from '../../contract/schemas.js';
import { efficiencyInterval } from '../../contract/roofline.js';
import { buildGraph, type BuiltGraph, type Form, type GraphRequest } from '../graph/builders.js';
import { scratchDir } from '../graph/resident.js';
import { randomFeeds, verifyGraph } from '../graph/verify.js';
import { ortVersion, type Provider } from '../runtime/providers.js';
import { chooseProvider } from './provider-choice.js';
import { MeasuredSession, placementReport, providerShortName } from '../runtime/session.js';
import { KVSCOPE_VERSION } from '../version.js';
import { planSweep, predictedStepSeconds, type Plan, type PlannedPoint } from './planner.js';
import { probeDevice, type ProbeResult } from './probes.js';
import {
  CancelledError,
  finishRounds,
  keptSamples,
  measure,
  perRoundPolicy,
  POLICIES,
  roundsDone,
  sampleRound,
  worstLoad,
  type Measurement,
  type TimingPolicy,
} from './harness.js';
import { cpuGovernor, loadBetween, loadMark, raisePriority, type LoadFigures } from './load.js';
import {
  type ProcMemory,
  availableMemory,
  cpuModel,
  gpuFacts,
  nvidiaFreeBytes,
  nvidiaGpus,
  nvidiaProcessMemory,
  osDescription,
  processMemory,
  resetPeak,
  type GpuInfo,
} from './system.js';

export interface RunOptions {
  runId: string;
  signal?: AbortSignal;
  onEvent: (e: EngineEvent) => void;
  /** Folder for graphs and cache files (a temporary one by default; emptied afterwards). */
  workDir?: string;
  /** Probe figures to reuse instead of measuring (tests). */
  probes?: ProbeResult;
  /** Called after every point with the report so far (complete: false), e.g. to save it. */
  onSnapshot?: (partial: Report) => void;
}

/** Cached tokens of the graph that measures the fixed per-run overhead. */
export const OVERHEAD_CONTEXT = 16;
const VERIFY_CONTEXT = 16;

function machineFacts(nvidia: GpuInfo[]): Report['machine'] {
  return {
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    freeMemoryBytes: availableMemory(),
    os: osDescription(),
    gpu: gpuFacts(nvidia).map(({ name, vendor, driver, memoryBytes }) => ({ name, vendor, driver, memoryBytes })),
    onnxruntimeVersion: ortVersion(),
    nodeVersion: process.versions.node,
    cpuGovernor: cpuGovernor(),
  };
}

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

/** The whole sweep. Never throws for a point; throws only when nothing can run (bad config, provider). */
export async function runSweep(input: SweepConfigInput | SweepConfig, opts: RunOptions): Promise<Report> {
  const config = SweepConfigSchema.parse(input);
  const { runId, onEvent, signal } = opts;
  const cancelled = (): boolean => signal?.aborted === true;
  const { provider, why } = await chooseProvider(config.provider);
  const points: Point[] = [];
  // GPU providers: the device's free memory bounds the fit too (where nvidia-smi tells it).
  const nvidia = nvidiaGpus();
  const gpus = provider === 'cpu' ? [] : nvidia;
  const gpuBaselineUsedBytes = gpus.length === 1 ? (gpus[0]!.usedBytes ?? null) : null;
  const deviceFreeBytes = nvidiaFreeBytes(gpus);
  let plan: Plan = planSweep(config, { availableBytes: availableMemory(), provider, deviceFreeBytes });
  const ownDir = !opts.workDir;
  const largest = Math.max(0, ...plan.points.filter((p) => p.fits).map((p) => p.predictedBytes));
  const dir = opts.workDir ?? scratchDir('run', largest);
  // Read once: snapshots after every point reuse it (nvidia-smi is a process start each time).
  const machine = { ...machineFacts(nvidia), processPriority: raisePriority().note };
  const sweepStart = loadMark();
  const report = (complete: boolean, reason?: string, probes?: ProbeResult): Report => ({
    schema: 'kvscope.report',
    version: REPORT_SCHEMA_VERSION,
    kvscopeVersion: KVSCOPE_VERSION,
    createdAt: new Date().toISOString(),
    complete,
    ...(reason ? { incompleteReason: reason } : {}),
    machine: { ...machine, load: loadBetween(sweepStart, loadMark()) },
    provider: { name: provider, options: { threads: config.threads, graphOptimizationLevel: 'all', disable_prepacking: true, choice: why } },
    config,
    model: {
      name: plan.model.name,
      modelType: plan.model.modelType,
      attention: plan.model.attention,
      numLayers: plan.model.numLayers,
      hiddenSize: plan.model.hiddenSize,
      maxContext: plan.model.maxContext,
      slidingWindow: plan.model.slidingWindow,
    },
    scaling: {
      measuredLayers: config.layers,
      modelLayers: plan.model.numLayers,
      note: `each graph holds ${config.layers} identical layer(s); per-layer figures are scaled by ${plan.model.numLayers} layers for whole-model figures`,
    },
    probes: probes
      ? {
          bandwidthGBs: probes.bandwidthGBs,
          gflops: probes.gflops,
          bandwidthMethod: probes.bandwidthMethod,
          gflopsMethod: probes.gflopsMethod,
          ...(probesAgain ? { again: { bandwidthGBs: probesAgain.bandwidthGBs, gflops: probesAgain.gflops } } : {}),
        }
      : null,
    points: [...points],
    largestContextThatFits: plan.largestContextThatFits,
    memoryBudget: { bytes: plan.budgetBytes, limitedBy: plan.budgetLimitedBy, note: plan.budgetNote },
  });

  let probes: ProbeResult | undefined;
  let probesAgain: ProbeResult | undefined;
  try {
    onEvent({
      type: 'progress',
      runId,
      done: 0,
      total: plan.points.length,
      current: `probing ${provider} bandwidth and FLOP/s`,
      etaSeconds: plan.estimatedSeconds,
    });
    probes = opts.probes ?? (await probeDevice(provider, { threads: config.threads }));
    plan = planSweep(config, { availableBytes: availableMemory(), provider, deviceFreeBytes, bandwidthGBs: probes.bandwidthGBs, gflops: probes.gflops });
    const overhead = new Map<string, number>();
    const verified = new Map<string, { error: number; relativeL2: number; ok: boolean; placement: Point['placement'] }>();
    const forms = new Map<string, { form: Form; timings: Record<string, number> }>();
    const total = plan.points.length;
    let doneSeconds = 0;
    const ctx: PointContext = {
      config,
      provider,
      dir,
      probes,
      overhead,
      verified,
      forms,
      cancelled,
      modelLayers: plan.model.numLayers,
      gpuBaselineUsedBytes,
      signalTiming: (active) => onEvent({ type: 'timing', runId, active }),
    };
    // First pass: every point, its first round (streamed as 'point').
    const unsettled: { index: number; state: RoundState }[] = [];
    for (const [i, pp] of plan.points.entries()) {
      if (cancelled()) return report(false, 'cancelled', probes);
      const eta = i === 0 ? plan.estimatedSeconds : (doneSeconds / i) * (total - i);
      onEvent({ type: 'progress', runId, done: i, total, current: pp.id, etaSeconds: eta });
      const t0 = performance.now();
      const { point, state } = await measurePoint(pp, ctx);
      doneSeconds += (performance.now() - t0) / 1000;
      points.push(point);
      if (state) unsettled.push({ index: points.length - 1, state });
      onEvent({ type: 'point', runId, point });
      opts.onSnapshot?.(report(false, 'in progress', probes));
    }
    // Later passes: one more round of each point whose interval is not settled, interleaved, so
    // a point's rounds are spread over the sweep (streamed as 'point-update').
    // Progress counts rounds from here: the points, plus the rounds still possible (at most maxRounds each).
    let extraDone = 0;
    const extraLeft = (): number => unsettled.reduce((a, u) => a + u.state.policy.maxRounds - u.state.rounds.length, 0);
    const roundSeconds = doneSeconds / Math.max(1, total);
    for (let pass = 2; unsettled.length > 0; pass++) {
      for (const u of [...unsettled]) {
        if (cancelled()) return report(false, 'cancelled', probes);
        const left = extraLeft();
        onEvent({
          type: 'progress',
          runId,
          done: total + extraDone,
          total: total + extraDone + left,
          current: `round ${pass}: ${points[u.index]!.id}`,
          etaSeconds: left * roundSeconds,
        });
        const { point, done } = await continuePoint(u.state, ctx);
        extraDone++;
        points[u.index] = point;
        if (done) unsettled.splice(unsettled.indexOf(u), 1);
        onEvent({ type: 'point-update', runId, point });
        opts.onSnapshot?.(report(false, 'in progress', probes));
      }
    }
    // The probes again: the device's rates after the sweep, so the efficiency intervals carry the
    // probes' own spread (not where the caller gave the probe figures).
    if (!opts.probes && !cancelled() && points.some((p) => p.roofline)) {
      onEvent({ type: 'progress', runId, done: total, total, current: `probing ${provider} again`, etaSeconds: null });
      // optional: a probe that fails now (scratch space, device) must not mark a measured sweep failed
      probesAgain = await probeDevice(provider, { threads: config.threads }).catch((e: unknown) => {
        onEvent({ type: 'progress', runId, done: total, total, current: `probing again failed: ${(e as Error).message.split('\n')[0]}`, etaSeconds: null });
        return undefined;
      });
      const again = probesAgain;
      if (again)
        for (const [i, p] of points.entries()) {
          if (!p.roofline || !p.timing?.ci95Ms) continue;
          points[i] = { ...p, roofline: { ...p.roofline, efficiencyCi95: efficiencyInterval(p.roofline, p.timing.ci95Ms, [probes, again]) } };
        }
    }
    onEvent({ type: 'progress', runId, done: total, total, current: 'done', etaSeconds: 0 });
    return report(!cancelled(), cancelled() ? 'cancelled' : undefined, probes);
  } catch (e) {
    const partial = report(false, `failed: ${(e as Error).message}`, probes);
    onEvent({ type: 'error', runId, message: (e as Error).message, partial });
    return partial;
  } finally {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Context at which competing forms of one graph are timed against each other. */
export const FORM_CALIBRATION_CONTEXT = 4096;

/**
 * The op forms worth timing for a point: head-attention decode has a cache-left layout, and MHA
 * decode can also use com.microsoft.MultiHeadAttention.
 */
export function candidateForms(pp: Pick<PlannedPoint, 'spec' | 'mode'>): Form[] {
  if (pp.mode !== 'decode' || pp.spec.kind === 'mla') return ['decomposed'];
  // MultiHeadAttention wants key and value of one shape (an MLA model's expanded MHA has 192/128).
  const mhaOp = pp.spec.kind === 'mha' && (pp.spec.vHeadDim ?? pp.spec.headDim) === pp.spec.headDim;
  return mhaOp ? ['decomposed', 'cache-left', 'mha-op'] : ['decomposed', 'cache-left'];
}

/**
 * Times every candidate form of the point's graph at a moderate context on this provider and
 * returns the fastest, with the medians that decided it (once per variant/mode/dtype/batch).
 */
async function chooseForm(pp: PlannedPoint, c: PointContext): Promise<{ form: Form; timings: Record<string, number> }> {
  const forms = candidateForms(pp);
  if (forms.length === 1) return { form: forms[0]!, timings: {} };
  const timings: Record<string, number> = {};
  const context = Math.min(pp.cacheTokens, FORM_CALIBRATION_CONTEXT);
  for (const form of forms) {
    const g = buildGraph({ ...request(pp, c.config, context, pp.batch, 1), form }, c.dir, `form${graphCounter++}`);
    try {
      const { m, session } = await timeGraph(g, c, POLICIES.calibration);
      await session.dispose();
      timings[form] = m.summary.median;
    } catch {
      // A form this provider cannot run is not a candidate; the others still are.
    } finally {
      rmSync(g.modelPath, { force: true });
      if (g.dataPath) rmSync(g.dataPath, { force: true });
    }
  }
  const ran = forms.filter((f) => timings[f] !== undefined);
  if (ran.length === 0) return { form: 'decomposed', timings };
  const best = ran.reduce((a, b) => (timings[b]! < timings[a]! ? b : a));
  return { form: best, timings };
}

interface PointContext {
  config: SweepConfig;
  provider: Provider;
  dir: string;
  probes: ProbeResult;
  overhead: Map<string, number>;
  verified: Map<string, { error: number; relativeL2: number; ok: boolean; placement: Point['placement'] }>;
  forms: Map<string, { form: Form; timings: Record<string, number> }>;
  cancelled: () => boolean;
  modelLayers: number;
  /** nvidia-smi memory.used when the sweep began (device-wide), or null. */
  gpuBaselineUsedBytes: number | null;
  /** Tells the host that a point's timed runs begin or end (the app renders between them). */
  signalTiming: (active: boolean) => void;
}

function basePoint(pp: PlannedPoint): Point {
  return {
    id: pp.id,
    variant: pp.variant,
    mode: pp.mode,
    context: pp.context,
    cacheTokens: pp.cacheTokens,
    batch: pp.batch,
    dtype: pp.dtype,
    status: 'ok',
    spec: pp.spec,
    form: pp.form,
    kvBytesPerTokenPerLayer: pp.kvBytesPerTokenPerLayer,
    modelCacheBytes: pp.modelCacheBytes,
    hypothetical: pp.hypothetical,
  };
}

let graphCounter = 0;

function request(pp: PlannedPoint, config: SweepConfig, context: number, batch = pp.batch, layers = config.layers): GraphRequest {
  return { variant: pp.variant, spec: pp.spec, mode: pp.mode, batch, context, dtype: pp.dtype, layers, form: pp.form };
}

/** Steps predicted longer than this are timed under POLICIES.longPoint (one warm-up, 6 samples, 2 rounds). */
export const LONG_STEP_SECONDS = 0.25;

/** Opens a session on the graph and times its runs through the harness (the session stays open for memory reads). */
async function timeGraph(g: BuiltGraph, c: PointContext, policy: Readonly<TimingPolicy>): Promise<{ m: Measurement; session: MeasuredSession }> {
  const session = await MeasuredSession.open(g.modelPath, { provider: c.provider, threads: c.config.threads });
  try {
    const { feeds } = randomFeeds(g.inputs, 11);
    return { m: await measure(() => session.run(feeds), policy, c.cancelled), session };
  } catch (e) {
    await session.dispose();
    throw e;
  }
}

/** The timing fields a measurement gives a point (everything but the per-layer scaling). */
function timingFields(
  m: Measurement,
): Pick<
  NonNullable<Point['timing']>,
  | 'medianMs'
  | 'ci95Ms'
  | 'p95Ms'
  | 'minMs'
  | 'meanMs'
  | 'cv'
  | 'iqrMs'
  | 'madMs'
  | 'outliers'
  | 'reps'
  | 'samplesMs'
  | 'rounds'
  | 'stoppedBy'
  | 'noisy'
  | 'noise'
  | 'load'
> {
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
interface RoundState {
  pp: PlannedPoint;
  base: Point;
  policy: TimingPolicy;
  rounds: number[][];
  spentMs: number;
  loads: LoadFigures[];
  overheadMs: number | null;
  v: { error: number; relativeL2: number; ok: boolean; placement: Point['placement'] } | undefined;
  /** Memory, read around the first round. */
  mem: { cacheBytes: number; weightBytes: number; before: ProcMemory; after: ProcMemory; device: NonNullable<Point['memory']>['device'] } | null;
  fillGBs?: number;
  /** Wall seconds spent on the point so far (preparation and rounds). */
  seconds: number;
}

/**
 * One round of a point: the cache written afresh (a new file, so new physical pages), a new
 * session, warm-up, samples under the round's policy. The first round also reads memory.
 */
async function runRound(st: RoundState, c: PointContext): Promise<void> {
  const t0 = performance.now();
  const first = st.mem === null;
  if (first) resetPeak();
  const g = buildGraph(request(st.pp, c.config, st.pp.cacheTokens), c.dir, `point${graphCounter++}`);
  try {
    if (first && g.fillSeconds > 0) st.fillGBs = (g.cacheBytes + g.weightBytes) / g.fillSeconds / 1e9;
    const before = processMemory();
    const session = await MeasuredSession.open(g.modelPath, { provider: c.provider, threads: c.config.threads });
    try {
      const { feeds } = randomFeeds(g.inputs, 11);
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
    rmSync(g.modelPath, { force: true });
    if (g.dataPath) rmSync(g.dataPath, { force: true });
    st.seconds += (performance.now() - t0) / 1000;
  }
}

/** The point the rounds so far add up to (throws CancelledError when no round has a sample). */
function pointOf(st: RoundState, c: PointContext): Point {
  const { pp, mem } = st;
  const m = finishRounds(st.rounds, st.spentMs, st.policy, worstLoad(st.loads), c.cancelled());
  const s = m.summary;
  const L = c.config.layers;
  const seconds = s.median / 1000;
  const attainable = predictedStepSeconds(pp, c.probes.bandwidthGBs, c.probes.gflops);
  const memBound = pp.bytesRead / (c.probes.bandwidthGBs * 1e9) >= pp.flops / (c.probes.gflops * 1e9);
  return {
    ...st.base,
    timing: {
      ...timingFields(m),
      overheadMs: st.overheadMs,
      tokensPerSecond: pp.mode === 'decode' ? pp.batch / (((s.median / L) * c.modelLayers) / 1000) : null,
      perLayerMs: s.median / L,
      modelMs: (s.median / L) * c.modelLayers,
    },
    roofline: {
      bytes: pp.bytesRead,
      flops: pp.flops,
      achievedGBs: pp.bytesRead / seconds / 1e9,
      achievedGflops: pp.flops / seconds / 1e9,
      attainableMs: attainable * 1000,
      bound: memBound ? 'memory' : 'compute',
      efficiency: attainable / seconds,
      efficiencyCi95: efficiencyInterval({ bytes: pp.bytesRead, flops: pp.flops }, s.ci95, [c.probes]),
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
    fillGBs: st.fillGBs,
    seconds: st.seconds,
  };
}

/**
 * Another round of a point measured earlier in the sweep (rounds are interleaved across the
 * sweep's points, so a point's rounds are spread over its duration). A round that fails leaves
 * the point as its earlier rounds gave it.
 */
async function continuePoint(st: RoundState, c: PointContext): Promise<{ point: Point; done: boolean }> {
  try {
    await runRound(st, c);
  } catch {
    return { point: pointOf(st, c), done: true };
  }
  return { point: pointOf(st, c), done: roundsDone(st.rounds, st.spentMs, st.policy) || c.cancelled() };
}

async function measurePoint(planned: PlannedPoint, c: PointContext): Promise<{ point: Point; state: RoundState | null }> {
  const point = (x: Point): { point: Point; state: null } => ({ point: x, state: null });
  let pp = planned;
  let p = basePoint(pp);
  const t0 = performance.now();
  if (!pp.fits) return point({ ...p, status: 'does-not-fit', reason: pp.reason });
  const predicted = predictedStepSeconds(pp, c.probes.bandwidthGBs, c.probes.gflops);
  if (predicted > c.config.maxStepSeconds) {
    return point({
      ...p,
      status: 'too-slow',
      reason: `predicted ${predicted.toFixed(2)} s per step from the probes (${(pp.flops / 1e9).toFixed(1)} GFLOP, ${(pp.bytesRead / 1e9).toFixed(2)} GB) is over maxStepSeconds ${c.config.maxStepSeconds}`,
    });
  }
  const graphs: BuiltGraph[] = [];
  try {
    const fkey = `${pp.variant}/${pp.mode}/${pp.dtype}/b${pp.batch}`;
    let choice = c.forms.get(fkey);
    if (!choice) {
      choice = await chooseForm(pp, c);
      c.forms.set(fkey, choice);
    }
    pp = { ...pp, form: choice.form };
    p = { ...basePoint(pp), ...(Object.keys(choice.timings).length > 0 ? { formTimingsMs: choice.timings } : {}) };
    // Correctness and placement, once per variant/mode/dtype/form: a small graph of the same form.
    const vkey = `${pp.variant}/${pp.mode}/${pp.dtype}/${pp.form}`;
    let v = c.verified.get(vkey);
    if (!v && c.config.verify) {
      const small = buildGraph(request(pp, c.config, VERIFY_CONTEXT, 1, 1), c.dir, `verify${graphCounter++}`);
      graphs.push(small);
      const r = await verifyGraph(small, c.provider);
      const ps = await MeasuredSession.open(small.modelPath, { provider: c.provider, profile: true });
      await ps.run(randomFeeds(small.inputs, 2).feeds);
      const placed = ps.placement();
      await ps.dispose();
      const rep = placementReport(placed, small.attentionNodes, c.provider);
      const byProvider: Record<string, number> = {};
      for (const n of placed) byProvider[providerShortName(n.provider)] = (byProvider[providerShortName(n.provider)] ?? 0) + 1;
      v = { error: r.maxAbsError, relativeL2: r.relativeL2, ok: r.ok, placement: { attention: rep.attention, fellBack: rep.fellBack, byProvider } };
      c.verified.set(vkey, v);
    }
    if (v && !v.ok) {
      return point({
        ...p,
        status: 'failed',
        reason: `outputs differ from the float64 reference (max abs error ${v.error.toExponential(2)}, relative L2 error ${v.relativeL2.toExponential(2)})`,
        verifyMaxAbsError: v.error,
        placement: v.placement,
      });
    }
    // Fixed per-run overhead: the same graph at a tiny context, once per variant/mode/dtype/batch.
    const okey = `${vkey}/b${pp.batch}`;

    let overheadMs = c.overhead.get(okey);
    if (overheadMs === undefined && pp.mode === 'decode') {
      const tiny = buildGraph(request(pp, c.config, OVERHEAD_CONTEXT), c.dir, `overhead${graphCounter++}`);
      graphs.push(tiny);
      const { m, session } = await timeGraph(tiny, c, POLICIES.overhead);
      await session.dispose();
      overheadMs = m.summary.median;
      c.overhead.set(okey, overheadMs);
    }

    const long = predicted > LONG_STEP_SECONDS;
    const st: RoundState = {
      pp,
      base: p,
      policy: { ...(long ? POLICIES.longPoint : POLICIES.point), budgetMs: c.config.budgetSeconds * 1000 },
      rounds: [],
      spentMs: 0,
      loads: [],
      overheadMs: overheadMs ?? null,
      v,
      mem: null,
      seconds: (performance.now() - t0) / 1000,
    };
    await runRound(st, c);
    return { point: pointOf(st, c), state: roundsDone(st.rounds, st.spentMs, st.policy) || c.cancelled() ? null : st };
  } catch (e) {
    if (e instanceof CancelledError) return point({ ...p, status: 'cancelled', reason: 'sweep cancelled before this point was timed' });
    return point({ ...p, status: 'failed', reason: (e as Error).message.split('\n')[0]!.slice(0, 500), seconds: (performance.now() - t0) / 1000 });
  } finally {
    for (const g of graphs) {
      rmSync(g.modelPath, { force: true });
      if (g.dataPath) rmSync(g.dataPath, { force: true });
    }
  }
}
