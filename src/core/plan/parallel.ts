/**
 * Multi-GPU placement (pure, analytic): how tensor (TP), pipeline (PP), data (DP, or DP
 * attention) and decode context parallelism (DCP) split a model's weights and its KV cache, per
 * attention variant, and what fits on each GPU. Works on per-layer byte figures, so any layer
 * kind (global, windowed, stateful) places the same way. The decode estimate is in
 * ./parallel-estimate.ts.
 *
 * Rules (vLLM / SGLang placement):
 * - TP: K/V heads split over tp / dcp ranks up to n_kv, then each head is replicated; MQA's one
 *   head is on every rank; the MLA latent has no heads, so every TP rank holds all of it.
 * - DCP (divides tp): a sequence's cached tokens split over dcp ranks of the TP group.
 * - PP: layers split into stages (the first L mod pp stages one more); a stage holds its
 *   layers' weights and cache.
 * - DP: sequences split over dp ranks; plain DP replicates the model, DP attention shares it
 *   (attention weights on every rank, the other weights over tp x dp).
 */
import type { PerGpuAnswer, PerGpuVariant } from '@/contract/parallel-api.js';
import { SpecError } from '../model/spec.js';

export interface ParallelLayout {
  tp: number;
  pp: number;
  dp: number;
  dcp: number;
  dpAttention: boolean;
  gpuCount: number;
  gpuMemoryBytes: number;
}

/** One layer's cache for one variant, whole (all heads) as on one GPU. */
export interface LayerCache {
  bytesPerToken: number;
  /** Most tokens the layer keeps (a window or chunk); null = the whole context. */
  maxTokens: number | null;
  /** Fixed bytes per sequence (a stateful layer). */
  stateBytes?: number;
}

/** How a variant's cache splits under TP: by K/V head, or one latent with no heads. */
export type CacheSplit = { kind: 'heads'; numKvHeads: number } | { kind: 'latent' };

export interface VariantLayers {
  variant: string;
  isModel: boolean;
  shape: string;
  split: CacheSplit;
  /** One entry per layer of the model. */
  layers: LayerCache[];
}

export interface ParallelModel {
  numHeads: number;
  hiddenSize: number;
  weightsBytes: number;
  activeWeightBytes: number;
  /** The attention weights (all layers): on every DP rank under DP attention. */
  attentionWeightBytes: number;
}

/** Layers per pipeline stage: as even as possible, the first L mod pp stages one more. */
export function stageLayers(layers: number, pp: number): number[] {
  const base = Math.floor(layers / pp);
  return Array.from({ length: pp }, (_, s) => base + (s < layers % pp ? 1 : 0));
}

export interface HeadShare {
  /** K/V heads per GPU; null for a latent. */
  kvHeadsPerGpu: number | null;
  /** Copies of each cached element across the TP group. */
  copies: number;
  /** Share of a layer's per-token bytes on one GPU, before the DCP token split. */
  share: number;
  rule: string;
}

/** How one variant's cache is placed on a TP x DCP group; a SpecError (field tp) where its heads do not split evenly. */
export function headShare(split: CacheSplit, l: Pick<ParallelLayout, 'tp' | 'dcp' | 'dp' | 'dpAttention'>): HeadShare {
  const g = l.tp / l.dcp;
  const tokens = l.dcp > 1 ? `; tokens split over ${l.dcp} DCP ranks` : '';
  const over = l.dcp > 1 ? `TP/DCP = ${g} ranks` : `${g} TP ranks`;
  const one = l.dcp > 1 ? 'TP/DCP = 1' : 'no TP split';
  const each = g === 1 ? `on each GPU (${one})` : `on each of ${over}, replicated`;
  if (split.kind === 'latent') {
    const dp = l.dpAttention && l.dp > 1 ? `; sequences split over ${l.dp} DP-attention ranks` : '';
    return { kvHeadsPerGpu: null, copies: g, share: 1, rule: `MLA latent (no heads): whole ${each}${dp}${tokens}` };
  }
  const n = split.numKvHeads;
  if (n === 1) return { kvHeadsPerGpu: 1, copies: g, share: 1, rule: `one K/V head (MQA): ${each}${tokens}` };
  if (g === 1) return { kvHeadsPerGpu: n, copies: 1, share: 1, rule: `all ${n} K/V heads on each GPU (${one})${tokens}` };
  if (g <= n) {
    if (n % g !== 0) throw new SpecError(`${over} cannot split ${n} K/V heads evenly: give a TP/DCP that divides ${n} or is a multiple of it`, 'tp');
    return { kvHeadsPerGpu: n / g, copies: 1, share: 1 / g, rule: `${n} K/V heads split over ${over}: ${n / g} per GPU${tokens}` };
  }
  if (g % n !== 0) throw new SpecError(`${over} cannot hold ${n} K/V heads evenly: give a TP/DCP that is a multiple of ${n}`, 'tp');
  return {
    kvHeadsPerGpu: 1,
    copies: g / n,
    share: 1 / n,
    rule: `${n} K/V heads over ${over}: 1 per GPU, each replicated on ${g / n} GPUs (split only up to n_kv)${tokens}`,
  };
}

