/**
 * Statistics of step times, pure (no Node APIs, so the renderer can recompute from a saved
 * report): the median with a distribution-free 95% interval (order statistics), robust spread
 * (IQR, MAD), Tukey outliers, and the ratio of two medians with a bootstrap interval and a
 * verdict. The method is described in docs/measurement.md ("How a timing is taken").
 */
import type { Verdict } from '@/contract/api.js';

export interface Summary {
  median: number;
  /** 95% confidence interval of the median from order statistics; [min, max] below 6 samples (see ciCoverage). */
  ci95: [number, number];
  /** Coverage the interval really has: >= 0.95 from 6 samples on; less below (the whole range of 2..5 samples). */
  ciCoverage: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
  /** Coefficient of variation: stddev / mean (0 for one sample). */
  cv: number;
  /** Interquartile range (p75 - p25). */
  iqr: number;
  /** Median absolute deviation from the median (unscaled). */
  mad: number;
  /** Samples outside Tukey's fences (1.5 IQR beyond the quartiles). */
  outliers: number;
  n: number;
}

/** Linear-interpolated quantile of sorted values (q in 0..1). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no samples');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const LOG2 = Math.log(2);

/**
 * Ranks (1-based) [r, n - r + 1] of the order statistics that bound the median with at least
 * `confidence`: the largest r with 2 P(Bin(n, 1/2) <= r - 1) <= 1 - confidence. Null where even
 * [min, max] has less coverage (n < 6 at 95%). Exact binomial sums in log space.
 */
export function medianRanks(n: number, confidence = 0.95): { r: number; coverage: number } | null {
  const alphaHalf = (1 - confidence) / 2;
  // P(X <= k) accumulated from k = 0; stop once it passes alpha/2
  let logC = 0; // log C(n, 0)
  let cdf = 0;
  let r = 0;
  let tail = 0;
  for (let k = 0; k < n / 2; k++) {
    const pmf = Math.exp(logC - n * LOG2);
    if (cdf + pmf > alphaHalf) break;
    cdf += pmf;
    r = k + 1;
    tail = cdf;
    logC += Math.log((n - k) / (k + 1));
  }
  return r === 0 ? null : { r, coverage: 1 - 2 * tail };
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summary of no samples');
  const sorted = Float64Array.from(samples).sort();
  const s = Array.from(sorted);
  const n = s.length;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? s.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  const median = quantile(s, 0.5);
  const q1 = quantile(s, 0.25);
  const q3 = quantile(s, 0.75);
  const iqr = q3 - q1;
  const dev = s.map((x) => Math.abs(x - median)).sort((a, b) => a - b);
  const lowFence = q1 - 1.5 * iqr;
  const highFence = q3 + 1.5 * iqr;
  const ranks = medianRanks(n);
  const ci95: [number, number] = ranks ? [s[ranks.r - 1]!, s[n - ranks.r]!] : [s[0]!, s[n - 1]!];
  return {
    median,
    ci95,
    ciCoverage: ranks ? ranks.coverage : n === 1 ? 0 : 1 - 2 * 0.5 ** n,
    p95: quantile(s, 0.95),
    min: s[0]!,
    max: s[n - 1]!,
    mean,
    cv: mean > 0 ? Math.sqrt(variance) / mean : 0,
    iqr,
    mad: quantile(dev, 0.5),
    outliers: s.filter((x) => x < lowFence || x > highFence).length,
    n,
  };
}

/** Half the interval's width relative to the median (the figure the stopping rule targets). */
export function relativeHalfWidth(ci: readonly [number, number], median: number): number {
  return median > 0 ? (ci[1] - ci[0]) / 2 / median : Infinity;
}

