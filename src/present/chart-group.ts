/** Points grouped into chart series: one per variant (and per dtype or batch where a sweep has several), sorted by context. Pure. */
import type { SeriesModel, XY } from './chart-data.js';
import { ALL_VARIANTS, VARIANT_LABELS, type Variant } from './variants.js';

const ORDER: readonly Variant[] = ALL_VARIANTS;

export interface Keyed {
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
export function group<T extends Keyed>(
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
