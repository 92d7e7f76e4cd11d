/**
 * The one timing harness: everything kvscope times (sweep points, the fixed run cost, op-form
 * calibration, roofline probes, --ep auto's quick read, the ONNX decoder sweep, the benches)
 * runs through `measure` with a `TimingPolicy`. The policy says how many warm-up runs, how many
 * samples and how much timed time at least, the time budget, and the stopping rule: sample until
 * the 95% interval of the median is within +/- targetHalfWidth of it, or the budget is spent.
 * A result carries its raw samples, the interval, the machine's competing load while it ran, and
 * whether (and why) it is noisy. Method: docs/measurement.md, "How a timing is taken".
 */
import { busyReason, loadBetween, loadMark, type LoadFigures } from './load.js';
import { relativeHalfWidth, roundMedians, summarize, summarizeRounds, type Summary } from './stats.js';
import { DEFAULT_DECODER_BUDGET_SECONDS } from '@/contract/defaults.js';
import { msText } from '@/present/format.js';

export interface TimingPolicy {
  /** Runs before timing starts (shader compilation, first-touch page faults, caches). */
  warmupRuns: number;
  /** Samples at least (6 is the fewest for which an order-statistic 95% interval exists). */
  minSamples: number;
  /** Timed milliseconds at least, before the stopping rule may stop. */
  minTimeMs: number;
  /** Timed milliseconds at most; minSamples still run when one step takes longer. */
  budgetMs: number;
  maxSamples: number;
  /** Stop once the 95% interval's half-width is within this fraction of the median. */
  targetHalfWidth: number;
  /** More outliers (Tukey fences) than this share of the samples is named as the cause of a wide interval. */
  maxOutlierShare: number;
  /**
   * Rounds: separate placements of the work (for a sweep point, a freshly written cache file and a
   * new session each). The interval then covers the spread between rounds, which on a shared VM
   * is larger than the spread within one (see docs/measurement.md, "Across runs").
   */
  minRounds: number;
  maxRounds: number;
}

/** The default policy; every other is this with a few fields changed (see `policy`). */
export const DEFAULT_POLICY: Readonly<TimingPolicy> = {
  warmupRuns: 2,
  minSamples: 10,
  minTimeMs: 50,
  budgetMs: 2000,
  maxSamples: 100_000,
  targetHalfWidth: 0.02,
  maxOutlierShare: 0.1,
  minRounds: 1,
  maxRounds: 1,
};

/** Named uses of the policy, so a change to how probes or points are timed is made here. */
export const POLICIES = {
  /** A sweep point: the budget comes from the config (budgetSeconds); 3 to 4 placements of its cache. */
  point: { ...DEFAULT_POLICY, minRounds: 3, maxRounds: 4 },
  /** A step predicted to take over LONG_STEP_SECONDS: one warm-up, the fewest samples an interval needs, 2 placements. */
  longPoint: { ...DEFAULT_POLICY, warmupRuns: 1, minSamples: 6, minRounds: 2, maxRounds: 2 },
  /** The fixed run cost (the same graph at 16 tokens). */
  overhead: { ...DEFAULT_POLICY, warmupRuns: 3, budgetMs: 300 },
  /** Op-form calibration at 4K tokens: which form is fastest. */
  calibration: { ...DEFAULT_POLICY, budgetMs: 200 },
  /** Roofline probes (a run of a probe is one GEMV or MatMul over hundreds of MiB). */
  probe: { ...DEFAULT_POLICY, minSamples: 9, budgetMs: 1500 },
  /** --ep auto's quick read on each provider. */
  quick: { ...DEFAULT_POLICY, minSamples: 6, budgetMs: 300 },
  /** kvscope onnx: one decoder step per past length. */
  decoder: { ...DEFAULT_POLICY, budgetMs: DEFAULT_DECODER_BUDGET_SECONDS * 1000 },
} satisfies Record<string, Readonly<TimingPolicy>>;

