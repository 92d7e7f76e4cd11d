/**
 * Per-layer attention and the one definition of a model's KV cache at a context: the exact sum
 * over its layers (global layers hold every token, sliding layers their window, chunked layers
 * the chunk in progress, stateful layers a fixed state per sequence). The CLI, the app's planner
 * and chart, `kvscope plan --json` and the sweep's analytic memory all call `cacheBytesAt`.
 * Pure: no Node imports (the renderer uses it).
 */
import type { AttendWithinSchema, LayerKindSchema, PagingSchema } from './layers-schema.js';
import type { z } from 'zod';

/** What one layer caches (LayerKindSchema in layers-schema.ts). */
export type LayerKind = z.infer<typeof LayerKindSchema>;
/** Which keys a windowed layer's prefill attends (AttendWithinSchema). */
export type AttendWithin = z.infer<typeof AttendWithinSchema>;
/** How a paged serving engine reserves the cache (PagingSchema). */
export type Paging = z.infer<typeof PagingSchema>;

/** The bytes one layer's cache costs. */
export interface CacheCost {
  /** Bytes per cached token of one attention layer (K and V, or the MLA latent). */
  perTokenPerLayer: number;
  /** Bytes per element of the cache dtype (a stateful layer's state is held in it). */
  bytesPerElement: number;
}

const pages = (t: number, p: number): number => Math.ceil(t / p);

/**
 * Tokens one layer holds at a context: global T, sliding min(T, W), chunked min(T, C) (the
 * largest it gets on the way to T: a chunk fills up to C before it resets), stateful 0. Paged:
 * whole pages; a window spans ceil(W / P) + 1 pages (it rarely starts on a page boundary), a
 * chunk starts on a multiple of C and spans ceil(C / P) pages (one more where P does not divide C).
 */
export function tokensHeld(layer: LayerKind, context: number, paging?: Paging): number {
  if (layer.kind === 'stateful') return 0;
  if (!paging) {
    if (layer.kind === 'global') return context;
    return Math.min(context, layer.kind === 'sliding' ? layer.window : layer.chunk);
  }
  const P = paging.pageTokens;
  const all = pages(context, P);
  if (layer.kind === 'global' || paging.windowedLayers === 'full') return all * P;
  if (layer.kind === 'sliding') return Math.min(all, pages(layer.window, P) + 1) * P;
  return Math.min(all, pages(layer.chunk, P) + (layer.chunk % P === 0 ? 0 : 1)) * P;
}

const GROUPS = new WeakMap<readonly LayerKind[], { layer: LayerKind; indices: number[] }[]>();

/** Layers grouped by what they cache, in first-seen order, with their indices (memoised per list: a model can have 2^20 layers). */
export function layerGroups(layers: readonly LayerKind[]): { layer: LayerKind; indices: number[] }[] {
  const known = GROUPS.get(layers);
  if (known) return known;
  const groups = new Map<string, { layer: LayerKind; indices: number[] }>();
  layers.forEach((layer, i) => {
    const key = JSON.stringify(layer);
    const g = groups.get(key);
    if (g) g.indices.push(i);
    else groups.set(key, { layer, indices: [i] });
  });
  const out = [...groups.values()];
  GROUPS.set(layers, out);
  return out;
}

/** Tokens the largest layer holds at a context (the context unless every layer is windowed). */
export function maxTokensHeld(layers: readonly LayerKind[], context: number): number {
  return layerGroups(layers).reduce((m, g) => Math.max(m, tokensHeld(g.layer, context)), 0);
}

/** Whether a model's layers do not all cache alike (a hybrid model: its sweeps measure each kind). */
export function isHybrid(layers: readonly LayerKind[]): boolean {
  return layerGroups(layers).length > 1;
}

/**
 * The model's KV cache at a context, for `batch` sequences: the exact sum over its layers of
 * bytes per token x tokens held, plus each stateful layer's state. Ideal (window-capped) without
 * `paging`; what a paged engine reserves with it.
 */
export function cacheBytesAt(layers: readonly LayerKind[], cost: CacheCost, context: number, batch: number, paging?: Paging): number {
  let perSequence = 0;
  for (const { layer, indices } of layerGroups(layers)) {
    const one = layer.kind === 'stateful' ? layer.stateElements * cost.bytesPerElement : cost.perTokenPerLayer * tokensHeld(layer, context, paging);
    perSequence += one * indices.length;
  }
  return perSequence * batch;
}

