/**
 * Savings against MHA: the one definition every surface shows (the CLI and HTML tables, the app's
 * table and its savings chart). One direction everywhere: MHA's figure over the variant's, "how
 * many times smaller (or faster) than MHA", so MLA's 57× reads as "57 times less cache".
 */
import type { Point } from '@/contract/schemas.js';

export interface Saving {
  /** MHA's cache bytes / this point's: how many times smaller its cache is. */
  memory: number;
  /** MHA's median step / this point's: how many times faster (under 1: slower); null where either was not measured. */
  speed: number | null;
}

/**
 * The MHA point a point is compared with: same mode, dtype, batch and context (and, for a hybrid
 * model's layer kind, the same tokens held, or in prefill the same window or chunk).
 */
export const mhaKey = (p: Pick<Point, 'mode' | 'dtype' | 'batch' | 'context'> & Partial<Pick<Point, 'layerGroup' | 'cacheTokens' | 'attendWithin'>>): string =>
  `${p.mode}/${p.dtype}/b${p.batch}/t${p.context}` +
  (p.attendWithin ? `/${p.attendWithin.kind}${p.attendWithin.size}` : p.layerGroup && !p.layerGroup.primary ? `/held${p.cacheTokens}` : '');

/** Savings of every point that has an MHA point to compare with (MHA's own points included: 1×). */
export function savingsVsMha(points: readonly Point[]): Map<string, Saving> {
  const mha = new Map(points.filter((p) => p.variant === 'mha').map((p) => [mhaKey(p), p]));
  const out = new Map<string, Saving>();
  for (const p of points) {
    const m = mha.get(mhaKey(p));
    if (!m || !(p.kvBytesPerTokenPerLayer > 0)) continue;
    const timed = (q: Point): number | null => (q.status === 'ok' && q.timing && q.timing.medianMs > 0 ? q.timing.medianMs : null);
    const mine = timed(p);
    const theirs = timed(m);
    out.set(p.id, { memory: m.kvBytesPerTokenPerLayer / p.kvBytesPerTokenPerLayer, speed: mine !== null && theirs !== null ? theirs / mine : null });
  }
  return out;
}
