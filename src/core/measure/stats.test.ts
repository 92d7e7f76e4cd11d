import { describe, expect, it } from 'vitest';
import {
  compareSamples,
  medianRanks,
  quantile,
  roundMediansCi,
  roundsMedianCi,
  roundsRatioCi,
  seededRandom,
  splitRounds,
  summarize,
  summarizeRounds,
  t975,
  weightedMedianSumCi,
} from './stats.js';

describe('summarize', () => {
  it('gives median, p95, min, mean and cv', () => {
    const s = summarize([5, 1, 3, 2, 4]);
    expect(s).toMatchObject({ median: 3, min: 1, max: 5, mean: 3, n: 5 });
    expect(s.p95).toBeCloseTo(4.8, 10);
    expect(s.cv).toBeCloseTo(Math.sqrt(2.5) / 3, 10);
  });
  it('interpolates quantiles', () => {
    expect(quantile([10, 20], 0.5)).toBe(15);
    expect(quantile([7], 0.95)).toBe(7);
  });
  it('BAD CALL - no samples', () => {
    expect(() => summarize([])).toThrow(/summary of no samples/);
  });
});

/** Seeded samples: a lognormal around `median` (its median is exactly `median`), sigma as given. */
function lognormal(rnd: () => number, n: number, median: number, sigma: number): number[] {
  return Array.from({ length: n }, () => {
    // Box-Muller
    const z = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    return median * Math.exp(sigma * z);
  });
}

describe("the median's 95% interval (order statistics)", () => {
  it('uses the exact binomial ranks', () => {
    expect(medianRanks(5)).toBeNull(); // [min, max] of 5 covers 93.75% only
    expect(medianRanks(6)).toEqual({ r: 1, coverage: 1 - 2 / 64 });
    // n = 100: ranks 40 and 61 (the textbook table), coverage 0.9648
    const r100 = medianRanks(100)!;
    expect(r100.r).toBe(40);
    expect(r100.coverage).toBeCloseTo(0.9648, 3);
  });
  it('below 6 samples the interval is the range and says its coverage is under 95%', () => {
    const s = summarize([3, 1, 2]);
    expect(s.ci95).toEqual([1, 3]);
    expect(s.ciCoverage).toBeCloseTo(0.75, 10);
  });
  it('contains the true median in at least 93 of 100 seeded trials', () => {
    for (const n of [10, 30, 200]) {
      const rnd = seededRandom(n);
      let hits = 0;
      for (let t = 0; t < 100; t++) {
        const [lo, hi] = summarize(lognormal(rnd, n, 10, 0.3)).ci95;
        if (lo <= 10 && 10 <= hi) hits++;
      }
      expect(hits, `n = ${n}`).toBeGreaterThanOrEqual(93);
    }
  });
  it('gives robust spread and Tukey outliers', () => {
    const s = summarize([10, 10, 10, 10, 11, 11, 11, 11, 100]);
    expect(s.iqr).toBe(1);
    expect(s.mad).toBe(1);
    expect(s.outliers).toBe(1);
  });
});

describe('rounds: the two-level interval', () => {
  it('one round: close to the order-statistic interval', () => {
    const x = lognormal(seededRandom(4), 200, 10, 0.1);
    const [lo, hi] = roundsMedianCi([x]);
    const exact = summarize(x).ci95;
    expect(Math.abs(lo - exact[0]) / 10).toBeLessThan(0.01);
    expect(Math.abs(hi - exact[1]) / 10).toBeLessThan(0.01);
  });
  it('rounds at different levels: the interval covers the spread between them', () => {
    const rnd = seededRandom(5);
    const rounds = [9, 10, 11].map((m) => lognormal(rnd, 100, m, 0.01));
    const within = summarize(rounds.flat()).ci95;
    const [lo, hi] = summarizeRounds(rounds).ci95;
    expect(hi - lo).toBeGreaterThan(5 * (within[1] - within[0]));
    expect(lo).toBeLessThan(9.6);
    expect(hi).toBeGreaterThan(10.4);
  });
  it('rounds whose level moves between placements: the interval holds the centre of placements in >= 90 of 100 seeded trials, where the bootstrap alone holds it less often', () => {
    // each round's level is 10 ms x (1 + 5% z), z standard normal; 50 samples within a round, 2% jitter
    for (const k of [3, 4]) {
      const rnd = seededRandom(11 + k);
      let held = 0;
      let heldBoot = 0;
      for (let t = 0; t < 100; t++) {
        const rounds = Array.from({ length: k }, () => lognormal(rnd, 50, 10 * (1 + 0.05 * Math.log(lognormal(rnd, 1, 1, 1)[0]!)), 0.02));
        const [lo, hi] = summarizeRounds(rounds).ci95;
        if (lo <= 10 && 10 <= hi) held++;
        const [blo, bhi] = roundsMedianCi(rounds, { resamples: 400, seed: t });
        if (blo <= 10 && 10 <= bhi) heldBoot++;
      }
      expect(held, `${k} rounds`).toBeGreaterThanOrEqual(90);
      // seeded: 94 and 96 of 100 held; the bootstrap alone 75 (3 rounds) and 87 (4 rounds), about the
      // chance that the rounds drawn straddle the centre (1 - 2^(1-k))
      expect(heldBoot, `${k} rounds, bootstrap alone`).toBeLessThan(90);
    }
  });
  it('the interval from the rounds’ medians: exp(mean +/- t(k-1) s / sqrt(k)) of their logs, always above 0', () => {
    const logs = [9, 10, 11].map(Math.log);
    const mean = (logs[0]! + logs[1]! + logs[2]!) / 3;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / 2);
    const [lo, hi] = roundMediansCi([9, 10, 11]);
    expect(lo).toBeCloseTo(Math.exp(mean - (4.303 * sd) / Math.sqrt(3)), 9);
    expect(hi).toBeCloseTo(Math.exp(mean + (4.303 * sd) / Math.sqrt(3)), 9);
    // two rounds a factor of 10 apart: t(1) = 12.7 makes it very wide, but finite and positive
    const [l2, h2] = roundMediansCi([1, 10]);
    expect(l2).toBeGreaterThan(0);
    expect(Number.isFinite(h2)).toBe(true);
    expect(() => roundMediansCi([5])).toThrow(/two rounds/);
  });
  it('the ratio from two sets of rounds: Welch t on their mean logs, and a comparison at least that wide', () => {
    // a's rounds at 10, 11, 9, 10.5 ms and b's at 1.05x those: tiny jitter within each round
    const rnd = seededRandom(21);
    const a = [10, 11, 9, 10.5].map((m) => lognormal(rnd, 40, m, 0.002));
    const b = [10, 11, 9, 10.5].map((m) => lognormal(rnd, 40, m * 1.05, 0.002));
    const logs = (rs: number[][]): number[] => rs.map((r) => Math.log(summarize(r).median));
    const [la, lb] = [logs(a), logs(b)];
    const mean = (x: number[]): number => x.reduce((p, q) => p + q, 0) / x.length;
    const v = (x: number[]): number => x.reduce((p, q) => p + (q - mean(x)) ** 2, 0) / 3 / 4;
    const se = Math.sqrt(v(la) + v(lb));
    const df = Math.floor((v(la) + v(lb)) ** 2 / ((v(la) ** 2 + v(lb) ** 2) / 3));
    const d = mean(lb) - mean(la);
    const [lo, hi] = roundsRatioCi(a, b)!;
    expect(lo).toBeCloseTo(Math.exp(d - t975(df) * se), 9);
    expect(hi).toBeCloseTo(Math.exp(d + t975(df) * se), 9);
    // the rounds spread +/-10%: a 5% change is within it
    expect(lo).toBeLessThan(1);
    const c = compareSamples(a, b);
    expect(c.ci95[0]).toBeLessThanOrEqual(lo);
    expect(c.ci95[1]).toBeGreaterThanOrEqual(hi);
    expect(c.verdict).toBe('no significant difference');
    expect(roundsRatioCi([a.flat()], b)).toBeNull();
  });
  it('splits kept samples back into rounds', () => {
    expect(splitRounds([1, 2, 3, 4, 5], [2, 3])).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    expect(splitRounds([1, 2, 3], [2, 3])).toEqual([[1, 2, 3]]); // inconsistent: one round
    expect(splitRounds([1, 2], null)).toEqual([[1, 2]]);
  });
});

