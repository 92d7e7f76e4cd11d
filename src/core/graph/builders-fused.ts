/**
 * Head attention decode through onnxruntime's fused contrib ops (com.microsoft), beside the
 * MatMul forms of builders-head.ts:
 *  - gqa-op: GroupQueryAttention with the resident cache as past_key/past_value (BNSH);
 *  - mha-op for GQA/MQA: MultiHeadAttention with each K/V head's query group as query positions.
 * Both are calibration candidates (runner-forms.ts); docs/measurement.md, "Op forms".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { valueDim, type HeadAttentionSpec } from '../model/spec.js';
import { GraphBuilder, MS_DOMAIN } from './onnx.js';
import { headShapes, resident, type Ctx, type TensorInfo } from './builders-context.js';

/** GroupQueryAttention's head size: the op needs keys and values of one size. */
function gqaHeadDim(s: HeadAttentionSpec): number {
  if (valueDim(s) !== s.headDim) throw new Error('GroupQueryAttention needs keys and values of one head size');
  return s.headDim;
}

/** GroupQueryAttention's attributes for a head-attention spec. */
function gqaAttrs(s: HeadAttentionSpec): Record<string, number | { float: number }> {
  return { num_heads: s.numHeads, kv_num_heads: s.numKvHeads, scale: { float: 1 / Math.sqrt(s.headDim) } };
}

/**
 * GroupQueryAttention decode over T cached tokens. The op appends the step's own key and value
 * to the past, so the T tokens are held as a past of T - 1 tokens, `l{l}_cache_k` / `_v`
 * [B, n_kv, T - 1, d], and the newest token, `l{l}_cache_knew` / `_vnew` [B, 1, n_kv * d]: the
 * resident bytes are those of T tokens, as in every other form. seqlens_k = T - 1 and
 * total_sequence_length = T say "one new token after T - 1" (token generation).
 *
 * present_key / present_value are the node's outputs but not the graph's: the resident past is a
 * read-only mapped initializer, so the op cannot write the new token into it (buffer sharing needs
 * past and present to be one writable tensor), and onnxruntime gives present a buffer of its own
 * and copies the past into it every step. The shared form is measured by `npm run bench -- forms`
 * with the cache fed from JavaScript memory and bound as the preallocated output.
 */
export function headDecodeGqaOp(c: Ctx, s: HeadAttentionSpec, q: string, l: number): string {
  const { g, B, T } = headShapes(c, s);
  const d = gqaHeadDim(s);
  const pk = resident(c, `l${l}_cache_k`, 'cache', l, [B, s.numKvHeads, T - 1, d]);
  const pv = resident(c, `l${l}_cache_v`, 'cache', l, [B, s.numKvHeads, T - 1, d]);
  const kNew = resident(c, `l${l}_cache_knew`, 'cache', l, [B, 1, s.numKvHeads * d]);
  const vNew = resident(c, `l${l}_cache_vnew`, 'cache', l, [B, 1, s.numKvHeads * d]);
  const q3 = g.op('Reshape', [q, g.ints('shape', [B, 1, s.numHeads * d])]);
  const seqlensK = g.constant(
    'seqlens_k',
    'int32',
    [B],
    Array.from({ length: B }, () => T - 1),
  );
  const total = g.constant('total_seq', 'int32', [], [T]);
  const name = g.fresh('attn_GroupQueryAttention');
  c.attention.push(name);
  const [o] = g.node('GroupQueryAttention', [q3, kNew, vNew, pk, pv, seqlensK, total], {
    domain: MS_DOMAIN,
    attrs: gqaAttrs(s),
    outputs: 3,
    name,
  });
  return g.op('Reshape', [o!, g.ints('shape', [B, s.numHeads, 1, d])]);
}

/**
 * MultiHeadAttention for GQA/MQA decode: num_heads = n_kv, and the `group` query heads that share
 * a K/V head become `group` query positions of that head (no causal mask: every position sees all
 * T tokens). K is stored [B, n_kv, T, d] and V [B, n_kv, T, d_v] (BNSH), read without expansion.
 */
