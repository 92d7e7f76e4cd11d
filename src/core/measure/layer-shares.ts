/**
 * Hybrid models in a sweep: which layers a point stands for, and the whole model's step as the
 * sum over its layer kinds. Decode: each attention kind is measured at the tokens it holds at the
 * context (a sliding layer its window, a chunked layer its chunk), so beyond a window that layer's
 * step stops growing. Prefill: each kind's prompt is the whole context, but a sliding layer's
 * queries attend only their window and a chunked layer's only their own chunk, so its cost grows
 * like T (W + Bq), not T^2. Stateful layers (linear attention) hold no per-token cache and are not
 * timed. Pure.
 */
import { describeLayerKind, isHybrid, layerGroups, tokensHeld, type AttendWithin, type LayerKind } from '@/contract/layers.js';
import type { Point } from '@/contract/schemas.js';
import { splitRounds, weightedMedianSumCi } from './stats.js';

export interface LayerShare {
  /** Tokens each of these layers holds at the context. */
  held: number;
  layers: number;
  /** The kinds in words, e.g. "21 sliding (window 4096)". */
  kind: string;
  /** Prefill: the window or chunk these layers' queries attend within (absent: every key up to each query). */
  within?: AttendWithin;
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

/**
 * Prefill's shares: the attention layers grouped by which keys their queries attend at a prompt
 * of `context` tokens, the layers attending every key first (the primary point), then each window
 * or chunk shorter than the prompt, the widest first; a window or chunk as long as the prompt
 * attends every key. Null where every layer is alike.
 */
export function prefillShares(layers: readonly LayerKind[], context: number): { shares: LayerShare[]; stateful: number } | null {
  if (!isHybrid(layers)) return null;
  let stateful = 0;
  const byKeys = new Map<string, { layers: number; kinds: string[]; within?: AttendWithin }>();
  for (const { layer, indices } of layerGroups(layers)) {
    if (layer.kind === 'stateful') {
      stateful += indices.length;
      continue;
    }
    const size = layer.kind === 'sliding' ? layer.window : layer.kind === 'chunked' ? layer.chunk : Infinity;
    const within: AttendWithin | undefined = size < context ? { kind: layer.kind === 'sliding' ? 'sliding' : 'chunked', size } : undefined;
    const key = within ? `${within.kind}${within.size}` : 'all';
    const s = byKeys.get(key) ?? { layers: 0, kinds: [], ...(within ? { within } : {}) };
    s.layers += indices.length;
    s.kinds.push(`${indices.length} ${describeLayerKind(layer)}`);
    byKeys.set(key, s);
  }
  if (byKeys.size === 0) return null;
  const span = (w?: AttendWithin): number => w?.size ?? Infinity;
  const shares = [...byKeys.values()]
    .sort((a, b) => span(b.within) - span(a.within) || (a.within?.kind ?? '').localeCompare(b.within?.kind ?? ''))
    .map((s) => ({ held: context, layers: s.layers, kind: s.kinds.join(' + '), ...(s.within ? { within: s.within } : {}) }));
  return { shares, stateful };
}

/** A layer-kind point's id suffix: /held<N> (decode: the tokens it holds), /window<W> or /chunk<C> (prefill within a window or chunk). */
export function shareSuffix(share: LayerShare): string {
  if (share.within) return `/${share.within.kind === 'sliding' ? 'window' : 'chunk'}${share.within.size}`;
  return `/held${share.held}`;
}

/** The id of the primary point a layer-kind point belongs to. */
export const primaryId = (id: string): string => id.replace(/\/(held|window|chunk)\d+$/, '');

const ms = (x: number): string => `${x.toPrecision(3)} ms`;
/** A share's kinds as a factor: "(12 sliding (window 128) + 12 global)" where it has several. */
const kinds = (k: string): string => (k.includes(' + ') ? `(${k})` : k);

/** A point's kept samples in their rounds, scaled to one layer (null where the report kept none). */
function perLayerRounds(p: Point): number[][] | null {
  const t = p.timing;
  if (!t?.samplesMs || t.samplesMs.length === 0 || !(t.medianMs > 0)) return null;
  const toLayer = t.perLayerMs / t.medianMs; // 1 / the graph's layers
  return splitRounds(
    t.samplesMs,
    t.rounds?.map((r) => r.kept),
  ).map((r) => r.map((x) => x * toLayer));
}

/** Seeds the bootstrap by the point's id, so a report's interval is the same every time it is recomputed. */
function seedOf(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The whole model's step of every primary point of a hybrid model: the sum over its layer kinds
 * of layers x that kind's per-layer step, and its 95% interval (a seeded bootstrap over each
 * kind's kept samples, resampled on its own: the kinds are timed apart, weightedMedianSumCi). A
 * kind not measured (yet, or at all) counts at the primary's per-layer step, an upper bound (it
 * holds fewer tokens), its samples the primary's, and the text says so. Returns the points that
 * changed, by index.
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
    const ownRounds = perLayerRounds(p);
    const weights = new Map<Point, number>([[p, p.layerGroup.layers]]);
    for (const m of members.get(p.id) ?? []) {
      const g = m.layerGroup!;
      const measured = m.status === 'ok' && m.timing ? m.timing.perLayerMs : null;
      total += g.layers * (measured ?? own);
      const by = measured === null ? p : m;
      weights.set(by, (weights.get(by) ?? 0) + g.layers);
      parts.push(
        measured === null
          ? `${kinds(g.kind)} × ${ms(own)} (not measured: ${p.mode === 'decode' ? "the full cache's step" : 'the step attending every key'}, an upper bound)`
          : `${kinds(g.kind)} × ${ms(measured)}`,
      );
    }
    const modelFrom =
      `sum over layer kinds: ${parts.join(' + ')}` + (statefulLayers > 0 ? `; ${statefulLayers} stateful layers not timed (no per-token cache)` : '');
    const tokensPerSecond = p.mode === 'decode' && total > 0 ? p.batch / (total / 1000) : null;
    if (p.timing.modelMs === total && p.timing.modelFrom === modelFrom && p.timing.tokensPerSecond === tokensPerSecond && p.timing.modelCi95Ms !== undefined)
      return;
    const rounds = [...weights.keys()].map((q) => (q === p ? ownRounds : perLayerRounds(q)));
    const boot = rounds.every((r) => r !== null)
      ? weightedMedianSumCi(
          [...weights.values()].map((weight, k) => ({ weight, rounds: rounds[k]! })),
          { seed: seedOf(p.id) },
        )
      : null;
    // The bootstrap resamples the kept samples (the last 1,000, rounded to 0.1 µs) while the total
    // sums medians over every run: where the two differ slightly the interval is widened to hold
    // the figure it belongs to, never narrowed.
    const modelCi95Ms: [number, number] | null = boot ? [Math.min(boot[0], total), Math.max(boot[1], total)] : null;
    out.set(i, { ...p, timing: { ...p.timing, modelMs: total, modelFrom, tokensPerSecond, modelCi95Ms } });
  });
  return out;
}