/** What ended the sampling; `rounds`: no further round was taken (the most a point takes ran, or one failed), with budget left. */
export type StoppedBy = 'target' | 'budget' | 'max-samples' | 'rounds' | 'cancelled';

/** Why a result is noisy: codes for code, sentences for people (noiseText). */
export type NoiseReason = 'interval' | 'few-samples' | 'outliers' | 'busy';

export interface Measurement {
  /** Every sample, rounds in order. */
  samples: number[];
  /** The samples of each round. */
  rounds: number[][];
  summary: Summary;
  stoppedBy: StoppedBy;
  /** Timed ms in all (sum of the samples). */
  spentMs: number;
  load: LoadFigures;
  noisy: boolean;
  noise: NoiseReason[];
  /** The reasons in words, one sentence each. */
  noiseText: string[];
}

/** Times one call of `run` in ms. */
export function timed(run: () => unknown): () => Promise<number> {
  return async () => {
    const t = performance.now();
    await run();
    return performance.now() - t;
  };
}

/**
 * Samples `step` (which returns its own duration in ms) under `policy`. Exported for tests with
 * synthetic durations; code that times real work calls `measure`.
 */
export async function sampleLoop(
  step: () => Promise<number>,
  policy: Readonly<TimingPolicy>,
  shouldStop: () => boolean = () => false,
): Promise<{ samples: number[]; stoppedBy: StoppedBy; spentMs: number }> {
  const samples: number[] = [];
  let spent = 0;
  let nextCheck = policy.minSamples;
  for (;;) {
    if (shouldStop()) return { samples, stoppedBy: 'cancelled', spentMs: spent };
    const ms = await step();
    samples.push(ms);
    spent += ms;
    const n = samples.length;
    if (n < policy.minSamples) continue;
    if (n >= policy.maxSamples) return { samples, stoppedBy: 'max-samples', spentMs: spent };
    if (spent >= policy.minTimeMs && n >= nextCheck) {
      // checks at geometric steps (10%) keep the sorting cost linear overall
      nextCheck = n + Math.max(1, Math.floor(n / 10));
      if (meetsTarget(summarize(samples), policy)) return { samples, stoppedBy: 'target', spentMs: spent };
    }
    if (spent >= policy.budgetMs) return { samples, stoppedBy: 'budget', spentMs: spent };
  }
}

/**
 * The noise verdict of a finished measurement (pure: also applied to saved samples). Noisy means
 * the figure cannot be trusted to the target: the interval missed +/-targetHalfWidth (too few
 * samples, or too wide when the budget ran out; many outliers are named as the likely cause), or
 * the machine was busy with other work while it ran (then even a tight interval may be biased).
 * Outliers alone, inside a tight interval, are counted but do not make a point noisy.
 */
