/** The chart.js plugins kvscope draws with (the app, its PNGs and the HTML report), and the per-dataset arrays they read. */
import type { ChartDataset, Plugin } from 'chart.js';

export type XYPoint = { x: number; y: number };
/**
 * Per point: the 95% interval [lo, hi] (or null) and whether it is noisy, beside the data. The
 * data objects stay plain {x, y}: extra keys on them made chart.js's redraw of 1,000 points 5x
 * slower (e2e "charts redraw 1,000 points within a frame": 5 -> 30 ms).
 */
export type Uncertainty = { bars?: ([number, number] | null)[]; noisy?: boolean[]; raws?: (number | null)[]; notes?: (string | null)[] };
export type XYDataset = ChartDataset<'line', XYPoint[]> & Uncertainty;

/**
 * Draws each point's 95% interval (lo..hi) as a vertical bar with caps, and a cross over noisy
 * points, in the dataset's colour (drawn here, not as per-point options, which would make
 * chart.js resolve each point's options separately).
 */
export const errorBarsPlugin: Plugin<'line'> = {
  id: 'kvscopeErrorBars',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const y = chart.scales.y;
    if (!y) return;
    chart.data.datasets.forEach((ds, i) => {
      const meta = chart.getDatasetMeta(i);
      const { bars, noisy } = ds as Uncertainty;
      if (meta.hidden || (!bars && !noisy)) return;
      ctx.save();
      ctx.strokeStyle = String(ds.borderColor ?? '#888');
      ctx.lineWidth = 1.2;
      noisy?.forEach((n, j) => {
        const el = meta.data[j];
        if (!n || !el) return;
        ctx.save();
        ctx.strokeStyle = String(ds.borderColor ?? '#888');
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(el.x - 5, el.y - 5);
        ctx.lineTo(el.x + 5, el.y + 5);
        ctx.moveTo(el.x + 5, el.y - 5);
        ctx.lineTo(el.x - 5, el.y + 5);
        ctx.stroke();
        ctx.restore();
      });
      bars?.forEach((bar, j) => {
        const el = meta.data[j];
        if (!el || !bar) return;
        const top = y.getPixelForValue(bar[1]);
        const bottom = y.getPixelForValue(bar[0]);
        if (!Number.isFinite(top) || !Number.isFinite(bottom) || Math.abs(bottom - top) < 2) return;
        ctx.beginPath();
        ctx.moveTo(el.x, top);
        ctx.lineTo(el.x, bottom);
        ctx.moveTo(el.x - 3, top);
        ctx.lineTo(el.x + 3, top);
        ctx.moveTo(el.x - 3, bottom);
        ctx.lineTo(el.x + 3, bottom);
        ctx.stroke();
      });
      ctx.restore();
    });
  },
};

/** Labels "≤ 0" the points drawn at a log axis's floor because what was measured was at or below 0. */
export const floorLabelPlugin: Plugin<'line'> = {
  id: 'kvscopeFloorLabels',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    chart.data.datasets.forEach((ds, i) => {
      const meta = chart.getDatasetMeta(i);
      const { raws } = ds as Uncertainty;
      if (meta.hidden || !raws) return;
      ctx.save();
      ctx.fillStyle = String(ds.borderColor ?? '#888');
      ctx.font = '11px sans-serif';
      ctx.textBaseline = 'bottom';
      raws.forEach((raw, j) => {
        const el = meta.data[j];
        if (raw === null || !el) return;
        ctx.fillText('≤ 0', el.x + 6, el.y - 2);
      });
      ctx.restore();
    });
  },
};

/**
 * New datasets into a live chart. When the series are the same ones (same labels, in order), the
 * existing dataset objects are updated in place: chart.js caches each dataset's resolved options
 * on the object, and fresh objects made every redraw re-resolve them all.
 */
export function setDatasets(chart: { data: { datasets: XYDataset[] } }, next: XYDataset[]): void {
  const cur = chart.data.datasets;
  const same = cur.length === next.length && cur.every((d, i) => d.label === next[i]!.label);
  if (!same) {
    chart.data.datasets = next;
    return;
  }
  cur.forEach((d, i) => {
    const n = next[i]!;
    // Keys the new series lacks (an interval that went away) are cleared, then the rest copied.
    const gone = Object.fromEntries(
      Object.keys(d)
        .filter((k) => !(k in n))
        .map((k) => [k, undefined]),
    );
    Object.assign(d, gone, n);
  });
}
