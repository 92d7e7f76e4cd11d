/**
 * From points (and the plan) to plain chart models: one series per variant (and per dtype or
 * batch where the sweep has several), x = context. Pure, and one definition for the app's charts
 * and the standalone HTML report's (which bundles this module); the renderer's chart-setup maps
 * a model onto chart.js for both.
 */
import type { PlannedPointSummary } from '@/contract/api.js';
import type { Point, Report } from '@/contract/schemas.js';
import { savingsVsMha } from './savings.js';
import { ALL_VARIANTS, VARIANT_LABELS, type Variant } from './variants.js';

export type ValueFormat = 'bytes' | 'ms' | 'number' | 'percent' | 'ratio';

export interface XY {
  x: number;
  y: number;
  /** The 95% interval of a measured value, in y's units (drawn as an error bar). */
  lo?: number;
  hi?: number;
  /** The timing is noisy (drawn as a hollow, larger marker; the tooltip says why). */
  noisy?: boolean;
}

export interface SeriesModel {
  label: string;
  variant: Variant | 'budget';
  /** line: analytic or connected measurements; scatter: measured points only. */
  style: 'line' | 'dashed' | 'scatter' | 'marker';
  /** Line dash overriding the style's (the compare view draws one dash per report). */
  dash?: number[];
  data: XY[];
}

export interface ChartModel {
  id: string;
  title: string;
  yLabel: string;
  yLog: boolean;
  format: ValueFormat;
  series: SeriesModel[];
  /** Shown instead of an empty plot. */
  empty: string;
}

export interface ChartInputs {
  points: readonly Point[];
  planned: readonly PlannedPointSummary[];
  /** The model's layer count and the layers built into each graph, to scale measured memory. */
  modelLayers: number | null;
  measuredLayers: number;
  budgetBytes: number | null;
  largestContextThatFits: Record<string, number | null> | null;
  /** Device read bandwidth (GB/s) from the report's probes, once known. */
  bandwidthGBs: number | null;
}

const ORDER: readonly Variant[] = ALL_VARIANTS;

interface Keyed {
  variant: Variant;
  dtype: string;
  batch: number;
  mode: string;
  context: number;
}

function seriesKey(p: Keyed, multiDtype: boolean, multiBatch: boolean): string {
  let label = VARIANT_LABELS[p.variant];
  if (multiDtype) label += ` ${p.dtype}`;
  if (multiBatch) label += ` b${p.batch}`;
  return label;
}

/** Groups items into series by variant (dtype, batch), each sorted by context. */
function group<T extends Keyed>(
  items: readonly T[],
  y: (item: T) => number | null | undefined,
  style: SeriesModel['style'],
  suffix = '',
  extra: (item: T) => Omit<XY, 'x' | 'y'> = () => ({}),
): SeriesModel[] {
  const multiDtype = new Set(items.map((i) => i.dtype)).size > 1;
  const multiBatch = new Set(items.map((i) => i.batch)).size > 1;
  const map = new Map<string, { variant: Variant; data: XY[] }>();
  for (const it of items) {
    const v = y(it);
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    const key = seriesKey(it, multiDtype, multiBatch) + suffix;
    let s = map.get(key);
    if (!s) map.set(key, (s = { variant: it.variant, data: [] }));
    s.data.push({ x: it.context, y: v, ...extra(it) });
  }
  return [...map.entries()]
    .sort((a, b) => ORDER.indexOf(a[1].variant) - ORDER.indexOf(b[1].variant) || a[0].localeCompare(b[0]))
    .map(([label, s]) => ({ label, variant: s.variant, style, data: s.data.sort((a, b) => a.x - b.x) }));
}

const ok = (p: Point): boolean => p.status === 'ok';

/** A measured step's interval and noise flag, scaled like `value` (which is the median times a factor). */
function uncertainty(p: Point, value: number | null | undefined): Omit<XY, 'x' | 'y'> {
  const t = p.timing;
  if (!t || value === null || value === undefined || !(t.medianMs > 0)) return {};
  const f = value / t.medianMs;
  return { ...(t.ci95Ms ? { lo: t.ci95Ms[0] * f, hi: t.ci95Ms[1] * f } : {}), ...(t.noisy ? { noisy: true } : {}) };
}

