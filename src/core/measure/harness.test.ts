import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, judgeNoise, keptSamples, MAX_KEPT_SAMPLES, measure, sampleLoop } from './harness.js';
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
  it('many outliers make it noisy', () => {
    const s = summarize([...Array.from({ length: 20 }, () => 10), 50, 60, 70, 80]);
    expect(judgeNoise(s, 'target', null).noise).toContain('outliers');
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
      { ...policy, warmupRuns: 2, budgetMs: 30 },
    );
    expect(calls).toBe(m.samples.length + 2);
    expect(m.summary.median).toBeGreaterThan(0.15);
    expect(m.summary.ci95[0]).toBeLessThanOrEqual(m.summary.median);
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

it('reports keep the last MAX_KEPT_SAMPLES samples', () => {
  const kept = keptSamples(Array.from({ length: MAX_KEPT_SAMPLES + 5 }, (_, i) => i + 0.123456));
  expect(kept).toHaveLength(MAX_KEPT_SAMPLES);
  expect(kept[0]).toBe(5.1235);
});
