/**
 * A chart's "show as table" alternative: its series values as rows (one per context) and columns
 * (one per series), formatted as the tooltip formats them. Pure.
 */
import type { ChartModel } from '@/present/chart-data';
import { formatContext } from '@/present/format';

export interface ChartTable {
  /** "Context", then each series's label. */
  head: string[];
  /** Per row: the context, then each series's value there ("–": none). */
  rows: { context: number; cells: string[] }[];
}

export function chartTable(model: ChartModel, format: (v: number) => string): ChartTable {
  const contexts = [...new Set(model.series.flatMap((s) => s.data.map((p) => p.x)))].sort((a, b) => a - b);
  const byX = model.series.map((s) => new Map(s.data.map((p) => [p.x, p])));
  return {
    head: ['Context', ...model.series.map((s) => s.label)],
    rows: contexts.map((x) => ({
      context: x,
      cells: [
        formatContext(x),
        ...byX.map((m) => {
          const p = m.get(x);
          if (!p) return '–';
          if (p.value) return p.value;
          if (p.raw !== undefined) return `≤ 0 (measured ${format(p.raw)})`;
          const ci = p.lo !== undefined && p.hi !== undefined ? ` [95% CI ${format(p.lo)}–${format(p.hi)}]` : '';
          return `${format(p.y)}${ci}${p.noisy ? ' (noisy)' : ''}`;
        }),
      ],
    })),
  };
}