export function memoryChart(inp: ChartInputs): ChartModel {
  // Analytic line from the plan where there is one (it covers points not yet run), else from points.
  const analyticSrc: (Keyed & { modelCacheBytes: number })[] = inp.planned.length
    ? inp.planned.filter((p) => p.mode === 'decode')
    : inp.points.filter((p) => p.mode === 'decode');
  const series = group(analyticSrc, (p) => p.modelCacheBytes, 'line', ' analytic');
  const scale = inp.modelLayers ? inp.modelLayers / Math.max(1, inp.measuredLayers) : 1;
  series.push(
    ...group(
      inp.points.filter((p) => ok(p) && p.mode === 'decode' && p.memory),
      (p) => (p.memory ? p.memory.measuredDeltaBytes * scale : null),
      'scatter',
      ' measured',
    ),
  );
  if (inp.budgetBytes !== null) {
    const xs = analyticSrc.map((p) => p.context);
    const fits = Object.values(inp.largestContextThatFits ?? {}).filter((v): v is number => typeof v === 'number');
    const all = [...xs, ...fits];
    if (all.length) {
      series.push({
        label: 'memory budget',
        variant: 'budget',
        style: 'dashed',
        data: [
          { x: Math.min(...all), y: inp.budgetBytes },
          { x: Math.max(...all), y: inp.budgetBytes },
        ],
      });
    }
    for (const [variant, ctx] of Object.entries(inp.largestContextThatFits ?? {})) {
      if (typeof ctx !== 'number' || ctx <= 0) continue;
      series.push({
        label: `${VARIANT_LABELS[variant as Variant] ?? variant} largest fit`,
        variant: variant as Variant,
        style: 'marker',
        data: [{ x: ctx, y: inp.budgetBytes }],
      });
    }
  }
  return {
    id: 'memory',
    title: 'KV-cache memory vs context (whole model)',
    yLabel: 'bytes',
    yLog: true,
    format: 'bytes',
    series,
    empty: 'Plan a sweep to see the analytic cache size of each variant.',
  };
}

export function stepTimeChart(inp: ChartInputs): ChartModel {
  return {
    id: 'step-time',
    title: 'Decode step time vs context (scaled to all layers)',
    yLabel: 'ms per token',
    yLog: true,
    format: 'ms',
    series: group(
      inp.points.filter((p) => ok(p) && p.mode === 'decode' && p.timing),
      (p) => p.timing?.modelMs,
      'line',
      '',
      (p) => uncertainty(p, p.timing?.modelMs),
    ),
    empty: 'Decode step times appear here as points are measured.',
  };
}

export function tokensChart(inp: ChartInputs): ChartModel {
  return {
    id: 'tokens',
    title: 'Decode throughput vs context',
    yLabel: 'tokens/s',
    yLog: true,
    format: 'number',
    series: group(
      inp.points.filter((p) => ok(p) && p.mode === 'decode' && p.timing),
      (p) => p.timing?.tokensPerSecond,
      'line',
    ),
    empty: 'Tokens per second appear here as points are measured.',
  };
}

/** Achieved read bandwidth over the device's measured bandwidth (memory-bound points need no probe figure). */
export function bandwidthFraction(p: Point, bandwidthGBs: number | null): number | null {
  const r = p.roofline;
  if (!r) return null;
  if (bandwidthGBs && bandwidthGBs > 0) return r.achievedGBs / bandwidthGBs;
  return r.bound === 'memory' ? r.efficiency : null;
}

export function bandwidthChart(inp: ChartInputs): ChartModel {
  return {
    id: 'bandwidth',
    title: 'Achieved bandwidth / measured device limit',
    yLabel: 'fraction of limit',
    yLog: false,
    format: 'percent',
    series: group(
      inp.points.filter((p) => ok(p) && p.mode === 'decode'),
      (p) => bandwidthFraction(p, inp.bandwidthGBs),
      'line',
    ),
    empty: 'Bandwidth efficiency appears here as points are measured.',
  };
}

/**
 * Per variant other than MHA: its savings vs MHA (savings.ts: MHA's cache bytes / the variant's,
 * MHA's step time / the variant's; above 1: the variant saves). Ratios span 1x to tens of x, so
 * the axis is log.
 */
