/**
 * Capacity at a context from a model's layers: the cache (ideal, or what a paged engine reserves),
 * the largest context and the largest batch that fit. One place, for every variant's row.
 */
import { PLAN_DEFAULTS } from '@/contract/defaults.js';
import { cacheBytesAt, largestContextFor, type CacheCost, type LayerKind, type Paging } from '@/contract/layers.js';

/** The paging assumption a request names, or the default. */
export function pagingOf(p: Paging | undefined): Paging {
  return p ?? { pageTokens: PLAN_DEFAULTS.pageTokens, windowedLayers: PLAN_DEFAULTS.pagedWindows };
}

/** Ideal or paged: the cache at the context, the largest context and the largest batch that fit `free`. */
export function fitOf(layers: LayerKind[], cost: CacheCost, i: { context: number; batch: number }, free: number, paging?: Paging) {
  const cacheBytesAtContext = cacheBytesAt(layers, cost, i.context, i.batch, paging);
  return {
    cacheBytesAtContext,
    largestContext: free <= 0 ? 0 : largestContextFor(layers, cost, i.batch, free, paging),
    largestBatch: free <= 0 ? 0 : Math.floor(free / cacheBytesAt(layers, cost, i.context, 1, paging)),
  };
}
