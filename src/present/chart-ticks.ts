/** Axes of the chart models: which scale a chart's y axis takes, its log ticks, and how many values a chart plots. Pure. */
import type { ChartModel, XY } from './chart-data.js';

/** A ratio's y axis is logarithmic whatever the model says: on a linear one a 28x flattens every 2x to the floor. */
export function yAxisType(m: Pick<ChartModel, 'yLog' | 'format'>): 'logarithmic' | 'linear' {
  return m.yLog || m.format === 'ratio' ? 'logarithmic' : 'linear';
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

/** Where a log axis draws the values it cannot show (at or below 0): half the smallest positive value plotted. */
function logFloor(m: ChartModel): number {
  let min = Infinity;
  for (const s of m.series) for (const p of s.data) if (p.raw === undefined && p.y > 0 && p.y < min) min = p.y;
  return Number.isFinite(min) ? min / 2 : 1;
}

/**
 * The model with every value on its axis: on a log axis a value at or below 0 moves to the axis
 * floor, keeping what was measured in `raw` (the tooltip and a "≤ 0" label say so, rather than
 * dropping it or letting it drag the axis down), and yRange spans every plotted y and interval.
 * Idempotent.
 */
export function fitYAxis(m: ChartModel): ChartModel {
  const log = yAxisType(m) === 'logarithmic';
  const floor = log ? logFloor(m) : 0;
  const unplottable = (p: XY): boolean => log && (p.raw !== undefined || !(p.y > 0));
  const series = log
    ? m.series.map((s) =>
        s.data.some(unplottable)
          ? { ...s, data: s.data.map((p) => (unplottable(p) ? { x: p.x, y: floor, raw: p.raw ?? p.y, ...(p.note ? { note: p.note } : {}) } : p)) }
          : s,
      )
    : m.series;
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (const p of s.data) {
      for (const v of [p.y, p.lo, p.hi]) {
        if (v === undefined || !Number.isFinite(v) || (log && v <= 0)) continue;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  return { ...m, series, yRange: min <= max ? { min, max } : null };
}

/**
 * A log y axis's drawn limits: the model's range with a margin in ratio, so no marker sits on the
 * edge (chart.js's own limits start a decade under the top once a value is at or below 0). Null
 * for a linear axis, whose automatic limits already include every value.
 */
export function axisLimits(m: ChartModel): { min: number; max: number } | null {
  if (yAxisType(m) !== 'logarithmic') return null;
  const r = m.yRange === undefined ? fitYAxis(m).yRange : m.yRange;
  return r ? { min: r.min / 1.5, max: r.max * 1.5 } : null;
}
