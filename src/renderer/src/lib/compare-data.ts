/**
 * The compare view's plain data: reports overlaid on the same charts (x = context), one line
 * style per report and one colour per variant, and the per-point ratio table (compareReports).
 * Pure.
 */
import type { Point, Report } from '@/contract/schemas';
import type { ChartModel, SeriesModel } from '@/present/chart-data';
import { reportDash } from '@/present/chart-report';
import { VARIANT_LABELS, type Variant } from '@/present/variants';

export interface CompareItem {
  /** Unique in the set: 'current', 'history:<id>', 'file:<name>'. */
  key: string;
  label: string;
  report: Report;
}

export { REPORT_DASHES, reportDash } from '@/present/chart-report';

/** A short label for a report: model, provider, date and time. */
export function compareLabel(r: Report): string {
  return `${r.model.name} · ${r.provider.name} · ${r.createdAt.slice(0, 16).replace('T', ' ')}`;
}

function overlay(items: readonly CompareItem[], pick: (p: Point) => number | null | undefined): SeriesModel[] {
  const out: SeriesModel[] = [];
  items.forEach((item, i) => {
    const byKey = new Map<string, SeriesModel>();
    const multi = new Set(item.report.points.map((p) => `${p.dtype}/${p.batch}`)).size > 1;
    for (const p of item.report.points) {
      if (p.mode !== 'decode') continue;
      const y = pick(p);
      if (y === null || y === undefined || !Number.isFinite(y)) continue;
      const label = `${VARIANT_LABELS[p.variant as Variant]}${multi ? ` ${p.dtype} b${p.batch}` : ''} · #${i + 1}`;
      let s = byKey.get(label);
      if (!s) byKey.set(label, (s = { label, variant: p.variant as Variant, style: 'line', dash: reportDash(i), data: [] }));
      s.data.push({ x: p.context, y });
    }
    for (const s of byKey.values()) {
      s.data.sort((a, b) => a.x - b.x);
      out.push(s);
    }
  });
  return out;
}

export function compareCharts(items: readonly CompareItem[]): ChartModel[] {
  const ok = (p: Point): boolean => p.status === 'ok';
  return [
    {
      id: 'compare-memory',
      title: 'KV-cache memory vs context (whole model, analytic)',
      yLabel: 'bytes',
      yLog: true,
      format: 'bytes',
      series: overlay(items, (p) => p.modelCacheBytes),
      empty: 'Add two or more reports to compare them.',
    },
    {
      id: 'compare-step',
      title: 'Decode step time vs context (measured, all layers)',
      yLabel: 'ms per token',
      yLog: true,
      format: 'ms',
      series: overlay(items, (p) => (ok(p) ? p.timing?.modelMs : null)),
      empty: 'No measured decode steps in these reports.',
    },
    {
      id: 'compare-tokens',
      title: 'Decode throughput vs context (attention only, measured)',
      yLabel: 'tokens/s',
      yLog: true,
      format: 'number',
      series: overlay(items, (p) => (ok(p) ? p.timing?.tokensPerSecond : null)),
      empty: 'No measured decode steps in these reports.',
    },
  ];
}

/** Formats a ratio cell: "2.00×", or "–" where either report lacks the point. */
export function formatRatio(r: number | null | undefined): string {
  return r === null || r === undefined || !Number.isFinite(r) ? '–' : `${r.toFixed(2)}×`;
}
