import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, judgeNoise, keptSamples, MAX_KEPT_SAMPLES, measure, measureRounds, sampleLoop, type Round } from './harness.js';
import { seededRandom, summarize } from './stats.js';

const policy = { ...DEFAULT_POLICY, minSamples: 10, minTimeMs: 0, budgetMs: 2000 };

describe('the stopping rule', () => {
  it('stops early on quiet data, once the interval is within +/-2%', async () => {
    const rnd = seededRandom(1);
    const r = await sampleLoop(async () => 10 * (1 + (rnd() - 0.5) * 0.02), policy);
    expect(r.stoppedBy).toBe('target');
    expect(r.samples.length).toBe(10);
    expect(r.spentMs).toBeLessThan(policy.budgetMs / 10);
  });
  it('keeps sampling noisy data until the budget, and the verdict says noisy', async () => {
    // heavy-tailed: a Pareto(alpha = 1.1) step, median ~1.9 ms, no finite variance
    const rnd = seededRandom(2);
    const r = await sampleLoop(async () => 1 / (1 - rnd()) ** (1 / 1.1), { ...policy, budgetMs: 100 });
    expect(r.stoppedBy).toBe('budget');
    expect(r.spentMs).toBeGreaterThanOrEqual(100);
    const v = judgeNoise(summarize(r.samples), r.stoppedBy, null, policy);
    expect(v.noisy).toBe(true);
    expect(v.noise).toContain('interval');
    expect(v.noiseText.join(' ')).toMatch(/wider than the \+\/-2% target, when the time budget ran out/);
  });
  it('runs minSamples even over budget (and says too few for an interval below 6)', async () => {
    const r = await sampleLoop(async () => 5000, { ...policy, minSamples: 3, budgetMs: 10 });
    expect(r.samples.length).toBe(3);
    expect(r.stoppedBy).toBe('budget');
    expect(judgeNoise(summarize(r.samples), r.stoppedBy, null, policy).noise).toEqual(['few-samples']);
  });
  it('stops when cancelled', async () => {
    let n = 0;
    const c = await sampleLoop(
      async () => 1,
      { ...policy, budgetMs: 1e9 },
      () => ++n > 2,
    );
    expect(c.stoppedBy).toBe('cancelled');
    expect(c.samples.length).toBe(2);
  });
  it('stops at the sample cap', async () => {
    let i = 0;
    const r = await sampleLoop(async () => (i++ % 2 ? 1 : 100), { ...policy, budgetMs: 1e12, maxSamples: 50 });
    expect(r.stoppedBy).toBe('max-samples');
    expect(r.samples.length).toBe(50);
  });
});

describe('the noise verdict', () => {
  const quiet = summarize(Array.from({ length: 30 }, (_, i) => 10 + (i % 3) * 0.01));
  it('a quiet result on an idle machine is not noisy', () => {
    expect(judgeNoise(quiet, 'target', { otherCpuShare: 0.01, stealShare: 0, loadAvg1: 0.2 })).toEqual({ noisy: false, noise: [], noiseText: [] });
  });
  it('competing load makes it noisy, in plain words', () => {
    const v = judgeNoise(quiet, 'target', { otherCpuShare: 0.4, stealShare: 0.08, loadAvg1: 3 });
    expect(v.noise).toEqual(['busy']);
    expect(v.noiseText[0]).toBe('the machine was busy while it ran: other processes used 40% of the CPU time and the hypervisor stole 8% of the CPU time');
  });
  it('outliers are named as the cause of a wide interval, but alone do not make a tight one noisy', () => {
    const tight = summarize([...Array.from({ length: 40 }, (_, i) => 10 + (i % 4) * 0.01), 50, 60, 70, 80, 90, 95]);
    expect(tight.outliers).toBe(6);
    expect(judgeNoise(tight, 'target', null).noisy).toBe(false);
    const wide = summarize([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 50, 60]);
    expect(judgeNoise({ ...wide, outliers: 3 }, 'budget', null).noise).toEqual(['interval', 'outliers']);
  });
});