/** A small seeded generator (mulberry32): bootstrap intervals are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** k-th smallest (0-based) of buf[0..n), in place (Hoare's quickselect, expected linear time). */
function select(buf: Float64Array, k: number): number {
  let lo = 0;
  let hi = buf.length - 1;
  while (lo < hi) {
    const pivot = buf[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (buf[i]! < pivot) i++;
      while (buf[j]! > pivot) j--;
      if (i <= j) {
        const t = buf[i]!;
        buf[i] = buf[j]!;
        buf[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return buf[k]!;
  }
  return buf[k]!;
}

/** Median of buf[0..n) (reordered in place). */
function medianOf(buf: Float64Array, n: number): number {
  const view = n === buf.length ? buf : buf.subarray(0, n);
  if (n % 2) return select(view, (n - 1) / 2);
  const hi = select(view, n / 2);
  // after selecting n/2, the lower half holds the values <= it: its maximum is the other middle value
  let lo = -Infinity;
  for (let i = 0; i < n / 2; i++) if (view[i]! > lo) lo = view[i]!;
  return (lo + hi) / 2;
}

/** Draws per round in a bootstrap resample: the round's size, capped (an m-out-of-n bootstrap is wider, never narrower). */
const MAX_DRAWS_PER_ROUND = 500;

/**
 * One two-level bootstrap resample of the median: rounds drawn with replacement, then samples
 * within each drawn round. Rounds are separate placements of the cache (a fresh file and session
 * each), so the spread between them counts, not only the spread within one.
 */
function resampledMedian(rounds: readonly (readonly number[])[], rnd: () => number, buf: Float64Array): number {
  let k = 0;
  for (let r = 0; r < rounds.length; r++) {
    const x = rounds[Math.floor(rnd() * rounds.length)]!;
    const draws = Math.min(x.length, MAX_DRAWS_PER_ROUND);
    for (let i = 0; i < draws; i++) buf[k++] = x[Math.floor(rnd() * x.length)]!;
  }
  return medianOf(buf, k);
}

const bufferFor = (rounds: readonly (readonly number[])[]): Float64Array =>
  new Float64Array(rounds.length * Math.max(...rounds.map((x) => Math.min(x.length, MAX_DRAWS_PER_ROUND))));

/**
 * 95% interval of the median of samples taken in rounds (two-level percentile bootstrap, seeded).
 * With one round it is the ordinary bootstrap; summarize's order-statistic interval is the exact
 * one there and is what a single round reports.
 */
export function roundsMedianCi(rounds: readonly (readonly number[])[], opts: { resamples?: number; seed?: number } = {}): [number, number] {
  const used = rounds.filter((r) => r.length > 0);
  if (used.length === 0) throw new Error('interval of no samples');
  const resamples = opts.resamples ?? BOOTSTRAP_RESAMPLES;
  const rnd = seededRandom(opts.seed ?? 1);
  const buf = bufferFor(used);
  const meds = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) meds[i] = resampledMedian(used, rnd, buf);
  meds.sort();
  const sorted = Array.from(meds);
  return [quantile(sorted, 0.025), quantile(sorted, 0.975)];
}

export interface RatioEstimate {
  /** median(b) / median(a) over all their samples. */
  ratio: number;
  /** Percentile bootstrap 95% interval of the ratio (two-level where the samples come in rounds). */
  ci95: [number, number];
  /** slower: b's interval of the ratio lies above 1 (+ threshold); faster: below; else no significant difference. */
  verdict: Verdict;
}

/** Resamples for ratio intervals: enough for a stable 2.5/97.5 percentile, bounded for big comparisons. */
export const BOOTSTRAP_RESAMPLES = 1000;

const asRounds = (x: readonly number[] | readonly (readonly number[])[]): (readonly number[])[] =>
  (x.length > 0 && Array.isArray(x[0]) ? (x as readonly (readonly number[])[]) : [x as readonly number[]]).filter((r) => r.length > 0);

/**
 * Ratio of medians b / a with a seeded percentile-bootstrap 95% interval over the raw samples of
 * both (given flat, or as rounds: then rounds are resampled too), and a verdict: a change counts
 * where the whole interval lies beyond 1 +/- `threshold` (criterion.rs's noise threshold; 0 gives
 * the bare significance test).
 */
export function compareSamples(
  a: readonly number[] | readonly (readonly number[])[],
  b: readonly number[] | readonly (readonly number[])[],
  opts: { resamples?: number; seed?: number; threshold?: number } = {},
): RatioEstimate {
  const ra = asRounds(a);
  const rb = asRounds(b);
  if (ra.length === 0 || rb.length === 0) throw new Error('comparison of no samples');
  const resamples = opts.resamples ?? BOOTSTRAP_RESAMPLES;
  const threshold = opts.threshold ?? 0;
  const rnd = seededRandom(opts.seed ?? 1);
  const ratio = summarize(rb.flat()).median / summarize(ra.flat()).median;
  const bufA = bufferFor(ra);
  const bufB = bufferFor(rb);
  const ratios = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) ratios[i] = resampledMedian(rb, rnd, bufB) / resampledMedian(ra, rnd, bufA);
  ratios.sort();
  const sorted = Array.from(ratios);
  const boot: [number, number] = [quantile(sorted, 0.025), quantile(sorted, 0.975)];
  // as a point's own interval: widened to the few-clusters interval where both sides come in rounds
  const between = roundsRatioCi(ra, rb);
  const ci95: [number, number] = between ? [Math.min(boot[0], between[0]), Math.max(boot[1], between[1])] : boot;
  const verdict: Verdict = ci95[0] > 1 + threshold ? 'slower' : ci95[1] < 1 - threshold ? 'faster' : 'no significant difference';
  return { ratio, ci95, verdict };
}

/**
 * 95% interval of a weighted sum of medians, sum of w_k x median_k, each part's samples (in rounds)
 * measured apart from the others: a seeded percentile bootstrap resampling every part on its own
 * (two-level, as roundsMedianCi) and summing. A hybrid model's whole-model step is such a sum
 * (layers x per-layer step over the layer kinds, docs/measurement.md).
 */
export function weightedMedianSumCi(
  parts: readonly { weight: number; rounds: readonly (readonly number[])[] }[],
  opts: { resamples?: number; seed?: number } = {},
): [number, number] {
  const used = parts.map((p) => ({ weight: p.weight, rounds: p.rounds.filter((r) => r.length > 0) }));
  if (used.length === 0 || used.some((p) => p.rounds.length === 0)) throw new Error('interval of no samples');
  const resamples = opts.resamples ?? BOOTSTRAP_RESAMPLES;
  const rnd = seededRandom(opts.seed ?? 1);
  const bufs = used.map((p) => bufferFor(p.rounds));
  const sums = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) {
    let t = 0;
    for (let k = 0; k < used.length; k++) t += used[k]!.weight * resampledMedian(used[k]!.rounds, rnd, bufs[k]!);
    sums[i] = t;
  }
  sums.sort();
  const sorted = Array.from(sums);
  return [quantile(sorted, 0.025), quantile(sorted, 0.975)];
}