export function savingsChart(inp: ChartInputs): ChartModel {
  const savings = savingsVsMha(inp.points);
  const others = inp.points.filter((p) => p.mode === 'decode' && p.variant !== 'mha');
  const memory = group(others, (p) => savings.get(p.id)?.memory ?? null, 'dashed', ' memory ×');
  const speed = group(others.filter(ok), (p) => savings.get(p.id)?.speed ?? null, 'line', ' speed ×');
  return {
    id: 'savings',
    title: 'Savings vs MHA (memory ratio, speed ratio)',
    yLabel: '× vs MHA',
    yLog: true,
    format: 'ratio',
    series: [...memory, ...speed],
    empty: 'Include MHA and another variant to compare them.',
  };
}

export function prefillChart(inp: ChartInputs): ChartModel {
  return {
    id: 'prefill',
    title: 'Prefill time vs context (scaled to all layers)',
    yLabel: 'ms',
    yLog: true,
    format: 'ms',
    series: group(
      inp.points.filter((p) => ok(p) && p.mode === 'prefill' && p.timing),
      (p) => p.timing?.modelMs,
      'line',
      '',
      (p) => uncertainty(p, p.timing?.modelMs),
    ),
    empty: 'Add the prefill mode to the sweep to measure prompt processing.',
  };
}

export function allCharts(inp: ChartInputs): ChartModel[] {
  return [memoryChart(inp), stepTimeChart(inp), tokensChart(inp), bandwidthChart(inp), savingsChart(inp), prefillChart(inp)];
}

/** A ratio's y axis is logarithmic whatever the model says: on a linear one a 28x flattens every 2x to the floor. */
export function yAxisType(m: Pick<ChartModel, 'yLog' | 'format'>): 'logarithmic' | 'linear' {
  return m.yLog || m.format === 'ratio' ? 'logarithmic' : 'linear';
}

/** A saved report's chart inputs, as the app draws a report it has opened. */
export function reportChartInputs(r: Report): ChartInputs {
  return {
    points: r.points,
    planned: [],
    modelLayers: r.model.numLayers,
    measuredLayers: r.scaling.measuredLayers,
    budgetBytes: r.memoryBudget?.bytes ?? null,
    largestContextThatFits: r.largestContextThatFits,
    bandwidthGBs: r.probes?.bandwidthGBs ?? null,
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
    return { canvas, model: { ...first, series } };
  });
}

/** Number of plotted values (for "no data yet" states). */
export function countValues(m: ChartModel): number {
  return m.series.reduce((n, s) => n + (s.variant === 'budget' || s.style === 'marker' ? 0 : s.data.length), 0);
}

/** Powers of two between min and max inclusive: the ticks of a log2 context axis. */
export function powerOfTwoTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max >= min)) return [];
  const out: number[] = [];
  for (let e = Math.floor(Math.log2(min)); e <= Math.ceil(Math.log2(max)); e++) {
    const v = 2 ** e;
    if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
  }
  // Keep the axis readable: at most ~12 labels.
  if (out.length <= 12) return out;
  const step = Math.ceil(out.length / 12);
  return out.filter((_, i) => i % step === 0);
}

/**
 * Ticks of a log value axis, each label once (chart.js's own 1..9 ticks repeat rounded labels):
 * bytes on powers of two (so binary units read 1 GiB, 2 GiB, 4 GiB), other values on 1-2-5
 * times powers of ten, or on every 1..9 where the range is too narrow for three such ticks.
 */
export function logTicks(min: number, max: number, label: (v: number) => string = String, binary = false): number[] {
  if (!(min > 0) || !(max >= min)) return [];
  const within = (v: number): boolean => v >= min * 0.999 && v <= max * 1.001;
  const unique = (values: number[]): number[] => {
    const seen = new Set<string>();
    return values.filter((v) => {
      const l = label(v);
      if (seen.has(l)) return false;
      seen.add(l);
      return true;
    });
  };
  const thin = (values: number[]): number[] => {
    if (values.length <= 12) return values;
    const step = Math.ceil(values.length / 12);
    return values.filter((_, i) => i % step === 0);
  };
  if (binary) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log2(min)); e <= Math.ceil(Math.log2(max)); e++) if (within(2 ** e)) out.push(2 ** e);
    return thin(unique(out));
  }
  const decades = (mantissas: number[]): number[] => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** e).toPrecision(12));
        if (within(v)) out.push(v);
      }
    }
    return unique(out);
  };
  const coarse = decades([1, 2, 5]);
  if (coarse.length >= 3) return coarse.length > 14 ? coarse.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9) : coarse;
  return decades([1, 2, 3, 4, 5, 6, 7, 8, 9]);
}
