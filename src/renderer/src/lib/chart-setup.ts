/** chart.js registration and the mapping from a ChartModel to a chart.js config. */
import {
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  SubTitle,
  Tooltip,
  type ChartConfiguration,
  type Scale,
} from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import type { ChartModel, SeriesModel, ValueFormat } from '@/present/chart-data';
import { axisLimits, fitYAxis, logTicks, powerOfTwoTicks, yAxisType } from '@/present/chart-ticks';
import { seriesVar, THEMES } from '@/present/theme';
import { errorBarsPlugin, floorLabelPlugin, type Uncertainty, type XYDataset, type XYPoint } from './chart-plugins';
export { setDatasets } from './chart-plugins';
import { chartGateClosed, chartsLive } from './chart-gate';
import { ChartParking } from './chart-parking';
import { formatBytes, formatContext, formatMs, formatNumber, formatPercent, formatTokens } from './format';
import { legendLabels, tooltipTextPlugin } from './chart-interaction';

export { errorBarsPlugin, floorLabelPlugin };

Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, SubTitle, Tooltip, Filler, zoomPlugin);

export { Chart };

export interface Palette {
  text: string;
  /** Card background, painted under the chart when it is exported as PNG. */
  surface: string;
  grid: string;
  variants: Record<string, string>;
}

/**
 * The theme's chart colours from its CSS custom properties (the theme tokens, src/present/theme.ts,
 * which the app's stylesheet and the HTML report's both define): text, card, grid and one colour
 * per series. A property that is missing falls back to the tokens of the element's color-scheme.
 */
export function readPalette(el: Element): Palette {
  const cs = getComputedStyle(el);
  const tokens = THEMES[cs.getPropertyValue('color-scheme').trim() === 'dark' ? 'dark' : 'light'];
  const v = (name: string, fallback: string): string => cs.getPropertyValue(name).trim() || fallback;
  const series = Object.fromEntries(Object.entries(tokens.series).map(([k, c]) => [k, v(seriesVar(k as keyof typeof tokens.series), c)]));
  return { text: v('--fg-muted', tokens['fg-muted']), surface: v('--surface', tokens.surface), grid: v('--grid', tokens.grid), variants: series };
}

export function formatValue(v: number, f: ValueFormat): string {
  switch (f) {
    case 'bytes':
      return formatBytes(v);
    case 'ms':
      return formatMs(v);
    case 'percent':
      return formatPercent(v);
    case 'ratio':
      return `${formatNumber(v)}×`;
    default:
      return formatNumber(v);
  }
}

export function toDatasets(model: ChartModel, palette: Palette): XYDataset[] {
  return fitYAxis(model).series.map((s: SeriesModel) => {
    const color = palette.variants[s.variant] ?? palette.text;
    // Dense lines are drawn without markers: a circle per point is most of a redraw's cost.
    const dense = s.data.length > 100 && s.style === 'line';
    return {
      label: s.label,
      // chart.js keeps a reference: hand it a plain copy, never a reactive proxy.
      data: s.data.map((p) => ({ x: p.x, y: p.y })),
      ...(s.data.some((p) => p.lo !== undefined)
        ? { bars: s.data.map((p) => (p.lo !== undefined && p.hi !== undefined ? ([p.lo, p.hi] as [number, number]) : null)) }
        : {}),
      ...(s.data.some((p) => p.noisy) ? { noisy: s.data.map((p) => p.noisy === true) } : {}),
      ...(s.data.some((p) => p.raw !== undefined) ? { raws: s.data.map((p) => p.raw ?? null) } : {}),
      ...(s.data.some((p) => p.note) ? { notes: s.data.map((p) => p.note ?? null) } : {}),
      ...(s.data.some((p) => p.value) ? { values: s.data.map((p) => p.value ?? null) } : {}),
      borderColor: color,
      backgroundColor: color,
      borderWidth: s.style === 'scatter' || s.style === 'marker' ? 0 : 2,
      borderDash: s.dash && s.dash.length ? s.dash : s.style === 'dashed' ? [6, 4] : undefined,
      showLine: s.style === 'line' || s.style === 'dashed',
      // scalar options only: an array here makes chart.js resolve every point's options one by one
      pointRadius: s.style === 'marker' ? 7 : s.style === 'scatter' ? 4 : s.style === 'dashed' || dense ? 0 : 2.5,
      spanGaps: true,
      pointStyle: s.style === 'marker' ? 'triangle' : s.style === 'scatter' ? 'rectRot' : 'circle',
      pointHoverRadius: 6,
      tension: 0,
      parsing: false,
      normalized: true,
    } satisfies XYDataset;
  });
}