export function judgeNoise(
  summary: Summary,
  stoppedBy: StoppedBy,
  load: LoadFigures | null,
  policy: Readonly<TimingPolicy> = DEFAULT_POLICY,
  roundMedians: readonly number[] = [],
): { noisy: boolean; noise: NoiseReason[]; noiseText: string[] } {
  const noise: NoiseReason[] = [];
  const text: string[] = [];
  const hw = relativeHalfWidth(summary.ci95, summary.median);
  const manyOutliers = summary.n > 0 && summary.outliers / summary.n > policy.maxOutlierShare;
  if (summary.ciCoverage < 0.95) {
    noise.push('few-samples');
    text.push(`only ${summary.n} run(s) fit the time budget: too few for a 95% interval of the median`);
  } else if (hw > policy.targetHalfWidth) {
    noise.push('interval');
    const why =
      stoppedBy === 'cancelled'
        ? 'when the sweep was cancelled'
        : stoppedBy === 'rounds'
          ? 'when its rounds were done with budget left: the rounds (each a fresh placement of the work) disagree by more than that'
          : stoppedBy === 'max-samples'
            ? `at the cap of ${policy.maxSamples} runs`
            : 'when the time budget ran out';
    text.push(`the 95% interval is +/-${(hw * 100).toFixed(1)}% of the median, wider than the +/-${(policy.targetHalfWidth * 100).toFixed(0)}% target, ${why}`);
    // where the rounds disagree, by how much: the machine may have changed speed between them
    if (roundMedians.length > 1) {
      const lo = Math.min(...roundMedians);
      const hi = Math.max(...roundMedians);
      text.push(`its ${roundMedians.length} rounds had medians from ${msText(lo)} to ${msText(hi)} ms (${((hi / lo - 1) * 100).toFixed(0)}% apart)`);
    }
    if (manyOutliers) {
      noise.push('outliers');
      text.push(`${summary.outliers} of ${summary.n} runs were outliers (beyond 1.5 IQR)`);
    }
  }
  const busy = load ? busyReason(load) : null;
  if (busy) {
    noise.push('busy');
    text.push(`the machine was busy while it ran: ${busy}`);
  }
  return { noisy: noise.length > 0, noise, noiseText: text };
}

/**
 * One round: warm-up runs, then samples under `policy` (of `step`, or of `run` timed), with the
 * machine's competing load over the timed part. Shared by `measure`, `measureRounds` and a
 * sweep's interleaved rounds (runner-round.ts).
 */
export async function sampleRound(
  run: () => unknown,
  policy: Readonly<TimingPolicy>,
  shouldStop: () => boolean = () => false,
  step: () => Promise<number> = timed(run),
): Promise<{ samples: number[]; stoppedBy: StoppedBy; spentMs: number; load: LoadFigures }> {
  for (let i = 0; i < policy.warmupRuns && !shouldStop(); i++) await run();
  const before = loadMark();
  const got = await sampleLoop(step, policy, shouldStop);
  return { ...got, load: loadBetween(before, loadMark()) };
}

/**
 * Warms up, then samples `run` under `policy` while recording the machine's competing load.
 * Throws when cancelled before any sample (nothing to report).
 */
export async function measure(run: () => unknown, policy: Readonly<TimingPolicy>, shouldStop: () => boolean = () => false): Promise<Measurement> {
  const { samples, stoppedBy, spentMs, load } = await sampleRound(run, policy, shouldStop);
  if (samples.length === 0) throw new CancelledError();
  const summary = summarize(samples);
  return { samples, rounds: [samples], summary, stoppedBy, spentMs, load, ...judgeNoise(summary, stoppedBy, load, policy) };
}

/** One placement of the work: how to run it once, and how to release it. */
export interface Round {
  run: () => unknown;
  close: () => Promise<void> | void;
  /** A step that returns its own duration (ms) instead of timing `run` (tests with synthetic durations). */
  sample?: () => Promise<number>;
}

/** The policy one round runs under: its share of the samples, time and budget. */
export function perRoundPolicy(policy: Readonly<TimingPolicy>): TimingPolicy {
  return {
    ...policy,
    minSamples: Math.max(2, Math.ceil(policy.minSamples / policy.minRounds)),
    minTimeMs: policy.minTimeMs / policy.minRounds,
    budgetMs: policy.budgetMs / policy.maxRounds,
    maxSamples: Math.ceil(policy.maxSamples / policy.maxRounds),
  };
}

/** Whether rounds so far settle the figure: the interval met the target after minRounds, the budget is spent, or maxRounds ran. */
export function roundsDone(rounds: readonly (readonly number[])[], spentMs: number, policy: Readonly<TimingPolicy>): boolean {
  if (rounds.length >= policy.maxRounds) return true;
  if (rounds.length < policy.minRounds) return false;
  return meetsTarget(summarizeRounds(rounds), policy) || spentMs >= policy.budgetMs;
}

