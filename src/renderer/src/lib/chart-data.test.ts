import { describe, expect, it } from 'vitest';
import { allCharts, bandwidthFraction, countValues, memoryChart, powerOfTwoTicks, savingsChart, stepTimeChart, type ChartInputs } from './chart-data';
import { point } from '../../../testing/fixtures';

const base = (over: Partial<ChartInputs> = {}): ChartInputs => ({
  points: [],
  planned: [],
  modelLayers: 8,
  measuredLayers: 2,
  budgetBytes: null,
  largestContextThatFits: null,
  bandwidthGBs: null,
  ...over,
});

describe('chart data', () => {
  const pts = [64, 128, 256].flatMap((c) => [point({ variant: 'mha', context: c }), point({ variant: 'mqa', context: c })]);

  it('one series per variant, sorted by context', () => {
    const m = stepTimeChart(base({ points: [...pts].reverse() }));
    expect(m.series.map((s) => s.label)).toEqual(['MHA', 'MQA']);
    expect(m.series[0]!.data.map((d) => d.x)).toEqual([64, 128, 256]);
    expect(m.series[0]!.data[0]!.y).toBeCloseTo(0.064 * 8);
  });

  it("step times carry each point's 95% interval (scaled like the step) and a noisy flag", () => {
    const noisy = point({ variant: 'mha', context: 512 });
    noisy.timing = { ...noisy.timing!, noisy: true, noise: ['the machine was busy while it ran'] };
    const m = stepTimeChart(base({ points: [pts[0]!, noisy] }));
    const [quiet, loud] = m.series[0]!.data;
    expect(quiet!.lo).toBeCloseTo(0.064 * 0.99 * 8);
    expect(quiet!.hi).toBeCloseTo(0.064 * 1.01 * 8);
    expect(quiet!.noisy).toBeUndefined();
    expect(loud!.noisy).toBe(true);
  });

  it('memory: analytic lines plus measured points scaled to the model, budget and largest fit', () => {
    const m = memoryChart(base({ points: pts, budgetBytes: 1e6, largestContextThatFits: { mha: 244, mqa: 976 } }));
    const analytic = m.series.find((s) => s.label === 'MHA analytic')!;
    expect(analytic.data.map((d) => d.y)).toEqual([512 * 64 * 8, 512 * 128 * 8, 512 * 256 * 8]);
    const measured = m.series.find((s) => s.label === 'MHA measured')!;
    expect(measured.style).toBe('scatter');
    expect(measured.data[0]!.y).toBe(1500 * 4); // 8 model layers / 2 measured
    expect(m.series.find((s) => s.label === 'memory budget')!.data).toEqual([
      { x: 64, y: 1e6 },
      { x: 976, y: 1e6 },
    ]);
    expect(m.series.find((s) => s.label === 'MQA largest fit')!.data).toEqual([{ x: 976, y: 1e6 }]);
  });

  it('savings vs MHA: memory and speed ratios at equal context', () => {
    const fast = [64, 128].flatMap((c) => [
      point({ variant: 'mha', context: c }),
      point({ variant: 'mqa', context: c, timing: { ...point({ variant: 'mqa', context: c }).timing!, medianMs: c / 4000 } }),
    ]);
    const m = savingsChart(base({ points: fast }));
    expect(m.series.find((s) => s.label === 'MQA memory ×')!.data.map((d) => d.y)).toEqual([4, 4]);
    expect(m.series.find((s) => s.label === 'MQA speed ×')!.data.map((d) => d.y)).toEqual([4, 4]);
  });

  it('bandwidth fraction uses the probe when known, else memory-bound efficiency', () => {
    const p = point({ variant: 'mha', context: 64 });
    expect(bandwidthFraction(p, 10)).toBe(0.5);
    expect(bandwidthFraction(p, null)).toBe(0.5);
    expect(bandwidthFraction({ ...p, roofline: { ...p.roofline!, bound: 'compute' } }, null)).toBeNull();
  });

  it('failed and not-run points are not plotted as measurements', () => {
    const m = stepTimeChart(base({ points: [point({ variant: 'mha', context: 64, status: 'does-not-fit', timing: undefined })] }));
    expect(countValues(m)).toBe(0);
    expect(allCharts(base()).map((c) => c.id)).toEqual(['memory', 'step-time', 'tokens', 'bandwidth', 'savings', 'prefill']);
  });

  it('log2 axis ticks are powers of two, at most about 12', () => {
    expect(powerOfTwoTicks(60, 600)).toEqual([64, 128, 256, 512]);
    expect(powerOfTwoTicks(1, 2 ** 30).length).toBeLessThanOrEqual(16);
    expect(powerOfTwoTicks(0, 10)).toEqual([]);
  });
});

describe('log value ticks', () => {
  it('uses 1-2-5 ticks and never repeats a label', async () => {
    const { logTicks } = await import('./chart-data');
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