/** Layer-tokens held at a context (sum over attention layers of the tokens each holds): what a decode step reads, in units of one layer's token. */
export function layerTokensAt(layers: readonly LayerKind[], context: number): number {
  return layerGroups(layers).reduce((s, g) => s + tokensHeld(g.layer, context) * g.indices.length, 0);
}

/** Whether the cache stops growing with the context (no layer holds every token). */
export function cacheIsCapped(layers: readonly LayerKind[], paging?: Paging): boolean {
  return layerGroups(layers).every(({ layer: l }) => l.kind === 'stateful' || (l.kind !== 'global' && paging?.windowedLayers !== 'full'));
}

/**
 * The largest context whose cache for `batch` sequences fits `freeBytes` (exact: the cache is a
 * non-decreasing step function of the context); null where the cache is capped and its cap fits.
 */
export function largestContextFor(layers: readonly LayerKind[], cost: CacheCost, batch: number, freeBytes: number, paging?: Paging): number | null {
  if (!(freeBytes > 0)) return 0;
  const at = (t: number): number => cacheBytesAt(layers, cost, t, batch, paging);
  if (at(1) > freeBytes) return 0;
  if (cacheIsCapped(layers, paging)) {
    const cap = layerGroups(layers).reduce((m, { layer: l }) => Math.max(m, l.kind === 'sliding' ? l.window : l.kind === 'chunked' ? l.chunk : 1), 1);
    // beyond twice the cap (and a page) every layer has saturated
    if (at(2 * cap + 2 * (paging?.pageTokens ?? 0)) <= freeBytes) return null;
  }
  let lo = 1;
  let hi = 2;
  while (at(hi) <= freeBytes && hi < 2 ** 53) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid) <= freeBytes) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** 2 -> "2nd", 3 -> "3rd", 6 -> "6th", 21 -> "21st". */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

/** Layer indices in words: "layers 1, 3 … 41 (every 2nd)", or the first six and the last where they follow no step. */
export function describeIndices(idx: readonly number[]): string {
  if (idx.length <= 4) return `layer${idx.length === 1 ? '' : 's'} ${idx.join(', ')}`;
  const step = idx[1]! - idx[0]!;
  const arithmetic = idx.every((v, i) => i === 0 || v - idx[i - 1]! === step);
  if (arithmetic) return `layers ${idx[0]}, ${idx[1]} … ${idx[idx.length - 1]}${step > 1 ? ` (every ${ordinal(step)})` : ''}`;
  return `layers ${idx.slice(0, 6).join(', ')} … ${idx[idx.length - 1]}`;
}

/** One layer's kind in words, e.g. "sliding (window 4096)". */
export function describeLayerKind(l: LayerKind): string {
  if (l.kind === 'sliding') return `sliding (window ${l.window})`;
  if (l.kind === 'chunked') return `chunked (chunk ${l.chunk}, resets)`;
  if (l.kind === 'stateful') return `stateful (${l.stateElements} state elements per sequence)`;
  return 'global';
}

/** The layers in words: "21 sliding (window 4096): layers 0, 2 … 40 (every 2nd); 21 global: layers 1, 3 … 41 (every 2nd)". */
export function describeLayers(layers: readonly LayerKind[]): string {
  return layerGroups(layers)
    .map((g) => `${g.indices.length} ${describeLayerKind(g.layer)}: ${describeIndices(g.indices)}`)
    .join('; ');
}

/** A model summary's layers: its own list, or (reports written before layer kinds) every layer global or behind the one sliding window. */
export function layersOf(m: { numLayers: number; slidingWindow: number | null; layerKinds?: LayerKind[] | undefined }): LayerKind[] {
  if (m.layerKinds && m.layerKinds.length === m.numLayers) return m.layerKinds;
  const one: LayerKind = m.slidingWindow ? { kind: 'sliding', window: m.slidingWindow } : { kind: 'global' };
  return Array.from({ length: m.numLayers }, () => one);
}

/** What the ideal figure is, in words. */
export const IDEAL_NOTE =
  'ideal: the exact sum over layers (global layers every token, sliding and chunked layers at most their window or chunk, stateful layers their fixed state)';

/** The paging assumption in words. */
export function describePaging(p: Paging): string {
  return (
    `paged: ${p.pageTokens}-token pages; ` +
    (p.windowedLayers === 'window'
      ? 'windowed and chunked layers keep only the pages their window spans (plus one: a window rarely starts on a page boundary)'
      : 'windowed and chunked layers get pages for the full context, like global layers (an engine without a hybrid allocator)')
  );
}
