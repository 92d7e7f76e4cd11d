/**
 * The sweep runner: plans the points and probes the device, then measures every point's first
 * round in turn (streamed as 'point'), then gives each point whose interval is not settled further
 * rounds, interleaved across the sweep's points ('point-update'), and probes the device again at
 * the end. Cancelling keeps every point measured so far.
 */
import { rmSync } from 'node:fs';
import { SweepConfigSchema, type EngineEvent, type Report, type SweepConfig, type SweepConfigInput } from '@/contract/schemas.js';
import { rooflineJudgement } from '@/contract/roofline.js';
import { scratchDir } from '../graph/resident.js';
import { chooseProvider } from './provider-choice.js';
import { EtaCorrector } from './eta.js';
import { POLICIES } from './harness.js';
import { rememberProbes } from './probe-memory.js';
import { planSweep, pointSeconds } from './planner.js';
import { probeDevice, quickBandwidth, type ProbeResult } from './probes.js';
import type { PointContext } from './runner-context.js';
import { measurePoint } from './runner-point.js';
import { assembleReport, markMachine, type SweepState } from './runner-report.js';
import { continuePoint, type RoundState } from './runner-round.js';
import { combineLayerShares } from './layer-shares.js';
import { layersOf } from '@/contract/layers.js';
import { availableMemory, nvidiaFreeBytes, nvidiaGpus } from './system.js';

export { candidateForms, FORM_CALIBRATION_CONTEXT, FORM_LONG_CALIBRATION_CONTEXT, formCalibration } from './runner-forms.js';
export { LONG_STEP_SECONDS, OVERHEAD_CONTEXT } from './runner-point.js';

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
  /** The reference read before each pass, in GB/s (tests); quickBandwidth on the sweep's provider by default, none where `probes` is given. */
  reference?: () => Promise<number>;
}