describe('compareSamples (bootstrap ratio of medians)', () => {
  const rnd = seededRandom(7);
  const a = lognormal(rnd, 60, 5, 0.05);
  it('a sample set against itself: no significant difference', () => {
    const r = compareSamples(a, a);
    expect(r.ratio).toBe(1);
    expect(r.ci95[0]).toBeLessThanOrEqual(1);
    expect(r.ci95[1]).toBeGreaterThanOrEqual(1);
    expect(r.verdict).toBe('no significant difference');
  });
  it('samples scaled by 1.5 are slower, and the other way faster', () => {
    const b = a.map((x) => x * 1.5);
    const slower = compareSamples(a, b);
    expect(slower.verdict).toBe('slower');
    expect(slower.ratio).toBeCloseTo(1.5, 10);
    expect(slower.ci95[0]).toBeGreaterThan(1.4);
    expect(compareSamples(b, a).verdict).toBe('faster');
  });
  it('a change inside the noise threshold is not a verdict', () => {
    const b = a.map((x) => x * 1.01);
    expect(compareSamples(a, b, { threshold: 0.02 }).verdict).toBe('no significant difference');
  });
  it('is reproducible (seeded)', () => {
    const b = lognormal(seededRandom(3), 40, 5.1, 0.1);
    expect(compareSamples(a, b)).toEqual(compareSamples(a, b));
  });
});

describe('weightedMedianSumCi (a hybrid model: sum over layer kinds of layers x per-layer median)', () => {
  it('is the exact sum where the samples do not vary', () => {
    expect(
      weightedMedianSumCi([
        { weight: 21, rounds: [[2, 2, 2]] },
        { weight: 21, rounds: [[0.5, 0.5]] },
      ]),
    ).toEqual([52.5, 52.5]);
  });
  it("holds the sum of the medians, is narrower than the sum of the parts' bounds, and is the same for the same seed", () => {
    const a = lognormal(seededRandom(11), 200, 2, 0.05);
    const b = lognormal(seededRandom(12), 200, 0.5, 0.05);
    const parts = [
      { weight: 12, rounds: [a.slice(0, 100), a.slice(100)] },
      { weight: 12, rounds: [b] },
    ];
    const ci = weightedMedianSumCi(parts, { seed: 3 });
    const sum = 12 * summarize(a).median + 12 * summarize(b).median;
    expect(ci[0]).toBeLessThan(sum);
    expect(ci[1]).toBeGreaterThan(sum);
    const ca = roundsMedianCi(parts[0]!.rounds, { seed: 3 });
    const cb = roundsMedianCi(parts[1]!.rounds, { seed: 3 });
    const bounds = 12 * (ca[1] - ca[0]) + 12 * (cb[1] - cb[0]);
    expect(ci[1] - ci[0]).toBeLessThan(bounds);
    expect(ci[1] - ci[0]).toBeGreaterThan(bounds / 4);
    expect(weightedMedianSumCi(parts, { seed: 3 })).toEqual(ci);
    expect(() => weightedMedianSumCi([{ weight: 1, rounds: [[]] }])).toThrow(/no samples/);
  });
});