describe('measure', () => {
  it('warms up, times real calls and records the load', async () => {
    let calls = 0;
    const m = await measure(
      () => {
        calls++;
        const end = performance.now() + 0.2;
        while (performance.now() < end);
      },
      { ...policy, warmupRuns: 2, minTimeMs: 60, budgetMs: 100 },
    );
    expect(calls).toBe(m.samples.length + 2);
    expect(m.summary.median).toBeGreaterThan(0.15);
    expect(m.summary.ci95[0]).toBeLessThanOrEqual(m.summary.median);
    // at least 60 ms timed: /proc/stat's 10 ms ticks have moved (a shorter interval gives null: unknown)
    if (process.platform === 'linux') expect(m.load.otherCpuShare).not.toBeNull();
  });
  it('throws CancelledError when cancelled before the first sample', async () => {
    await expect(
      measure(
        () => 0,
        policy,
        () => true,
      ),
    ).rejects.toThrow(/cancelled before the first timed run/);
  });
});

it('reports keep the last MAX_KEPT_SAMPLES samples, shared between the rounds', () => {
  const one = keptSamples([Array.from({ length: MAX_KEPT_SAMPLES + 5 }, (_, i) => i + 0.123456)]);
  expect(one.samplesMs).toHaveLength(MAX_KEPT_SAMPLES);
  expect(one.samplesMs[0]).toBe(5.1235);
  expect(one.rounds).toEqual([{ medianMs: (MAX_KEPT_SAMPLES + 4) / 2 + 0.123456, n: MAX_KEPT_SAMPLES + 5, kept: MAX_KEPT_SAMPLES }]);
  const two = keptSamples([Array.from({ length: 800 }, () => 1), [2, 2, 2]]);
  expect(two.rounds.map((r) => r.kept)).toEqual([500, 3]);
  expect(two.samplesMs).toHaveLength(503);
});

describe('measureRounds (separate placements of the work)', () => {
  /** A round whose steps take `level` ms within +/-0.5% (synthetic durations: no timing in the test). */
  const roundAt = (level: number): Round => {
    let i = 0;
    return {
      run: () => {},
      sample: async () => level * (1 + ((i++ % 3) - 1) * 0.005),
      close: () => {},
    };
  };
  const policy = { ...DEFAULT_POLICY, minSamples: 9, minTimeMs: 0, budgetMs: 400, minRounds: 3, maxRounds: 4, warmupRuns: 0 };
  it('rounds that agree meet the target after minRounds', async () => {
    let opened = 0;
    const m = await measureRounds(async () => (opened++, roundAt(1)), policy);
    expect(opened).toBe(3);
    expect(m.rounds).toHaveLength(3);
    expect(m.stoppedBy).toBe('target');
  });
  it('rounds that disagree widen the interval to their spread and keep adding rounds', async () => {
    const levels = [1, 1.3, 0.8, 1.1];
    let opened = 0;
    const m = await measureRounds(async (r) => (opened++, roundAt(levels[r]!)), policy);
    expect(opened).toBe(4);
    // each round alone is within +/-1%; together the interval spans most of 0.8..1.3
    const [lo, hi] = m.summary.ci95;
    expect(lo).toBeLessThan(0.95);
    expect(hi).toBeGreaterThan(1.05);
    expect(m.noisy).toBe(true);
    expect(m.noise).toContain('interval');
    // each round settled within itself, far inside its share of the budget: the rounds ended it, not the budget
    expect(m.spentMs).toBeLessThan(policy.budgetMs);
    expect(m.stoppedBy).toBe('rounds');
    expect(m.noiseText.join(' ')).toMatch(/rounds were done with budget left/);
    expect(m.noiseText.join(' ')).not.toMatch(/budget ran out/);
    // and by how much the rounds disagree: their medians, lowest to highest
    expect(m.noiseText).toContain('its 4 rounds had medians from 0.800 to 1.30 ms (63% apart)');
  });
  it('closes every round it opened, and stops when cancelled', async () => {
    let open = 0;
    let n = 0;
    await expect(
      measureRounds(
        async () => {
          open++;
          return { ...roundAt(1), close: () => void open-- };
        },
        policy,
        () => ++n > 5,
      ),
    ).resolves.toMatchObject({ stoppedBy: 'cancelled' });
    expect(open).toBe(0);
  });
});
