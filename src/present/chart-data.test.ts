import { describe, expect, it } from 'vitest';
import { accuracyChart, allCharts, bandwidthFraction, memoryChart, savingsChart, stepTimeChart, type ChartInputs } from './chart-data.js';
import { REPORT_CHARTS, reportChartInputs, reportCharts, reportDash } from './chart-report.js';
import { axisLimits, countValues, fitYAxis, powerOfTwoTicks, yAxisType } from './chart-ticks.js';
import { VARIANT_COLORS, variantColors } from './colors.js';
import { ALL_VARIANTS } from './variants.js';
import { point, report } from '@/testing/fixtures.js';

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
    const measured = m.series.find((s) => s.label === 'MHA measured (RSS, 2 layers ×4)')!;
    expect(measured.style).toBe('scatter');
    expect(measured.data[0]!.y).toBe(1500 * 4); // 8 model layers / 2 measured
    expect(m.series.find((s) => s.label === 'memory budget')!.data).toEqual([
      { x: 64, y: 1e6 },
      { x: 976, y: 1e6 },
    ]);
    // the marker sits on the budget line; its tooltip value is the context, not the budget
    expect(m.series.find((s) => s.label === 'MQA largest fit')!.data).toEqual([{ x: 976, y: 1e6, value: '976 tokens' }]);
  });

  it("memory: flags the points whose whole model's cache is over the budget, as one labelled series and in each tooltip", () => {
    const m = memoryChart(base({ points: pts, budgetBytes: 1e6 }));
    // MHA at 256 tokens: 512 B x 256 x 8 layers = 1 MiB > 1e6; MQA's are smaller
    const over = m.series.find((s) => s.label === 'whole model over the budget')!;
    expect(over.data).toEqual([expect.objectContaining({ x: 256, y: 512 * 256 * 8, overBudget: true })]);
    expect(over.data[0]!.note).toBe("MHA: the whole model's cache is over this device's memory budget");
    const mha = m.series.find((s) => s.label === 'MHA analytic')!;
    expect(mha.data.map((d) => d.overBudget ?? false)).toEqual([false, false, true]);
    // no budget, no flag
    expect(memoryChart(base({ points: pts })).series.some((s) => s.label === 'whole model over the budget')).toBe(false);
  });

  it('memory: a negative RSS delta and a tiny MLA series stay within the y range, the negative one at the floor', () => {
    const neg = point({ variant: 'mqa', context: 64 });
    neg.memory = { ...neg.memory!, measuredDeltaBytes: -22.7 * 2 ** 20 };
    const big = point({ variant: 'mha', context: 8192 });
    big.memory = { ...big.memory!, measuredDeltaBytes: 2 ** 30 };
    const tiny = point({ variant: 'mla-absorbed', context: 64, modelCacheBytes: 100 });
    const m = memoryChart(base({ points: [neg, big, tiny], budgetBytes: 2 ** 34, largestContextThatFits: { mha: 9000 } }));
    const r = m.yRange!;
    const plotted = m.series.flatMap((s) => s.data.map((d) => d.y));
    expect(plotted.every((y) => y > 0 && y >= r.min && y <= r.max)).toBe(true);
    expect(r.min).toBe(Math.min(...plotted));
    // the tiny MLA analytic point is inside the axis, not a decade under its floor
    const mla = m.series.find((s) => s.label === 'MLA (absorbed) analytic')!;
    expect(mla.data[0]!.y).toBe(100);
    const limits = axisLimits(m)!;
    expect(limits.min).toBeLessThan(100);
    expect(limits.max).toBeGreaterThan(2 ** 34);
    // the negative delta is kept, drawn at the floor (under every positive value) with what was measured
    const mqa = m.series.find((s) => s.label.startsWith('MQA measured'))!;
    expect(mqa.data[0]!.raw).toBe(-22.7 * 2 ** 20 * 4);
    expect(mqa.data[0]!.y).toBe(50);
    expect(mqa.data[0]!.note).toMatch(/^RSS growth -22\.7 MiB ×4 vs analytic cache 1000 B of the measured layers; the session's fixed cost is included$/);
    expect(fitYAxis(m)).toEqual(m);
  });

  it('memory: the measured label says what it measures, scaled or not', () => {
    const pts1 = [point({ variant: 'mha', context: 64 })];
    expect(memoryChart(base({ points: pts1 })).note).toBe("measured = RSS growth, the session's fixed cost included");
    expect(memoryChart(base()).note).toBeUndefined();
    expect(memoryChart(base({ points: pts1, modelLayers: 61, measuredLayers: 1 })).series.map((s) => s.label)).toContain('MHA measured (RSS, 1 layer ×61)');
    expect(memoryChart(base({ points: pts1, modelLayers: 2, measuredLayers: 2 })).series.map((s) => s.label)).toContain('MHA measured (RSS, 2 layers)');
  });

  it('a linear axis keeps negative values and spans them', () => {
    const m = fitYAxis({
      id: 'x',
      title: '',
      yLabel: '',
      yLog: false,
      format: 'percent',
      empty: '',
      series: [
        {
          label: 'a',
          variant: 'mha',
          style: 'line',
          data: [
            { x: 1, y: -0.2 },
            { x: 2, y: 0.5 },
          ],
        },
      ],
    });
    expect(m.yRange).toEqual({ min: -0.2, max: 0.5 });
    expect(m.series[0]!.data[0]!.raw).toBeUndefined();
    expect(axisLimits(m)).toBeNull();
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

  it("a quantized cache's accuracy cost is charted (KL per variant and cache type), only when a point has one", () => {
    const acc = (kl: number) => ({ maxAbsError: 1e-3, relativeL2: 2e-3, klDivergence: kl, context: 64 });
    const pts = [
      point({ variant: 'gqa', context: 64 }),
      { ...point({ variant: 'gqa', context: 64, dtype: 'int8' }), accuracy: acc(5e-8) },
      { ...point({ variant: 'gqa', context: 128, dtype: 'int8' }), accuracy: acc(5e-8) },
      { ...point({ variant: 'gqa', context: 64, dtype: 'int4' }), accuracy: acc(2e-5) },
      { ...point({ variant: 'mqa', context: 64, dtype: 'int4', status: 'failed', timing: undefined }), accuracy: acc(1) },
    ];
    const ids = allCharts(base({ points: pts })).map((c) => c.id);
    expect(ids.at(-1)).toBe('accuracy');
    const m = accuracyChart(base({ points: pts }));
    // the fp32 point has no accuracy cost and the failed point is not a measurement
    expect(m.series.map((s) => [s.label, s.data.map((d) => d.y)])).toEqual([
      ['GQA int4', [2e-5]],
      ['GQA int8', [5e-8, 5e-8]],
    ]);
    expect(m.note).toContain('64 cached tokens');
    expect(countValues(m)).toBe(3);
  });

  it('log2 axis ticks are powers of two, at most about 12', () => {
    expect(powerOfTwoTicks(60, 600)).toEqual([64, 128, 256, 512]);
    expect(powerOfTwoTicks(1, 2 ** 30).length).toBeLessThanOrEqual(16);
    expect(powerOfTwoTicks(0, 10)).toEqual([]);
  });
});

describe('savings vs MHA', () => {
  it('matches MHA on mode, dtype, batch and context: two batches at one context each get their own ratio', () => {
    const at = (variant: 'mha' | 'mqa', batch: number, medianMs: number) => {
      const p = point({ variant, context: 256, batch, id: `decode/${variant}/fp32/b${batch}/t256` });
      return { ...p, timing: { ...p.timing!, medianMs } };
    };
    // b1: MHA 2 ms, MQA 1 ms -> 2x; b4: MHA 8 ms, MQA 2 ms -> 4x
    const m = savingsChart(base({ points: [at('mha', 1, 2), at('mqa', 1, 1), at('mha', 4, 8), at('mqa', 4, 2)] }));
    expect(m.series.find((s) => s.label === 'MQA b1 speed ×')!.data).toEqual([{ x: 256, y: 2 }]);
    expect(m.series.find((s) => s.label === 'MQA b4 speed ×')!.data).toEqual([{ x: 256, y: 4 }]);
  });

  it('a prefill MHA point is not the reference of a decode point', () => {
    const mhaPrefill = { ...point({ variant: 'mha', context: 128 }), mode: 'prefill' as const };
    const m = savingsChart(base({ points: [mhaPrefill, point({ variant: 'mqa', context: 128 })] }));
    expect(countValues(m)).toBe(0);
  });

  it('ratios are drawn on a log axis, even where a model says linear', () => {
    expect(yAxisType(savingsChart(base()))).toBe('logarithmic');
    expect(yAxisType({ yLog: false, format: 'ratio' })).toBe('logarithmic');
    expect(yAxisType({ yLog: false, format: 'percent' })).toBe('linear');
  });
});

describe('report charts (the HTML report and its PNGs)', () => {
  const pts = [64, 128].flatMap((c) => [point({ variant: 'mha', context: c }), point({ variant: 'gqa', context: c })]);

  it("are the app's memory, step time (all layers) and savings charts of the report", () => {
    const r = report(pts);
    const inputs = reportChartInputs(r);
    expect(inputs).toMatchObject({ modelLayers: 8, measuredLayers: 1, bandwidthGBs: 10, largestContextThatFits: { mha: 1000 } });
    const charts = reportCharts([inputs]);
    expect(charts.map((c) => c.canvas)).toEqual(REPORT_CHARTS.map((c) => c.canvas));
    expect(charts.map((c) => c.model)).toEqual([memoryChart(inputs), stepTimeChart(inputs), savingsChart(inputs)]);
    // all layers: the step is the model's, not one layer's
    expect(charts[1]!.model.series[0]!.data[0]!.y).toBeCloseTo(pts[0]!.timing!.modelMs);
  });

  it('overlay several reports, named by number, the second dashed', () => {
    const [memory] = reportCharts([reportChartInputs(report(pts)), reportChartInputs(report(pts))]);
    const labels = memory!.model.series.map((s) => s.label);
    expect(labels).toContain('MHA analytic · #1');
    expect(labels).toContain('MHA analytic · #2');
    expect(memory!.model.series.find((s) => s.label === 'MHA analytic · #2')!.dash).toEqual(reportDash(1));
    expect(memory!.model.series.find((s) => s.label === 'MHA analytic · #1')!.dash).toBeUndefined();
    const [named] = reportCharts([reportChartInputs(report(pts)), reportChartInputs(report(pts))], (i) => 'AB'[i]!);
    expect(named!.model.series.map((s) => s.label)).toContain('MHA analytic · B');
  });
});

describe('variant colours', () => {
  it('one distinct colour per variant in each theme', () => {
    for (const theme of ['light', 'dark'] as const) {
      const colors = ALL_VARIANTS.map((v) => VARIANT_COLORS[theme][v]);
      expect(colors.every((c) => /^#[0-9a-f]{6}$/.test(c))).toBe(true);
      expect(new Set(colors).size).toBe(ALL_VARIANTS.length);
    }
    expect(variantColors(true)).toEqual(VARIANT_COLORS.dark);
    expect(variantColors(false).gqa).not.toBe(variantColors(false).mha);
  });
});