/** The interval is a real 95% one (enough samples) and within the target. */
function meetsTarget(s: Summary, policy: Readonly<TimingPolicy>): boolean {
  return s.ciCoverage >= 0.95 && relativeHalfWidth(s.ci95, s.median) <= policy.targetHalfWidth;
}

/** The measurement rounds add up to (throws CancelledError when there is no sample at all). */
export function finishRounds(
  rounds: readonly (readonly number[])[],
  spentMs: number,
  policy: Readonly<TimingPolicy>,
  load: LoadFigures,
  cancelled: boolean,
): Measurement {
  const used = rounds.filter((r) => r.length > 0).map((r) => [...r]);
  if (used.length === 0) throw new CancelledError();
  const summary = summarizeRounds(used);
  const stoppedBy: StoppedBy = cancelled
    ? 'cancelled'
    : meetsTarget(summary, policy)
      ? 'target'
      : spentMs >= policy.budgetMs
        ? 'budget'
        : summary.n >= policy.maxSamples
          ? 'max-samples'
          : 'rounds';
  return { samples: used.flat(), rounds: used, summary, stoppedBy, spentMs, load, ...judgeNoise(summary, stoppedBy, load, policy, roundMedians(used)) };
}

/** Load over several intervals: the busiest one counts (a round that ran while the machine was busy taints the figure). */
export function worstLoad(loads: readonly LoadFigures[]): LoadFigures {
  const max = (xs: (number | null)[]): number | null => (xs.some((x) => x !== null) ? Math.max(...xs.filter((x): x is number => x !== null)) : null);
  return {
    otherCpuShare: max(loads.map((l) => l.otherCpuShare)),
    stealShare: max(loads.map((l) => l.stealShare)),
    loadAvg1: max(loads.map((l) => l.loadAvg1)),
  };
}

/**
 * Measures in rounds, one after another: each round is opened by `openRound` (not timed: for a
 * sweep point, a fresh cache file and session), warmed up and sampled under perRoundPolicy; after
 * minRounds, rounds are added until roundsDone. (A sweep interleaves the rounds of its points
 * instead, with the same pieces: see runner-round.ts.) Throws CancelledError when cancelled before any sample.
 */
export async function measureRounds(
  openRound: (index: number) => Promise<Round>,
  policy: Readonly<TimingPolicy>,
  shouldStop: () => boolean = () => false,
): Promise<Measurement> {
  const rounds: number[][] = [];
  const loads: LoadFigures[] = [];
  let spentMs = 0;
  while (!roundsDone(rounds, spentMs, policy) && !shouldStop()) {
    const round = await openRound(rounds.length);
    try {
      const got = await sampleRound(round.run, perRoundPolicy(policy), shouldStop, round.sample);
      rounds.push(got.samples);
      loads.push(got.load);
      spentMs += got.spentMs;
    } finally {
      await round.close();
    }
  }
  return finishRounds(rounds, spentMs, policy, worstLoad(loads), shouldStop());
}

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('cancelled before the first timed run');
  }
}

/** Raw samples kept per point in a report: the last this many (statistics use them all). */
export const MAX_KEPT_SAMPLES = 1000;

/**
 * The samples a report keeps: the last MAX_KEPT_SAMPLES / rounds of each round, rounded to 0.1 µs
 * (the timer's resolution), flat, with each round's median, count and how many of it were kept.
 */
export function keptSamples(rounds: readonly (readonly number[])[]): { samplesMs: number[]; rounds: { medianMs: number; n: number; kept: number }[] } {
  const per = Math.floor(MAX_KEPT_SAMPLES / Math.max(1, rounds.length));
  const kept = rounds.map((r) => r.slice(-per).map((x) => Math.round(x * 1e4) / 1e4));
  return { samplesMs: kept.flat(), rounds: rounds.map((r, i) => ({ medianMs: summarize(r).median, n: r.length, kept: kept[i]!.length })) };
}