/** Datasets kept out of the legend: the single markers (largest fit), explained by their tooltip. */
export function inLegend(ds: { showLine?: boolean; pointStyle?: unknown } | undefined): boolean {
  return !(ds && ds.showLine === false && ds.pointStyle === 'triangle');
}

/** What a new model changes besides the data (call before update()): a log y axis's limits, to span every plotted value, and the note. */
export function applyModelOptions(chart: Chart<'line', XYPoint[]>, model: ChartModel): void {
  const y = chart.options.scales?.y;
  const limits = axisLimits(model);
  if (y && limits) {
    y.min = limits.min;
    y.max = limits.max;
  }
  const subtitle = chart.options.plugins?.subtitle;
  if (subtitle) {
    subtitle.display = !!model.note;
    subtitle.text = model.note ?? '';
  }
}

/** The smallest y drawn and the y axis's limits, for the canvas's data attributes (e2e checks the axis spans the data). */
export function drawnRange(chart: Chart<'line', XYPoint[]>): { minValue: number | null; yMin: number; yMax: number } {
  let minValue: number | null = null;
  for (const ds of chart.data.datasets) for (const p of ds.data) if (Number.isFinite(p.y) && (minValue === null || p.y < minValue)) minValue = p.y;
  const y = chart.scales.y;
  return { minValue, yMin: y?.min ?? NaN, yMax: y?.max ?? NaN };
}

export function chartConfig(model: ChartModel, palette: Palette): ChartConfiguration<'line', XYPoint[]> {
  const limits = axisLimits(model);
  return {
    type: 'line',
    plugins: [errorBarsPlugin, floorLabelPlugin, tooltipTextPlugin],
    data: { datasets: toDatasets(model, palette) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      // Every series at the context nearest the cursor (chart-interaction.ts), matched on the context.
      interaction: { mode: 'context', intersect: false },
      scales: {
        x: {
          type: 'logarithmic',
          title: { display: true, text: 'context (tokens, log2)', color: palette.text },
          grid: { color: palette.grid },
          ticks: { color: palette.text, callback: (v) => formatTokens(Number(v)), autoSkip: false, maxRotation: 0 },
          afterBuildTicks: (scale: Scale) => {
            scale.ticks = powerOfTwoTicks(scale.min, scale.max).map((value) => ({ value }));
          },
        },
        y: {
          type: yAxisType(model),
          ...(limits ? { min: limits.min, max: limits.max } : {}),
          title: { display: true, text: model.yLabel, color: palette.text },
          grid: { color: palette.grid },
          ticks: { color: palette.text, callback: (v) => formatValue(Number(v), model.format) },
          // Log axes: 1-2-5 ticks, each label once (chart.js's own 1..9 ticks repeat rounded labels).
          ...(yAxisType(model) === 'logarithmic'
            ? {
                afterBuildTicks: (scale: Scale) => {
                  scale.ticks = logTicks(scale.min, scale.max, (v) => formatValue(v, model.format), model.format === 'bytes').map((value) => ({ value }));
                },
              }
            : { beginAtZero: true }),
        },
      },
      plugins: {
        subtitle: { display: !!model.note, text: model.note ?? '', position: 'bottom', color: palette.text, font: { size: 11 }, padding: { top: 4 } },
        legend: {
          position: 'bottom',
          labels: {
            color: palette.text,
            boxWidth: 10,
            boxHeight: 8,
            padding: 6,
            font: { size: 11 },
            usePointStyle: true,
            // lines as drawn (dash included), 24 px long so a dash pattern shows
            pointStyleWidth: 24,
            generateLabels: legendLabels,
            filter: (item, data) => inLegend(data.datasets[item.datasetIndex ?? -1] as { showLine?: boolean; pointStyle?: unknown } | undefined),
          },
        },
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? `context ${formatContext(items[0].parsed.x ?? 0)}` : ''),
            label: (item) => {
              const u = item.dataset as Uncertainty;
              const bar = u.bars?.[item.dataIndex];
              const ci = bar ? ` [95% CI ${formatValue(bar[0], model.format)}–${formatValue(bar[1], model.format)}]` : '';
              const raw = u.raws?.[item.dataIndex];
              const value =
                u.values?.[item.dataIndex] ??
                (raw === null || raw === undefined ? formatValue(item.parsed.y ?? 0, model.format) : `≤ 0 (measured ${formatValue(raw, model.format)})`);
              const line = `${item.dataset.label ?? ''}: ${value}${ci}${u.noisy?.[item.dataIndex] ? ' (noisy)' : ''}`;
              const note = u.notes?.[item.dataIndex];
              return note ? [line, note] : line;
            },
          },
        },
        zoom: {
          zoom: { wheel: { enabled: true, modifierKey: 'ctrl' }, pinch: { enabled: true }, drag: { enabled: true, modifierKey: 'shift' }, mode: 'xy' },
          pan: { enabled: true, mode: 'xy' },
        },
      },
    },
  };
}