/** Checks a layout against the model; a SpecError naming the field (tp, pp, dp, dcp, gpus) and what to change. */
export function checkLayout(l: ParallelLayout, numHeads: number, numLayers: number): void {
  if (l.tp * l.pp * l.dp !== l.gpuCount)
    throw new SpecError(
      `${l.gpuCount} GPUs do not match TP ${l.tp} x PP ${l.pp} x DP ${l.dp} = ${l.tp * l.pp * l.dp}: the layout must use every GPU exactly once`,
      'gpus',
    );
  if (numHeads % l.tp !== 0) {
    const divisors = Array.from({ length: numHeads }, (_, i) => i + 1).filter((d) => numHeads % d === 0);
    throw new SpecError(`TP ${l.tp} does not divide the ${numHeads} query heads: each rank holds whole heads; choose one of ${divisors.join(', ')}`, 'tp');
  }
  if (l.pp > numLayers) throw new SpecError(`PP ${l.pp} is more stages than the model's ${numLayers} layers: each stage needs at least one layer`, 'pp');
  if (l.tp % l.dcp !== 0) throw new SpecError(`DCP ${l.dcp} does not divide TP ${l.tp}: decode context parallelism splits tokens within the TP group`, 'dcp');
  if (l.dpAttention && l.dp < 2) throw new SpecError('DP attention needs DP 2 or more (the ranks that split the sequences)', 'dp');
}

/** Weights on one GPU of a stage holding `n` of `layers` layers (embeddings counted with the layers). */
export function stageWeightBytes(m: ParallelModel, l: ParallelLayout, n: number, layers: number): number {
  const f = n / layers;
  if (!l.dpAttention) return (m.weightsBytes * f) / l.tp;
  return (m.attentionWeightBytes * f) / l.tp + ((m.weightsBytes - m.attentionWeightBytes) * f) / (l.tp * l.dp);
}

/** Cache bytes one GPU holds for one sequence over `layers` at `context` tokens. */
export function gpuCacheBytes(layers: readonly LayerCache[], share: number, dcp: number, context: number): number {
  let sum = 0;
  for (const c of layers) {
    const tokens = Math.ceil(Math.min(context, c.maxTokens ?? context) / dcp);
    sum += (c.bytesPerToken * tokens + (c.stateBytes ?? 0)) * share;
  }
  return sum;
}

/** Largest context whose cache for `seqs` sequences fits in `free` (null: any, every layer capped). */
function largestContext(layers: readonly LayerCache[], share: number, dcp: number, seqs: number, free: number): number | null {
  const at = (t: number) => gpuCacheBytes(layers, share, dcp, t) * seqs;
  if (free <= 0 || at(1) > free) return 0;
  if (at(Number.MAX_SAFE_INTEGER) <= free) return null;
  let lo = 1;
  let hi = 2;
  while (at(hi) <= free) [lo, hi] = [hi, hi * 2];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid) <= free) lo = mid;
    else hi = mid;
  }
  return lo;
}

export interface ParallelInput {
  layout: ParallelLayout;
  model: ParallelModel;
  variants: VariantLayers[];
  context: number;
  batch: number;
}

/** Per-GPU figures without the decode estimate (./parallel-estimate.ts adds it). */
export type PerGpuFigures = Omit<PerGpuAnswer, 'estimate'> & { stageOf: number[]; shares: Record<string, HeadShare> };