/** The whole sweep. Never throws for a point; throws only when nothing can run (bad config, provider). */
export async function runSweep(input: SweepConfigInput | SweepConfig, opts: RunOptions): Promise<Report> {
  const config = SweepConfigSchema.parse(input);
  const { runId, onEvent, signal } = opts;
  const cancelled = (): boolean => signal?.aborted === true;
  const { provider, why } = await chooseProvider(config.provider);
  // GPU providers: the device's free memory bounds the fit too (where nvidia-smi tells it).
  const nvidia = nvidiaGpus();
  const gpus = provider === 'cpu' ? [] : nvidia;
  const gpuBaselineUsedBytes = gpus.length === 1 ? (gpus[0]!.usedBytes ?? null) : null;
  const deviceFreeBytes = nvidiaFreeBytes(gpus);
  const plan = planSweep(config, { availableBytes: availableMemory(), provider, deviceFreeBytes });
  const ownDir = !opts.workDir;
  // The sweep's folder is made once the points' layers are chosen (after the probes): its place
  // (/dev/shm where it has room) depends on the largest point.
  let dir = opts.workDir ?? null;
  const s: SweepState = { config, provider, why, plan, mark: markMachine(nvidia), points: [], passes: [] };
  const { points } = s;
  const report = (complete: boolean, reason?: string): Report => assembleReport(s, complete, reason);
  // Hybrid models: each whole-model point's step is the sum over its layer kinds, updated as they are measured.
  const statefulLayers = layersOf(plan.model).filter((l) => l.kind === 'stateful').length;
  const recombine = (): void => {
    for (const [i, p] of combineLayerShares(points, statefulLayers)) {
      points[i] = p;
      onEvent({ type: 'point-update', runId, point: p });
    }
  };
  const reference = opts.reference ?? (opts.probes ? null : () => quickBandwidth(provider));
  // The same small read before each pass: how far the machine's speed moved over the sweep.
  // Optional: a reference that fails (scratch space, device) leaves the pass without one.
  const referencePass = async (pass: number, done: number, total: number): Promise<void> => {
    if (!reference || cancelled()) return;
    onEvent({ type: 'progress', runId, done, total, current: `reference read before pass ${pass}`, etaSeconds: null });
    const gbs = await s.mark.priority.during(reference).catch(() => null);
    if (gbs !== null && Number.isFinite(gbs) && gbs > 0) s.passes.push({ pass, referenceGBs: gbs });
  };

  try {
    onEvent({
      type: 'progress',
      runId,
      done: 0,
      total: plan.points.length,
      current: `probing ${provider} bandwidth and FLOP/s`,
      etaSeconds: plan.estimatedSeconds,
    });
    const probeT0 = performance.now();
    const probes = opts.probes ?? (await s.mark.priority.during(() => probeDevice(provider, { threads: config.threads })));
    // the probes are taken again after the last point (where they were measured here): about as long
    const probeSeconds = opts.probes ? 0 : (performance.now() - probeT0) / 1000;
    if (!opts.probes) rememberProbes(provider, probes);
    s.probes = probes;
    // With the probes: each point's predicted step, and (config.layers "auto") its layers from the provider's fixed run cost.
    s.plan = planSweep(config, {
      availableBytes: availableMemory(),
      provider,
      deviceFreeBytes,
      bandwidthGBs: probes.bandwidthGBs,
      gflops: probes.gflops,
      runCostMs: probes.emptyRunMs,
    });
    const planned = s.plan.points;
    dir ??= scratchDir('run', Math.max(0, ...planned.filter((p) => p.fits).map((p) => p.predictedBytes)));
    const total = planned.length;
    // The ETA: each point's expectation from the probes, corrected by the points measured so far.
    // Each point is timed in POLICIES.point.minRounds rounds at least, a round about as long as its
    // first: one round's expectation is the point's (pointSeconds) over them.
    const rounds = POLICIES.point.minRounds;
    const eta = new EtaCorrector(
      planned.map((p) => pointSeconds(p, config, probes) / rounds),
      rounds,
      probeSeconds,
    );
    const tookSeconds: number[] = [];
    const ctx: PointContext = {
      config,
      provider,
      dir,
      probes,
      overhead: new Map(),
      verified: new Map(),
      forms: new Map(),
      cancelled,
      modelLayers: s.plan.model.numLayers,
      gpuBaselineUsedBytes,
      // The priority is raised inside the window the app is told of: the event goes first, the
      // priority goes back before the window's end is announced.
      signalTiming: (active) => {
        if (active) {
          onEvent({ type: 'timing', runId, active });
          s.mark.priority.set(true);
        } else {
          s.mark.priority.set(false);
          onEvent({ type: 'timing', runId, active });
        }
      },
    };
    // First pass: every point, its first round.
    await referencePass(1, 0, total);
    const unsettled: { index: number; state: RoundState }[] = [];
    for (const [i, pp] of planned.entries()) {
      if (cancelled()) return report(false, 'cancelled');
      onEvent({ type: 'progress', runId, done: i, total, current: pp.id, etaSeconds: eta.remaining(i), pointSeconds: eta.expected(i) });
      const t0 = performance.now();
      const { point, state } = await measurePoint(pp, ctx);
      tookSeconds[i] = (performance.now() - t0) / 1000;
      eta.record(i, tookSeconds[i], state ? Math.max(0, state.policy.minRounds - state.rounds.length) : 0);
      points.push(point);
      if (state) unsettled.push({ index: points.length - 1, state });
      onEvent({ type: 'point', runId, point });
      recombine();
      opts.onSnapshot?.(report(false, 'in progress'));
    }
    // Later passes: one more round of each unsettled point per pass, so a point's rounds are
    // spread over the sweep. Progress counts rounds from here: the points, plus the rounds still
    // possible (at most maxRounds each).
    let extraDone = 0;
    const extraLeft = (): number => unsettled.reduce((a, u) => a + u.state.policy.maxRounds - u.state.rounds.length, 0);
    // A later round of a point takes about what its first did; the rounds still possible, at most.
    const roundSeconds = (u: { index: number }): number => tookSeconds[u.index] ?? 0;
    const roundsLeftSeconds = (): number => unsettled.reduce((a, u) => a + Math.max(1, u.state.policy.minRounds - u.state.rounds.length) * roundSeconds(u), 0);
    for (let pass = 2; unsettled.length > 0; pass++) {
      await referencePass(pass, total + extraDone, total + extraDone + extraLeft());
      for (const u of [...unsettled]) {
        if (cancelled()) return report(false, 'cancelled');
        const left = extraLeft();
        onEvent({
          type: 'progress',
          runId,
          done: total + extraDone,
          total: total + extraDone + left,
          current: `round ${pass}: ${points[u.index]!.id}`,
          etaSeconds: roundsLeftSeconds() + eta.tail,
          pointSeconds: roundSeconds(u),
        });
        const { point, done } = await continuePoint(u.state, ctx);
        extraDone++;
        points[u.index] = point;
        if (done) unsettled.splice(unsettled.indexOf(u), 1);
        onEvent({ type: 'point-update', runId, point });
        recombine();
        opts.onSnapshot?.(report(false, 'in progress'));
      }
    }
    // The probes again: the device's rates after the sweep. Each efficiency is then against the
    // mean of both runs and its interval spans both (not where the caller gave the probe figures).
    if (!opts.probes && !cancelled() && points.some((p) => p.roofline)) {
      onEvent({ type: 'progress', runId, done: total, total, current: `probing ${provider} again`, etaSeconds: null });
      // optional: a probe that fails now (scratch space, device) must not mark a measured sweep failed
      const again = await s.mark.priority
        .during(() => probeDevice(provider, { threads: config.threads }))
        .catch((e: unknown) => {
          onEvent({ type: 'progress', runId, done: total, total, current: `probing again failed: ${(e as Error).message.split('\n')[0]}`, etaSeconds: null });
          return undefined;
        });
      s.probesAgain = again;
      if (again)
        for (const [i, p] of points.entries()) {
          if (!p.roofline || !p.timing?.ci95Ms) continue;
          points[i] = { ...p, roofline: { ...p.roofline, ...rooflineJudgement(p.roofline, p.timing.medianMs, p.timing.ci95Ms, [probes, again]) } };
        }
    }
    onEvent({ type: 'progress', runId, done: total, total, current: 'done', etaSeconds: 0 });
    return report(!cancelled(), cancelled() ? 'cancelled' : undefined);
  } catch (e) {
    const partial = report(false, `failed: ${(e as Error).message}`);
    onEvent({ type: 'error', runId, message: (e as Error).message, partial });
    return partial;
  } finally {
    s.mark.priority.release();
    if (ownDir && dir) rmSync(dir, { recursive: true, force: true });
  }
}
