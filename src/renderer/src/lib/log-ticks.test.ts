import { describe, expect, it } from 'vitest';

// logTicks lives in present/chart-ticks; its labels here are the app's formatters.
describe('log value ticks', () => {
  it('uses 1-2-5 ticks and never repeats a label', async () => {
    const { logTicks } = await import('@/present/chart-ticks');
    const { formatMs } = await import('./format');
    expect(logTicks(0.2, 1.5)).toEqual([0.2, 0.5, 1]);
    const ticks = logTicks(0.2, 1.5, formatMs);
    expect(new Set(ticks.map(formatMs)).size).toBe(ticks.length);
    expect(logTicks(1, 1e20).every((v) => Number.isInteger(Math.round(Math.log10(v))))).toBe(true);
    expect(logTicks(0, 10)).toEqual([]);
    // narrow ranges get every 1..9 so there are ticks to read
    expect(logTicks(0.28, 0.75)).toEqual([0.3, 0.4, 0.5, 0.6, 0.7]);
    // bytes: powers of two
    expect(logTicks(3e9, 2e10, String, true)).toEqual([2 ** 32, 2 ** 33, 2 ** 34]);
  });
});
