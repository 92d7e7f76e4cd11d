/**
 * Quantized caches (fp8, int8, int4; decode only): how the packed cache is declared and read.
 * The layout is QUANT_LAYOUT's (contract/lists.ts), blocked along the last axis of the cache-left
 * tensors: K [B, n_kv, T, d] per token along d, V^T [B, n_kv, d_v, T] along the tokens, MLA's
 * latent [B, 1, T, d_c] and RoPE key [B, 1, T, d_R] per token along their width.
 *
 * Forms:
 *  - dequant (fallback, every variant): the packed cache goes through DequantizeLinear (int8/int4,
 *    blocked, opset 21) or a Cast (fp8) into a float copy of the whole cache each step, then the
 *    float math of the cache-left form (head variants) or the decomposed form (MLA).
 *  - nbits (int8/int4, MHA/GQA/MQA): com.microsoft.MatMulNBits reads the packed cache directly,
 *    one node per (sequence, K/V head) and side: scores = q K^T with K as B [N = T, K = d], and
 *    out = p V with V^T as B [N = d_v, K = T]. The packed tensors are constant initializers, so
 *    onnxruntime may prepack them into its kernel's layout when the session is built. MLA has no
 *    nbits form: its latent is both the key and the value, and MatMulNBits quantizes along the
 *    reduction axis (d_c for the scores, T for the values), so one packed copy cannot serve both.
 */
import { QUANT_LAYOUT, isQuantizedCache } from '@/contract/lists.js';
import type { HeadAttentionSpec } from '../model/spec.js';
import { MS_DOMAIN } from './onnx.js';
import { headShapes, prod, type Ctx } from './builders-context.js';
import { blocksPerRow, type IntQuant } from './quant.js';

/**
 * Whether a graph's session should let kernels prepack constant inputs: the nbits form's packed
 * cache (MatMulNBits on the CPU runs its packed kernel only on a prepacked B; without it, it
 * dequantizes B into a float buffer every call).
 */
export const wantsPrepack = (g: { request: { form: string } }): boolean => g.request.form === 'nbits';

/** Opset of the graphs with a quantized cache (blocked DequantizeLinear is opset 21). */
export const QUANT_OPSET = 21;

/**
 * Declares a quantized cache tensor for the dequant form (data + scales, or fp8 data) and returns
 * the float copy the math reads.
 */
export function dequantResident(c: Ctx, name: string, layer: number, dims: number[]): string {
  const dtype = c.r.dtype;
  if (!isQuantizedCache(dtype)) throw new Error(`${dtype} is not a quantized cache dtype`);
  const cols = dims[dims.length - 1]!;
  const rows = prod(dims) / cols;
  c.quantCaches.push({ name, layer, dims, fillKey: name });
  const piece = { dtype, encoding: 'signed' as const, start: 0, rows, cols };
  if (dtype === 'fp8') {
    c.resident.push({ name, role: 'cache', layer, type: dtype, dims, fillKey: name, quant: { ...piece, part: 'data' } });
    return c.g.op('Cast', [name], { to: 1 });
  }
  // Rows are stored in whole blocks (quant.ts); a padded row is cut back to its width after dequantizing.
  const nb = blocksPerRow(cols, dtype);
  const padded = nb * QUANT_LAYOUT[dtype].block;
  c.resident.push({ name, role: 'cache', layer, type: dtype, dims: [...dims.slice(0, -1), padded], fillKey: name, quant: { ...piece, part: 'data' } });
  const scales = `${name}_scales`;
  c.resident.push({ name: scales, role: 'cache', layer, type: 'fp32', dims: [...dims.slice(0, -1), nb], fillKey: name, quant: { ...piece, part: 'scales' } });
  const x = c.g.op('DequantizeLinear', [name, scales], { axis: -1, block_size: QUANT_LAYOUT[dtype].block });
  if (padded === cols) return x;
  return c.g.op('Slice', [x, c.g.ints('starts', [0]), c.g.ints('ends', [cols]), c.g.ints('axes', [-1])]);
}