/** The per-GPU answer: a layout's placement of the weights and every variant's cache, and what fits. */
export function planParallel(i: ParallelInput): PerGpuFigures {
  const { layout: l, model: m } = i;
  const own = i.variants.find((v) => v.isModel) ?? i.variants[0]!;
  const L = own.layers.length;
  checkLayout(l, m.numHeads, L);
  const sizes = stageLayers(L, l.pp);
  const stageOf = sizes.flatMap((n, s) => Array<number>(n).fill(s));
  const slice = (v: VariantLayers, s: number) => v.layers.filter((_, k) => stageOf[k] === s);
  const seqs = Math.ceil(i.batch / l.dp);
  const weights = sizes.map((n) => stageWeightBytes(m, l, n, L));
  const free = weights.map((w) => l.gpuMemoryBytes - w);
  const shares: Record<string, HeadShare> = { [own.variant]: headShare(own.split, l) }; // the model's own: errors propagate
  // The stage that binds first: the most weights + cache of the model's own variant at the context.
  const load = sizes.map((_, s) => weights[s]! + gpuCacheBytes(slice(own, s), shares[own.variant]!.share, l.dcp, i.context) * seqs);
  const stage = load.indexOf(Math.max(...load));
  const variants: PerGpuVariant[] = [];
  const skipped: PerGpuAnswer['skipped'] = [];
  for (const v of i.variants) {
    let sh: HeadShare;
    try {
      sh = shares[v.variant] ?? headShare(v.split, l);
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      skipped.push({ variant: v.variant, reason: e.message });
      continue;
    }
    shares[v.variant] = sh;
    const perSeq = sizes.map((_, s) => gpuCacheBytes(slice(v, s), sh.share, l.dcp, i.context));
    const contexts = sizes.map((_, s) => largestContext(slice(v, s), sh.share, l.dcp, seqs, free[s]!));
    const finite = contexts.filter((c): c is number => c !== null);
    const batches = sizes.map((_, s) => (free[s]! <= 0 ? 0 : perSeq[s]! > 0 ? Math.floor(free[s]! / perSeq[s]!) : Number.MAX_SAFE_INTEGER));
    variants.push({
      variant: v.variant,
      isModel: v.isModel,
      shape: v.shape,
      rule: sh.rule,
      kvHeadsPerGpu: sh.kvHeadsPerGpu,
      copies: sh.copies,
      kvBytesPerToken: (slice(v, stage).reduce((a, c) => a + c.bytesPerToken, 0) * sh.share) / l.dcp,
      modelKvBytesPerToken: v.layers.reduce((a, c) => a + c.bytesPerToken, 0),
      cacheBytesAtContext: perSeq[stage]! * seqs,
      fits: sizes.every((_, k) => free[k]! > 0 && perSeq[k]! * seqs <= free[k]!),
      largestContext: finite.length ? Math.min(...finite) : null,
      largestBatch: Math.min(Math.min(...batches) * l.dp, Number.MAX_SAFE_INTEGER),
    });
  }
  return {
    analytic: true,
    tp: l.tp,
    pp: l.pp,
    dp: l.dp,
    dcp: l.dcp,
    dpAttention: l.dpAttention,
    gpus: l.gpuCount,
    gpuMemoryBytes: l.gpuMemoryBytes,
    stageLayers: sizes,
    stage,
    sequencesPerGpu: seqs,
    weightsBytes: weights[stage]!,
    freeForCacheBytes: Math.max(0, free[stage]!),
    fitsAtAll: free.every((f) => f > 0),
    rules: layoutRules(l, sizes, stage, seqs, i.batch),
    variants,
    skipped,
    stageOf,
    shares,
  };
}

/** The layout's rules in words (weights, layers, sequences). */
function layoutRules(l: ParallelLayout, sizes: number[], stage: number, seqs: number, batch: number): string[] {
  const out = [`${l.gpuCount} GPU${l.gpuCount === 1 ? '' : 's'} = TP ${l.tp} x PP ${l.pp} x DP ${l.dp}${l.dcp > 1 ? ` (DCP ${l.dcp} within TP)` : ''}`];
  if (l.tp > 1) out.push(`TP ${l.tp}: each layer's weights split ${l.tp} ways`);
  if (l.pp > 1)
    out.push(
      `PP ${l.pp}: ${sizes.reduce((a, b) => a + b, 0)} layers as ${sizes.join(' + ')}; each stage holds its layers' weights and cache (embeddings counted with the layers); figures are of stage ${stage + 1}, the one that binds first`,
    );
  if (l.dp > 1 && l.dpAttention)
    out.push(
      `DP attention ${l.dp}: sequences split over ${l.dp} ranks (${seqs} of ${batch} each), each rank holding the attention weights and its own sequences' cache; the other weights split over TP x DP = ${l.tp * l.dp} GPUs`,
    );
  else if (l.dp > 1) out.push(`DP ${l.dp}: ${l.dp} replicas of the model, sequences split over them (${seqs} of ${batch} each)`);
  return out;
}
