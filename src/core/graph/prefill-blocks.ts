/**
 * The prefill forms' workspace and the query-block rule, shared by the builders (which unroll the
 * blocks) and the planner (which predicts the bytes and picks the form). See docs/measurement.md
 * ("Prefill forms").
 *
 * The full form materialises the scores of every head at once: [B, n_h, T, T]. The blocked form
 * takes Bq queries at a time against all T keys (exact softmax per block, the causal mask built
 * for the block's rows): its scores are [B, n_h, Bq, T], and Bq is the largest that keeps one
 * block's workspace within PREFILL_WORKSPACE_BYTES.
 *
 * A windowed layer's prefill (a sliding window of W, or chunks of C: `attendWithin`) takes each
 * block of Bq queries [s, e) against only the keys [s - L + 1, e), L = W or C, sliced from K and
 * V padded on the left with L - 1 masked rows, so every block's keys are Bq + L - 1 long: the
 * scores grow like T (Bq + L), not T^2. The mask keeps key j for query i where j <= i and j >= 0,
 * and j > i - W (sliding) or j in i's chunk, j >= floor(i / C) C (chunked).
 */
import type { AttendWithin } from '@/contract/layers.js';
import type { AttentionSpec, Dtype, Variant } from '../model/spec.js';

/** The bound on one query block's workspace (scores, masked scores, probabilities, mask, all heads). */
export const PREFILL_WORKSPACE_BYTES = 256 * 2 ** 20;

/**
 * Score-sized tensors alive at once per block: the scores (for MLA the nope and rope partial
 * scores and their sum), the masked scores and the probabilities; onnxruntime frees or reuses the
 * earlier ones as the later ones are made, three is the peak.
 */
export const SCORE_COPIES = 3;

const elBytes = (dtype: Dtype): number => (dtype === 'fp16' ? 2 : 4);

/** Workspace bytes one query row of a block costs (its share of the scores and mask, and MLA absorbed's latent query and output). */
export function prefillRowBytes(spec: AttentionSpec, variant: Variant, batch: number, t: number, dtype: Dtype): number {
  const el = elBytes(dtype);
  const scores = SCORE_COPIES * batch * spec.numHeads * t * el;
  const mask = t * (el + 1); // the block's float mask and the boolean it is made from
  const latent = spec.kind === 'mla' && variant === 'mla-absorbed' ? 2 * batch * spec.numHeads * spec.kvLoraRank * el : 0;
  return scores + mask + latent;
}

/** Workspace bytes of one block of `rows` queries (at most two blocks' worth is never alive: blocks run one after another). */
export function blockedWorkspaceBytes(spec: AttentionSpec, variant: Variant, batch: number, t: number, dtype: Dtype, rows: number): number {
  return rows * prefillRowBytes(spec, variant, batch, t, dtype);
}

/** Workspace bytes of the full form: the whole prompt is one block. */
export function fullWorkspaceBytes(spec: AttentionSpec, variant: Variant, batch: number, t: number, dtype: Dtype): number {
  return blockedWorkspaceBytes(spec, variant, batch, t, dtype, t);
}

/**
 * Query rows per block: as many as keep one block's workspace within `bound`, at least 1 (where
 * even one row is over the bound, the planner's predicted bytes say so) and at most T; then the
 * largest divisor of T down to half that, where one exists. Blocks that divide T leave no shorter
 * last block, so no Concat of the Loop's output and that block's: the Concat makes one more
 * output-sized tensor (512 MiB at 32K for Llama-3.1-8B dims), and with it the peak RSS of a 32K
 * prefill exceeded its prediction (docs/measurement.md, "Predicted memory of a prefill point").
 */
export function prefillBlockRows(spec: AttentionSpec, variant: Variant, batch: number, t: number, dtype: Dtype, bound = PREFILL_WORKSPACE_BYTES): number {
  const rows = Math.max(1, Math.min(t, Math.floor(bound / prefillRowBytes(spec, variant, batch, t, dtype))));
  for (let r = rows; 2 * r >= rows; r--) if (t % r === 0) return r;
  return rows;
}

/** The blocks' [start, end) query ranges: full blocks of `rows`, the last one shorter where rows does not divide T. */
export function queryBlocks(t: number, rows: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < t; s += rows) out.push([s, Math.min(t, s + rows)]);
  return out;
}

/**
 * Query rows per block of a windowed prefill: at most the window (so a block's keys, Bq + L - 1,
 * stay under 2L) and as many as keep its workspace within `bound`, at least 1 and at most T.
 */
export function windowedBlockRows(
  spec: AttentionSpec,
  variant: Variant,
  batch: number,
  t: number,
  dtype: Dtype,
  within: AttendWithin,
  bound = PREFILL_WORKSPACE_BYTES,
): number {
  const keys = Math.min(t + within.size - 1, 2 * within.size);
  const rows = Math.floor(bound / prefillRowBytes(spec, variant, batch, keys, dtype));
  return Math.max(1, Math.min(t, within.size, rows));
}

/** Query-key pairs a prefill graph computes scores for (masked ones included): T^2 for all keys, sum of Bq (Bq + L - 1) over the blocks within a window. */
export function scorePairs(t: number, rows: number, within: AttendWithin | null): number {
  if (!within) return t * t;
  return queryBlocks(t, rows).reduce((a, [s, e]) => a + (e - s) * (e - s + within.size - 1), 0);
}