/** One packed matrix for MatMulNBits: rows x cols of the logical tensor `logical` from element `start`; returns [B, scales]. */
function nbitsMatrix(c: Ctx, logical: string, piece: string, layer: number, start: number, rows: number, cols: number, dtype: IntQuant): [string, string] {
  const { bits, block } = QUANT_LAYOUT[dtype];
  const nb = blocksPerRow(cols, dtype);
  const q = { dtype, encoding: 'offset' as const, start, rows, cols };
  const data = `${piece}_q`;
  const scales = `${piece}_s`;
  c.resident.push({
    name: data,
    role: 'cache',
    layer,
    type: 'uint8',
    dims: [rows, nb, (block * bits) / 8],
    fillKey: logical,
    quant: { ...q, part: 'data' },
    constant: true,
  });
  c.resident.push({ name: scales, role: 'cache', layer, type: 'fp32', dims: [rows * nb], fillKey: logical, quant: { ...q, part: 'scales' }, constant: true });
  return [data, scales];
}

/** A[.., M, K] x B^T for a packed B [N, K] (com.microsoft.MatMulNBits), recorded as attention math. */
function matMulNBits(c: Ctx, a: string, b: [string, string], k: number, n: number, dtype: IntQuant): string {
  const name = c.g.fresh('attn_MatMulNBits');
  c.attention.push(name);
  const [o] = c.g.node('MatMulNBits', [a, ...b], {
    domain: MS_DOMAIN,
    attrs: { K: k, N: n, bits: QUANT_LAYOUT[dtype].bits, block_size: QUANT_LAYOUT[dtype].block },
    name,
  });
  return o!;
}

/** Head attention decode reading the packed cache through MatMulNBits (the nbits form). */
export function headDecodeNbits(c: Ctx, s: HeadAttentionSpec, q: string, l: number): string {
  const dtype = c.r.dtype;
  if (dtype !== 'int8' && dtype !== 'int4') throw new Error(`the nbits form needs an int8 or int4 cache, not ${dtype}`);
  const { g, B, T, d, dv, nkv, grp } = headShapes(c, s);
  const kName = `l${l}_cache_k`;
  const vName = `l${l}_cache_vT`;
  c.quantCaches.push({ name: kName, layer: l, dims: [B, nkv, T, d], fillKey: kName }, { name: vName, layer: l, dims: [B, nkv, dv, T], fillKey: vName });
  const qs = g.op('Mul', [q, g.scalar('scale', 'fp32', 1 / Math.sqrt(d))]);
  const qg = g.op('Reshape', [qs, g.ints('shape', [B, nkv, grp, d])]);
  const slice = (x: string, b: number, h: number): string =>
    g.op('Slice', [x, g.ints('starts', [b, h]), g.ints('ends', [b + 1, h + 1]), g.ints('axes', [0, 1])]);
  const perHead = (f: (b: number, h: number) => string): string => {
    const rows = Array.from({ length: B }, (_, b) => {
      const heads = Array.from({ length: nkv }, (_, h) => f(b, h));
      return heads.length === 1 ? heads[0]! : g.op('Concat', heads, { axis: 1 });
    });
    return rows.length === 1 ? rows[0]! : g.op('Concat', rows, { axis: 0 });
  };
  // scores [B, n_kv, g, T]: q [g, d] x K_h^T, K_h [T, d] packed along d
  const scores = perHead((b, h) => {
    const k = nbitsMatrix(c, kName, `l${l}_cache_k_b${b}h${h}`, l, (b * nkv + h) * T * d, T, d, dtype);
    return matMulNBits(c, slice(qg, b, h), k, d, T, dtype);
  });
  const nameSm = g.fresh('attn_Softmax');
  c.attention.push(nameSm);
  const p = g.op('Softmax', [scores], { axis: -1 }, nameSm);
  // out [B, n_kv, g, d_v]: p [g, T] x (V^T_h)^T, V^T_h [d_v, T] packed along T
  const o = perHead((b, h) => {
    const v = nbitsMatrix(c, vName, `l${l}_cache_vT_b${b}h${h}`, l, (b * nkv + h) * dv * T, dv, T, dtype);
    return matMulNBits(c, slice(p, b, h), v, T, dv, dtype);
  });
  return g.op('Reshape', [o, g.ints('shape', [B, s.numHeads, 1, dv])]);
}
