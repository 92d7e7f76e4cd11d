import { describe, expect, it } from 'vitest';
import { adaptiveRepeat, quantile, summarize } from './stats.js';

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

describe('adaptiveRepeat', () => {
  it('stops when the median is stable', async () => {
    const r = await adaptiveRepeat(async () => 10, { budgetMs: 1e9, minReps: 5, batch: 5 });
    expect(r.stoppedBy).toBe('stable');
    expect(r.samples.length).toBe(10);
  });
  it('stops at the budget when times keep moving', async () => {
    let i = 0;
    const r = await adaptiveRepeat(async () => (i++ % 2 ? 1 : 100) * (1 + i / 10), { budgetMs: 2000, minReps: 5 });
    expect(r.stoppedBy).toBe('budget');
    expect(r.samples.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2000);
  });
  it('runs minReps even over budget, and stops when cancelled', async () => {
    const slow = await adaptiveRepeat(async () => 5000, { budgetMs: 10, minReps: 3 });
    expect(slow.samples.length).toBe(3);
    let n = 0;
    const c = await adaptiveRepeat(
      async () => 1,
      { budgetMs: 1e9 },
      () => ++n > 2,
    );
    expect(c.stoppedBy).toBe('cancelled');
    expect(c.samples.length).toBe(2);
  });
});
