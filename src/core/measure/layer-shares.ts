/**
 * Hybrid models in a sweep: which layers a decode point stands for, and the whole model's step
 * as the sum over its layer kinds. Each attention kind is measured at the tokens it holds at the
 * context (a sliding layer its window, a chunked layer its chunk), so beyond a window that layer's
 * step stops growing; stateful layers (linear attention) hold no per-token cache and are not timed.
 * Pure.
 */
import { describeLayerKind, isHybrid, layerGroups, tokensHeld, type LayerKind } from '@/contract/layers.js';
import type { Point } from '@/contract/schemas.js';

export interface LayerShare {
  /** Tokens each of these layers holds at the context. */
  held: number;
  layers: number;
  /** The kinds in words, e.g. "21 sliding (window 4096)". */
  kind: string;
}

/**
 * The attention layers grouped by the tokens each holds at a context, the largest first (the
 * primary point measures that one), and the stateful layers' count; null where every layer is
 * alike (one kind: the point stands for all of them, as before layer kinds).
 */
export function layerShares(layers: readonly LayerKind[], context: number): { shares: LayerShare[]; stateful: number } | null {
  if (!isHybrid(layers)) return null;
  const groups = layerGroups(layers);
  let stateful = 0;
  const byHeld = new Map<number, { layers: number; kinds: string[] }>();
  for (const { layer, indices } of groups) {
    if (layer.kind === 'stateful') {
      stateful += indices.length;
      continue;
    }
    const held = tokensHeld(layer, context);
    const s = byHeld.get(held) ?? { layers: 0, kinds: [] };
    s.layers += indices.length;
    s.kinds.push(`${indices.length} ${describeLayerKind(layer)}`);
    byHeld.set(held, s);
  }
  if (byHeld.size === 0) return null;
  const shares = [...byHeld.entries()].sort((a, b) => b[0] - a[0]).map(([held, s]) => ({ held, layers: s.layers, kind: s.kinds.join(' + ') }));
  return { shares, stateful };
}

/** The id of the primary point a layer-kind point belongs to. */
export const primaryId = (id: string): string => id.replace(/\/held\d+$/, '');

const ms = (x: number): string => `${x.toPrecision(3)} ms`;
/** A share's kinds as a factor: "(12 sliding (window 128) + 12 global)" where it has several. */
const kinds = (k: string): string => (k.includes(' + ') ? `(${k})` : k);

/**
 * The whole model's step of every primary point of a hybrid model: the sum over its layer kinds
 * of layers x that kind's per-layer step. A kind not measured (yet, or at all) counts at the
 * primary's per-layer step, an upper bound (it holds fewer tokens), and the text says so. Returns
 * the points that changed, by index.
 */
export function combineLayerShares(points: readonly Point[], statefulLayers: number): Map<number, Point> {
  const members = new Map<string, Point[]>();
  for (const p of points) if (p.layerGroup && !p.layerGroup.primary) members.set(primaryId(p.id), [...(members.get(primaryId(p.id)) ?? []), p]);
  const out = new Map<number, Point>();
  points.forEach((p, i) => {
    if (!p.layerGroup?.primary || !p.timing) return;
    const own = p.timing.perLayerMs;
    const parts = [`${kinds(p.layerGroup.kind)} × ${ms(own)}`];
    let total = p.layerGroup.layers * own;
    for (const m of members.get(p.id) ?? []) {
      const g = m.layerGroup!;
      const measured = m.status === 'ok' && m.timing ? m.timing.perLayerMs : null;
      total += g.layers * (measured ?? own);
      parts.push(
        measured === null ? `${kinds(g.kind)} × ${ms(own)} (not measured: the full cache's step, an upper bound)` : `${kinds(g.kind)} × ${ms(measured)}`,
      );
    }
    const modelFrom =
      `sum over layer kinds: ${parts.join(' + ')}` + (statefulLayers > 0 ? `; ${statefulLayers} stateful layers not timed (no per-token cache)` : '');
    const tokensPerSecond = p.mode === 'decode' && total > 0 ? p.batch / (total / 1000) : null;
    if (p.timing.modelMs === total && p.timing.modelFrom === modelFrom && p.timing.tokensPerSecond === tokensPerSecond) return;
    out.set(i, { ...p, timing: { ...p.timing, modelMs: total, modelFrom, tokensPerSecond } });
  });
  return out;
}