/** Splits flat kept samples into their rounds (sizes in order; a missing or inconsistent split is one round). */
export function splitRounds(samples: readonly number[], roundSizes: readonly number[] | null | undefined): number[][] {
  if (!roundSizes || roundSizes.length === 0 || roundSizes.reduce((x, y) => x + y, 0) !== samples.length) return [samples.slice()];
  const out: number[][] = [];
  let k = 0;
  for (const n of roundSizes) {
    out.push(samples.slice(k, k + n));
    k += n;
  }
  return out;
}

/** Student's t, two-sided 95% (the 0.975 quantile), by degrees of freedom 1..30; 1.96 beyond. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
export const t975 = (df: number): number => T975[df - 1] ?? 1.96;

/** The log-scale moments of rounds' medians: their mean, the variance of that mean (s^2 / k), and k. */
function logMoments(medians: readonly number[]): { mean: number; v: number; k: number } {
  const k = medians.length;
  const logs = medians.map((m) => Math.log(m));
  const mean = logs.reduce((a, b) => a + b, 0) / k;
  return { mean, v: logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (k - 1) / k, k };
}

/** Each round's median. */
export const roundMedians = (rounds: readonly (readonly number[])[]): number[] => rounds.map((r) => summarize(r).median);

/**
 * 95% interval of the centre of the rounds' medians from their spread alone, on the log scale
 * (a machine's change of speed scales a step): exp(mean +/- t(k-1) s / sqrt(k)) of the logs over
 * k rounds. This is the few-clusters interval: with 3 or 4 rounds a bootstrap over them covers the
 * spread between placements too rarely, since it cannot reach beyond the rounds it drew.
 */
export function roundMediansCi(medians: readonly number[]): [number, number] {
  if (medians.length < 2) throw new Error('an interval from the spread between rounds needs two rounds or more');
  const { mean, v, k } = logMoments(medians);
  const half = t975(k - 1) * Math.sqrt(v);
  return [Math.exp(mean - half), Math.exp(mean + half)];
}

/**
 * 95% interval of the ratio b / a from the rounds' medians alone (each side 2 rounds or more;
 * null otherwise): Welch's t on the difference of their mean logs, the degrees of freedom from
 * Welch-Satterthwaite (rounded down). The comparison's counterpart of roundMediansCi.
 */
export function roundsRatioCi(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): [number, number] | null {
  if (a.length < 2 || b.length < 2) return null;
  const ma = logMoments(roundMedians(a));
  const mb = logMoments(roundMedians(b));
  const d = mb.mean - ma.mean;
  const v = ma.v + mb.v;
  if (v === 0) return [Math.exp(d), Math.exp(d)];
  const df = (v * v) / ((ma.v * ma.v) / (ma.k - 1) + (mb.v * mb.v) / (mb.k - 1));
  const half = t975(Math.max(1, Math.floor(df))) * Math.sqrt(v);
  return [Math.exp(d - half), Math.exp(d + half)];
}

/**
 * Summary of samples taken in rounds: pooled statistics, with the median's interval where there
 * are several rounds the wider, at each end, of the two-level bootstrap (the spread within and
 * between rounds) and the interval from the rounds' medians (roundMediansCi); one round: the
 * exact order-statistic one.
 */
export function summarizeRounds(rounds: readonly (readonly number[])[]): Summary {
  const used = rounds.filter((r) => r.length > 0);
  const s = summarize(used.flat());
  if (used.length < 2) return s;
  const boot = roundsMedianCi(used);
  const between = roundMediansCi(roundMedians(used));
  return { ...s, ci95: [Math.min(boot[0], between[0], s.median), Math.max(boot[1], between[1], s.median)], ciCoverage: s.n >= 6 ? 0.95 : s.ciCoverage };
}
