/** Head attention (MHA/GQA/MQA) layers: decode in its three forms, and prefill. */
import { checkBufferSize, type HeadAttentionSpec } from '../model/spec.js';
import { MS_DOMAIN } from './onnx.js';
import { causalMask, headShapes, named, resident, scaleOf, type Ctx } from './builders-context.js';

/** Head attention (MHA/GQA/MQA) decode, decomposed form. Returns the output's name. */
export function headDecode(c: Ctx, s: HeadAttentionSpec, q: string, l: number): string {
  const { g, B, T, d, dv, grp } = headShapes(c, s);
  const kT = resident(c, `l${l}_cache_kT`, 'cache', l, [B, s.numKvHeads, d, T]);
  const v = resident(c, `l${l}_cache_v`, 'cache', l, [B, s.numKvHeads, T, dv]);
  const qs = g.op('Mul', [q, scaleOf(c, d)]);
  const qg = g.op('Reshape', [qs, g.ints('shape', [B, s.numKvHeads, grp, d])]);
  const scores = named(c, 'MatMul', [qg, kT]);
  const p = named(c, 'Softmax', [scores], { axis: -1 });
  const o = named(c, 'MatMul', [p, v]);
  return g.op('Reshape', [o, g.ints('shape', [B, s.numHeads, 1, dv])]);
}

/** Head attention decode with the cache as the left MatMul operand (see the forms in builders.ts). */
export function headDecodeCacheLeft(c: Ctx, s: HeadAttentionSpec, q: string, l: number): string {
  const { g, B, T, d, dv, grp } = headShapes(c, s);
  const k = resident(c, `l${l}_cache_k`, 'cache', l, [B, s.numKvHeads, T, d]);
  const vT = resident(c, `l${l}_cache_vT`, 'cache', l, [B, s.numKvHeads, dv, T]);
  const qs = g.op('Mul', [q, scaleOf(c, d)]);
  // q [B, n_h, 1, d] -> [B, n_kv, d, g]
  const qT = g.op('Transpose', [g.op('Reshape', [qs, g.ints('shape', [B, s.numKvHeads, grp, d])])], { perm: [0, 1, 3, 2] });
  const sT = named(c, 'MatMul', [k, qT]); // [B, n_kv, T, g]
  // Softmax over T on the last axis (onnxruntime's Softmax on axis 2, and a broadcast Sub along
  // it, measured 3-6 ms at T = 32K); the small scores are transposed instead, and back again
  // inside the next MatMul (fused as transB).
  const p = named(c, 'Softmax', [g.op('Transpose', [sT], { perm: [0, 1, 3, 2] })], { axis: -1 }); // [B, n_kv, g, T]
  const oT = named(c, 'MatMul', [vT, g.op('Transpose', [p], { perm: [0, 1, 3, 2] })]); // [B, n_kv, dv, g]
  const o = g.op('Transpose', [oT], { perm: [0, 1, 3, 2] }); // [B, n_kv, g, dv]
  return g.op('Reshape', [o, g.ints('shape', [B, s.numHeads, 1, dv])]);
}

/** MHA decode through com.microsoft.MultiHeadAttention; K is stored [B, n_h, T, d] (BNSH). */
export function headDecodeMhaOp(c: Ctx, s: HeadAttentionSpec, q: string, l: number): string {
  const { g, B, T, d, dv } = headShapes(c, s);
  const k = resident(c, `l${l}_cache_k`, 'cache', l, [B, s.numHeads, T, d]);
  const v = resident(c, `l${l}_cache_v`, 'cache', l, [B, s.numHeads, T, dv]);
  // query BSD: [B, 1, n_h * d]
  const q3 = g.op('Reshape', [q, g.ints('shape', [B, 1, s.numHeads * d])]);
  const name = g.fresh('attn_MultiHeadAttention');
  c.attention.push(name);
  const [o] = g.node('MultiHeadAttention', [q3, k, v], {
    domain: MS_DOMAIN,
    attrs: { num_heads: s.numHeads, scale: { float: 1 / Math.sqrt(d) } },
    name,
  });
  // output [B, 1, n_h * dv] -> [B, n_h, 1, dv]
  return g.op('Reshape', [o!, g.ints('shape', [B, s.numHeads, 1, dv])]);
}

/** Head attention prefill: q [B,n_h,T,d], k [B,n_kv,T,d], v [B,n_kv,T,dv] are inputs. */
export function headPrefill(c: Ctx, s: HeadAttentionSpec, q: string, k: string, v: string): string {
  const { g, B, T, d, dv, grp } = headShapes(c, s);
  checkBufferSize(B * s.numHeads * T * T, `prefill scores [${B}, ${s.numHeads}, ${T}, ${T}]`);
  const qs = g.op('Mul', [q, scaleOf(c, d)]);
  const qg = g.op('Reshape', [qs, g.ints('shape', [B, s.numKvHeads, grp, T, d])]);
  const kT = g.op('Unsqueeze', [g.op('Transpose', [k], { perm: [0, 1, 3, 2] }), g.ints('axes', [2])]);
  const v5 = g.op('Unsqueeze', [v, g.ints('axes', [2])]);
  const scores = named(c, 'MatMul', [qg, kT]);
  const masked = g.op('Add', [scores, causalMask(c, T)]);
  const p = named(c, 'Softmax', [masked], { axis: -1 });
  const o = named(c, 'MatMul', [p, v5]);
  return g.op('Reshape', [o, g.ints('shape', [B, s.numHeads, T, dv])]);
}