export function headDecodeMhaOpGrouped(c: Ctx, s: HeadAttentionSpec, q: string, l: number): string {
  const { g, B, T, d, dv, nkv, grp } = headShapes(c, s);
  const k = resident(c, `l${l}_cache_k`, 'cache', l, [B, nkv, T, d]);
  const v = resident(c, `l${l}_cache_v`, 'cache', l, [B, nkv, T, dv]);
  // q [B, n_h, 1, d] -> [B, n_kv, grp, d] -> [B, grp, n_kv, d] -> query BSD [B, grp, n_kv * d]
  const qg = g.op('Transpose', [g.op('Reshape', [q, g.ints('shape', [B, nkv, grp, d])])], { perm: [0, 2, 1, 3] });
  const q3 = g.op('Reshape', [qg, g.ints('shape', [B, grp, nkv * d])]);
  const name = g.fresh('attn_MultiHeadAttention');
  c.attention.push(name);
  const [o] = g.node('MultiHeadAttention', [q3, k, v], {
    domain: MS_DOMAIN,
    attrs: { num_heads: nkv, scale: { float: 1 / Math.sqrt(d) } },
    name,
  });
  // output [B, grp, n_kv * dv] -> [B, grp, n_kv, dv] -> [B, n_kv, grp, dv] -> [B, n_h, 1, dv]
  const o4 = g.op('Transpose', [g.op('Reshape', [o!, g.ints('shape', [B, grp, nkv, dv])])], { perm: [0, 2, 1, 3] });
  return g.op('Reshape', [o4, g.ints('shape', [B, s.numHeads, 1, dv])]);
}

/** A GroupQueryAttention decode graph whose cache is fed, for the shared-buffer measurement. */
export interface SharedGqaGraph {
  modelPath: string;
  /** q [B, n_h, 1, d]; k_new, v_new [B, 1, n_kv * d]; past_key, past_value [B, n_kv, T, d] (T - 1 valid). */
  inputs: TensorInfo[];
  /** out [B, 1, n_h * d]; present_key, present_value: bind the fed past tensors here to share them. */
  outputs: TensorInfo[];
}

/**
 * GroupQueryAttention with past_present_share_buffer: past and present are one [B, n_kv, T, d]
 * tensor of which T - 1 tokens are valid (seqlens_k = T - 1); the op writes the step's key and
 * value at position T - 1 and attends to all T. onnxruntime's CPU kernel shares when the present
 * output's memory is the past input's (the caller feeds a tensor and passes it again as the
 * preallocated output); a resident initializer cannot be that tensor (headDecodeGqaOp).
 */
export function buildSharedGqaGraph(s: HeadAttentionSpec, T: number, dtype: 'fp32' | 'fp16', dir: string, name: string): SharedGqaGraph {
  const d = gqaHeadDim(s);
  const g = new GraphBuilder('kvscope_gqa_shared');
  const inputs: TensorInfo[] = [
    { name: 'q', type: dtype, dims: [1, s.numHeads, 1, d] },
    { name: 'k_new', type: dtype, dims: [1, 1, s.numKvHeads * d] },
    { name: 'v_new', type: dtype, dims: [1, 1, s.numKvHeads * d] },
    { name: 'past_key', type: dtype, dims: [1, s.numKvHeads, T, d] },
    { name: 'past_value', type: dtype, dims: [1, s.numKvHeads, T, d] },
  ];
  for (const i of inputs) g.input(i.name, i.type, i.dims);
  const outputs: TensorInfo[] = [
    { name: 'out', type: dtype, dims: [1, 1, s.numHeads * d] },
    { name: 'present_key', type: dtype, dims: [1, s.numKvHeads, T, d] },
    { name: 'present_value', type: dtype, dims: [1, s.numKvHeads, T, d] },
  ];
  const q3 = g.op('Reshape', ['q', g.ints('shape', [1, 1, s.numHeads * d])]);
  g.node(
    'GroupQueryAttention',
    [q3, 'k_new', 'v_new', 'past_key', 'past_value', g.constant('seqlens_k', 'int32', [1], [T - 1]), g.constant('total_seq', 'int32', [], [T])],
    {
      domain: MS_DOMAIN,
      attrs: gqaAttrs(s),
      outputs: outputs.map((o) => o.name),
    },
  );
  for (const o of outputs) g.output(o.name, o.type, o.dims);
  const modelPath = join(dir, `${name}.onnx`);
  writeFileSync(modelPath, g.encode());
  return { modelPath, inputs, outputs };
}
