/** The charts of the standalone HTML report: one report's chart inputs, and several overlaid with a dash per report. Pure. */
import type { Report } from '@/contract/schemas.js';
import { fitYAxis } from './chart-ticks.js';
import { ceilingsOf } from '@/contract/roofline.js';
import { memoryChart, savingsChart, stepTimeChart, type ChartInputs, type ChartModel } from './chart-data.js';

/** A saved report's chart inputs, as the app draws a report it has opened. */
export function reportChartInputs(r: Report): ChartInputs {
  return {
    // one point per variant and context: a hybrid model's whole-model points (as allCharts)
    points: r.points.filter((p) => p.layerGroup?.primary !== false),
    planned: [],
    modelLayers: r.model.numLayers,
    measuredLayers: r.scaling.measuredLayers,
    budgetBytes: r.memoryBudget?.bytes ?? null,
    largestContextThatFits: r.largestContextThatFits,
    bandwidthGBs: ceilingsOf(r.probes)?.bandwidthGBs ?? null,
  };
}

/** Line dash per report where several are overlaid: the first solid, then dashed, dotted, dash-dot. */
export const REPORT_DASHES: readonly number[][] = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4]];

export function reportDash(index: number): number[] {
  return REPORT_DASHES[index % REPORT_DASHES.length]!.slice();
}

/**
 * The standalone HTML report's charts (and the CLI's PNGs of them), keyed by the id of the
 * canvas each is drawn on: the app's memory, step time and savings charts.
 */
export const REPORT_CHARTS = [
  { canvas: 'chart-memory', chart: memoryChart },
  { canvas: 'chart-decode', chart: stepTimeChart },
  { canvas: 'chart-savings', chart: savingsChart },
] as const;

/**
 * The report charts of one or several reports. Several are overlaid: each report's series keep
 * their variant's colour, are named after the report ("· #1" unless `name` says otherwise) and
 * drawn with the report's dash.
 */
export function reportCharts(inputs: readonly ChartInputs[], name: (index: number) => string = (i) => `#${i + 1}`): { canvas: string; model: ChartModel }[] {
  return REPORT_CHARTS.map(({ canvas, chart }) => {
    const models = inputs.map((inp) => chart(inp));
    const first = models[0];
    if (!first) throw new Error('no report to chart');
    if (models.length === 1) return { canvas, model: first };
    const series = models.flatMap((m, i) => m.series.map((s) => ({ ...s, label: `${s.label} · ${name(i)}`, ...(i > 0 ? { dash: reportDash(i) } : {}) })));
    return { canvas, model: fitYAxis({ ...first, series }) };
  });
}
