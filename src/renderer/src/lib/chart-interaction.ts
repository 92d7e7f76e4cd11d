/**
 * How a chart reads back: the legend (each series's line as drawn, dash included, so "memory ×"
 * dashed and "speed ×" solid, or one report's dash and another's, differ in the legend too) and
 * the tooltip (every series at the hovered context, values formatted). Used by the app's charts
 * and the HTML report's (chart-setup).
 */
import { Chart, Interaction, type ChartDataset, type InteractionItem, type InteractionModeFunction, type LegendItem } from 'chart.js';
import { getRelativePosition } from 'chart.js/helpers';

declare module 'chart.js' {
  interface InteractionModeMap {
    context: InteractionModeFunction;
  }
}

export interface SeriesHit {
  /** Data x of each point (the context). */
  xs: readonly number[];
  /** Pixel x of each point. */
  px: readonly number[];
  visible: boolean;
}

/**
 * The points at the context nearest the cursor: the context whose pixel x is closest among all
 * visible series, then, in every visible series that has a point there, that point. Series with
 * different contexts are matched on the context itself, not on an index.
 */
export function pointsAtNearestContext(series: readonly SeriesHit[], cursorPx: number): { datasetIndex: number; index: number }[] {
  let best: number | null = null;
  let bestDist = Infinity;
  series.forEach((s) => {
    if (!s.visible) return;
    s.px.forEach((p, i) => {
      const d = Math.abs(p - cursorPx);
      if (d < bestDist && Number.isFinite(s.xs[i])) {
        bestDist = d;
        best = s.xs[i]!;
      }
    });
  });
  if (best === null) return [];
  const out: { datasetIndex: number; index: number }[] = [];
  series.forEach((s, datasetIndex) => {
    if (!s.visible) return;
    const index = s.xs.indexOf(best!);
    if (index >= 0) out.push({ datasetIndex, index });
  });
  return out;
}

/** chart.js interaction mode 'context': pointsAtNearestContext under the cursor, inside the plot area. */
const contextMode: InteractionModeFunction = (chart, e, _options, useFinalPosition) => {
  const pos = getRelativePosition(e, chart as Chart);
  if (!chart.isPointInArea(pos)) return [];
  const metas = chart.getSortedVisibleDatasetMetas();
  const series: SeriesHit[] = chart.data.datasets.map((ds, i) => {
    const meta = metas.find((m) => m.index === i);
    const data = ds.data as { x: number }[];
    return {
      visible: !!meta,
      xs: meta ? data.map((p) => p.x) : [],
      px: meta ? meta.data.map((el) => el.getProps(['x'], useFinalPosition).x as number) : [],
    };
  });
  return pointsAtNearestContext(series, pos.x).map(({ datasetIndex, index }): InteractionItem => {
    const meta = chart.getDatasetMeta(datasetIndex);
    return { datasetIndex, index, element: meta.data[index]! };
  });
};

Interaction.modes.context = contextMode;

type LegendDataset = Pick<ChartDataset<'line'>, 'showLine' | 'borderDash' | 'pointStyle'>;

/**
 * The legend's entries: a series drawn as a line is shown as a short stretch of that line, in
 * its dash; a series of markers only (measured scatter) as its marker.
 */
export function legendLabels(chart: Chart): LegendItem[] {
  const base = Chart.defaults.plugins.legend.labels.generateLabels(chart);
  return base.map((item) => {
    const ds = chart.data.datasets[item.datasetIndex ?? -1] as LegendDataset | undefined;
    if (!ds || ds.showLine === false) return item;
    return { ...item, pointStyle: 'line', lineDash: Array.isArray(ds.borderDash) ? (ds.borderDash as number[]).slice() : [] };
  });
}

/** What a chart draws with: its text colours (ticks, axis titles, legend), grid lines, series colours, and each legend entry's swatch. */
export function drawnColors(chart: Chart): {
  text: string[];
  grid: string[];
  series: [string, string][];
  legend: { text: string; pointStyle: string; lineDash: number[] }[];
} {
  const o = chart.options;
  const axes = [o.scales?.x, o.scales?.y];
  return {
    text: [...axes.flatMap((a) => [a?.ticks?.color, (a as { title?: { color?: unknown } } | undefined)?.title?.color]), o.plugins?.legend?.labels?.color].map(
      String,
    ),
    grid: axes.map((a) => String(a?.grid?.color)),
    series: chart.data.datasets.map((d) => [d.label ?? '', String(d.borderColor)]),
    legend: (chart.legend?.legendItems ?? []).map((i) => ({ text: i.text, pointStyle: String(i.pointStyle), lineDash: i.lineDash ?? [] })),
  };
}

/**
 * Writes what the tooltip shows (title and lines), the plot area and the colours drawn with onto
 * the canvas's data attributes (`data-tooltip`, `data-area`, `data-colors`): all of it is drawn
 * on the canvas, and the e2e checks read it there.
 */
export const tooltipTextPlugin = {
  id: 'kvscopeTooltipText',
  afterDraw(chart: Chart): void {
    const el = chart.canvas;
    const a = chart.chartArea;
    if (a) el.dataset.area = JSON.stringify([a.left, a.top, a.right, a.bottom].map(Math.round));
    el.dataset.colors = JSON.stringify(drawnColors(chart));
    const t = chart.tooltip;
    el.dataset.tooltip = t && t.opacity > 0 && t.dataPoints?.length ? JSON.stringify({ title: t.title, lines: t.body.flatMap((b) => b.lines) }) : '';
  },
};
