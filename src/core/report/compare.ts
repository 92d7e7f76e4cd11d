/** Comparing reports: points aligned by variant, mode, dtype, batch and context, with ratios to the first report. */
import type { Point, Report } from '../../contract/schemas.js';

export interface ComparedRow {
  key: string;
  /** Median step (ms) per report, null where that report has no measured point. */
  medians: (number | null)[];
  /** Each report's median / the first report's (null where either is missing). */
  ratios: (number | null)[];
  /** Cache bytes per token per layer per report (analytic). */
  kvBytes: (number | null)[];
}

export const pointKey = (p: Point): string => `${p.mode} ${p.variant} ${p.dtype} b${p.batch} T=${p.context}`;

export function compareReports(reports: Report[]): ComparedRow[] {
  if (reports.length < 2) throw new Error('compare needs at least two reports');
  const keys: string[] = [];
  const maps = reports.map((r) => {
    const m = new Map<string, Point>();
    for (const p of r.points) {
      const k = pointKey(p);
      if (!keys.includes(k)) keys.push(k);
      m.set(k, p);
    }
    return m;
  });
  return keys.map((key) => {
    const pts = maps.map((m) => m.get(key));
    const medians = pts.map((p) => p?.timing?.medianMs ?? null);
    const base = medians[0];
    return {
      key,
      medians,
      ratios: medians.map((m) => (m !== null && base !== null && base !== undefined && base > 0 ? m / base : null)),
      kvBytes: pts.map((p) => p?.kvBytesPerTokenPerLayer ?? null),
    };
  });
}