/**
 * Chart redraws, one per task: when a batch of points lands, each chart redraws in its own
 * macrotask (latest data wins), so the main thread is never held for all charts at once. A chart
 * redraws at most every MIN_REDRAW_MS (a sweep's later rounds update points every ~80 ms: redrawing
 * six charts each time kept the renderer busy enough that the OS stretched a 20 ms redraw past
 * 50 ms on two cores), and a redraw waits while the engine times a point (setChartGate), 2 s at most.
 */
export const MIN_REDRAW_MS = 400;
const MAX_GATE_WAIT_MS = 2000;
const pending = new Map<object, () => void>();
const lastRun = new WeakMap<object, number>();
const waiting = new Map<object, ReturnType<typeof setTimeout>>();
let channel: MessageChannel | null = null;
let posted = false;
let gatedSince: number | null = null;

function runOne(): void {
  posted = false;
  const next = pending.entries().next();
  if (next.done) return;
  const now = performance.now();
  if (chartGateClosed() && (gatedSince === null || now - gatedSince < MAX_GATE_WAIT_MS)) {
    gatedSince ??= now;
    setTimeout(post, 25);
    return;
  }
  gatedSince = null;
  const [key, fn] = next.value;
  pending.delete(key);
  lastRun.set(key, now);
  fn();
  if (pending.size > 0) post();
}

function post(): void {
  if (posted) return;
  posted = true;
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = runOne;
  }
  channel.port2.postMessage(null);
}

const parking = new ChartParking();

/** Drops a chart's work that waits to run (its slot, or the queue). */
function unschedule(key: object): void {
  pending.delete(key);
  clearTimeout(waiting.get(key));
  waiting.delete(key);
}

export function scheduleChartWork(key: object, fn: () => void): void {
  // Out of view while a sweep runs: the latest work waits for the chart to be seen (or the end).
  if (parking.park(key, fn, chartsLive())) {
    unschedule(key);
    return;
  }
  const since = performance.now() - (lastRun.get(key) ?? -Infinity);
  if (since >= MIN_REDRAW_MS || pending.has(key)) {
    pending.set(key, fn);
    post();
    return;
  }
  // Redrawn moments ago: the latest work is scheduled again when its slot opens (parked then if
  // the chart has left the view meanwhile).
  clearTimeout(waiting.get(key));
  waiting.set(
    key,
    setTimeout(() => {
      waiting.delete(key);
      scheduleChartWork(key, fn);
    }, MIN_REDRAW_MS - since),
  );
}

/** A chart came into view or left it (ChartCard's IntersectionObserver): parked work runs when it is seen. */
export function setChartVisible(key: object, visible: boolean): void {
  const fn = parking.setVisible(key, visible);
  if (fn) scheduleChartWork(key, fn);
}

/** The sweep ended: every parked chart redraws (one per task, like any other work). */
export function releaseParkedCharts(): void {
  for (const [key, fn] of parking.releaseAll()) scheduleChartWork(key, fn);
}

export function cancelChartWork(key: object): void {
  parking.drop(key);
  unschedule(key);
}

/** The chart as a PNG data URL on the card's background (the canvas itself is transparent). */
export function chartPng(canvas: HTMLCanvasElement, background: string): string {
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const ctx = out.getContext('2d');
  if (!ctx) return canvas.toDataURL('image/png');
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(canvas, 0, 0);
  return out.toDataURL('image/png');
}
