/**
 * One ONNX graph per attention variant and mode. Decode: B sequences, one new query token each,
 * attending to T cached tokens that are resident initializers (external data). Prefill: T tokens
 * at once with a causal mask. Every graph holds `layers` independent copies of the layer (each
 * with its own cache), so per-layer figures are a division away.
 *
 * Forms (recorded in the model's metadata as kvscope.form):
 *  - decomposed: MatMul / Softmax with the cache laid out so no step transposes or copies it
 *    (K stored as K^T [B, n_kv, d, T], V as [B, n_kv, T, d_v]; MLA latent [B, 1, T, d_c] and
 *    RoPE key [B, 1, T, d_R], read in place).
 *  - cache-left (head variants, decode): the same math with the cache as the left operand of
 *    both MatMuls (K as [B, n_kv, T, d], V as V^T [B, n_kv, d_v, T]) and the small query-side
 *    matrix on the right, so a GEMM library streams the cache instead of packing it.
 *  - mha-op: com.microsoft.MultiHeadAttention with the resident cache given as key and value
 *    (BNSH); only for MHA decode, where that op needs no K/V expansion.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { checkBufferSize, valueDim, type AttentionSpec, type Dtype, type HeadAttentionSpec, type MlaSpec, type Variant, SpecError } from '../model/spec.js';
import { GraphBuilder, MS_DOMAIN, type ElemType } from './onnx.js';
import { layoutResident, writeResidentFile, type ResidentTensor } from './resident.js';

export type Mode = 'decode' | 'prefill';
export type Form = 'decomposed' | 'cache-left' | 'mha-op';

export interface GraphRequest {
  variant: Variant;
  spec: AttentionSpec;
  mode: Mode;
  batch: number;
  /** T: cached tokens (decode) or prompt tokens (prefill). */
  context: number;
  dtype: Dtype;
  layers: number;
  form?: Form;
  /**
   * Compute in fp32 on a cache stored in fp16 (Cast before use). For providers without fp16
   * kernels (onnxruntime's CPU MatMul): the cache still takes half the memory.
   */
  upcast?: boolean;
  seed?: number;
}

export interface TensorInfo {
  name: string;
  type: ElemType;
  dims: number[];
}

/** A graph written to disk, with what a session and the measurement need to know of it. */
export interface BuiltGraph {
  request: Required<GraphRequest>;
  modelPath: string;
  dataPath: string | null;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  resident: ResidentTensor[];
  /** Bytes of the resident cache (all layers). */
  cacheBytes: number;
  /** Bytes of resident weights (MLA up-projections), all layers. */
  weightBytes: number;
  /** Names of the nodes doing the attention math, for the placement report. */
  attentionNodes: string[];
  /** FLOPs of one run (all layers), counting what the graph computes. */
  flops: number;
  /** Bytes one run must read at least (resident tensors + inputs), all layers. */
  bytesRead: number;
  fillSeconds: number;
  metadata: Record<string, string>;
}

const prod = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);

/** Resolves defaults and rejects combinations that cannot be built. */
export function normalizeRequest(req: GraphRequest): Required<GraphRequest> {
  const r: Required<GraphRequest> = { form: 'decomposed', upcast: false, seed: 1234, ...req };
  for (const [k, v] of Object.entries({ batch: r.batch, context: r.context, layers: r.layers })) {
    if (!Number.isInteger(v) || v < 1) throw new SpecError(`${k} must be a positive integer, got ${v}`, k);
  }
  const isMla = r.spec.kind === 'mla';
  if (isMla !== r.variant.startsWith('mla')) {
    throw new SpecError(`variant ${r.variant} does not match a ${r.spec.kind} spec`, 'variant');
  }
  if (r.form === 'mha-op' && !(r.spec.kind === 'mha' && r.mode === 'decode')) {
    throw new SpecError('the mha-op form exists for MHA decode only', 'form');
  }
  if (r.form === 'cache-left' && !(r.spec.kind !== 'mla' && r.mode === 'decode')) {
    throw new SpecError('the cache-left form exists for MHA/GQA/MQA decode only', 'form');
  }
  if (r.upcast && r.dtype !== 'fp16') r.upcast = false;
  return r;
}

interface Ctx {
  g: GraphBuilder;
  r: Required<GraphRequest>;
  /** Type the math runs in. */
  ct: ElemType;
  resident: Omit<ResidentTensor, 'offset' | 'length'>[];
  attention: string[];
  dataFile: string;
  pendingExternal: { name: string; type: ElemType; dims: number[] }[];
}

/** Declares a resident tensor and returns the value to compute with (cast when upcasting). */
function resident(c: Ctx, name: string, role: 'cache' | 'weight', layer: number, dims: number[], fill: { key?: string; transposed?: boolean } = {}): string {
  checkBufferSize(prod(dims), `${role} tensor ${name} [${dims.join(', ')}]`);
  c.resident.push({ name, role, layer, type: c.r.dtype, dims, fillKey: fill.key ?? name, transposed: fill.transposed });
  c.pendingExternal.push({ name, type: c.r.dtype, dims });
  return c.r.upcast ? c.g.op('Cast', [name], { to: 1 }) : name;
}

function named(c: Ctx, op: string, inputs: string[], attrs?: Record<string, number | number[]>): string {
  const name = c.g.fresh(`attn_${op}`);
  c.attention.push(name);
  return c.g.op(op, inputs, attrs, name);
}

function causalMask(c: Ctx, t: number): string {
  // Built in-graph (no T x T initializer): where(col > row, -inf, 0).
  const g = c.g;
  const idx = g.op('Range', [g.constant('zero', 'int64', [], [0]), g.constant('limit', 'int64', [], [t]), g.constant('one', 'int64', [], [1])]);
  const rows = g.op('Reshape', [idx, g.ints('shape', [t, 1])]);
  const cols = g.op('Reshape', [idx, g.ints('shape', [1, t])]);
  const above = g.op('Greater', [cols, rows]);
  return g.op('Where', [above, g.scalar('neg_inf', c.ct, -Infinity), g.scalar('zero_f', c.ct, 0)]);
}

function scaleOf(c: Ctx, dim: number): string {
  return c.g.scalar('scale', c.ct, 1 / Math.sqrt(dim));
}

/** Head attention (MHA/GQA/MQA), decomposed, decode. Returns [output name, dims]. */
function headDecode(c: Ctx, s: HeadAttentionSpec, q: string, l: number): string {
  const { g } = c;
  const { batch: B, context: T } = c.r;
  const d = s.headDim;
  const dv = valueDim(s);
  const grp = s.numHeads / s.numKvHeads;
  const kT = resident(c, `l${l}_cache_kT`, 'cache', l, [B, s.numKvHeads, d, T]);
  const v = resident(c, `l${l}_cache_v`, 'cache', l, [B, s.numKvHeads, T, dv]);
  const qs = g.op('Mul', [q, scaleOf(c, d)]);
  const qg = g.op('Reshape', [qs, g.ints('shape', [B, s.numKvHeads, grp, d])]);
  const scores = named(c, 'MatMul', [qg, kT]);
  const p = named(c, 'Softmax', [scores], { axis: -1 });
  const o = named(c, 'MatMul', [p, v]);
  return g.op('Reshape', [o, g.ints('shape', [B, s.numHeads, 1, dv])]);
}

/** Head attention decode with the cache as the left MatMul operand (see the module comment). */
function headDecodeCacheLeft(c: Ctx, s: HeadAttentionSpec, q: string, l: number): string {
  const { g } = c;
  const { batch: B, context: T } = c.r;
  const d = s.headDim;
  const dv = valueDim(s);
  const grp = s.numHeads / s.numKvHeads;
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
function headDecodeMhaOp(c: Ctx, s: HeadAttentionSpec, q: string, l: number): string {
  const { g } = c;
  const { batch: B, context: T } = c.r;
  const d = s.headDim;
  const dv = valueDim(s);
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
function headPrefill(c: Ctx, s: HeadAttentionSpec, q: string, k: string, v: string): string {
  const { g } = c;
  const { batch: B, context: T } = c.r;
  const d = s.headDim;
  const dv = valueDim(s);
  const grp = s.numHeads / s.numKvHeads;
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

/** MLA weights of one layer: W_UK [n_h, d_c, nope] (naive) or its transpose (absorbed), W_UV. */
function mlaWeights(c: Ctx, s: MlaSpec, l: number, absorbed: boolean): { wuk: string; wuv: string } {
  // The absorbed form stores the transpose of the very W_UK the naive form uses (same fill key).
  const wuk = absorbed
    ? resident(c, `l${l}_w_uk_t`, 'weight', l, [s.numHeads, s.qkNopeHeadDim, s.kvLoraRank], {
        key: `l${l}_w_uk`,
        transposed: true,
      })
    : resident(c, `l${l}_w_uk`, 'weight', l, [s.numHeads, s.kvLoraRank, s.qkNopeHeadDim]);
  const wuv = resident(c, `l${l}_w_uv`, 'weight', l, [s.numHeads, s.kvLoraRank, s.vHeadDim]);
  return { wuk, wuv };
}

/**
 * MLA decode. q_nope [B, n_h, 1, nope], q_pe [B, n_h, 1, d_R]; cache c_kv [B, 1, T, d_c] and
 * k_pe [B, 1, T, d_R]. Output [B, n_h, 1, v].
 */
function mlaDecode(c: Ctx, s: MlaSpec, qNope: string, qPe: string, l: number, absorbed: boolean): string {
  const { g } = c;
  const { batch: B, context: T } = c.r;
  const H = s.numHeads;
  const ckv = resident(c, `l${l}_cache_ckv`, 'cache', l, [B, 1, T, s.kvLoraRank]);
  const kpe = resident(c, `l${l}_cache_kpe`, 'cache', l, [B, 1, T, s.qkRopeHeadDim]);
  const { wuk, wuv } = mlaWeights(c, s, l, absorbed);
  const scale = scaleOf(c, s.qkNopeHeadDim + s.qkRopeHeadDim);
  const qn = g.op('Mul', [qNope, scale]);
  const qp = g.op('Mul', [qPe, scale]);
  if (!absorbed) {
    // Up-project every cached token for every head, every step.
    checkBufferSize(B * H * T * Math.max(s.qkNopeHeadDim, s.vHeadDim), `MLA naive up-projection [${B}, ${H}, ${T}, ·]`);
    const kNope = named(c, 'MatMul', [ckv, wuk]); // [B, H, T, nope]
    const sNope = named(c, 'MatMul', [kNope, g.op('Reshape', [qn, g.ints('shape', [B, H, s.qkNopeHeadDim, 1])])]);
    const sPe = named(c, 'MatMul', [kpe, g.op('Reshape', [qp, g.ints('shape', [B, H, s.qkRopeHeadDim, 1])])]);
    const scores = g.op('Reshape', [g.op('Add', [sNope, sPe]), g.ints('shape', [B, H, 1, T])]);
    const p = named(c, 'Softmax', [scores], { axis: -1 });
    const v = named(c, 'MatMul', [ckv, wuv]); // [B, H, T, v]
    return named(c, 'MatMul', [p, v]);
  }
  // Absorbed: W_UK folded into the query, W_UV applied after attention over the latent.
  const qLat = named(c, 'MatMul', [qn, wuk]); // [B, H, 1, d_c]
  const qLatT = g.op('Transpose', [g.op('Reshape', [qLat, g.ints('shape', [B, 1, H, s.kvLoraRank])])], { perm: [0, 1, 3, 2] });
  const qPeT = g.op('Transpose', [g.op('Reshape', [qp, g.ints('shape', [B, 1, H, s.qkRopeHeadDim])])], { perm: [0, 1, 3, 2] });
  const s1 = named(c, 'MatMul', [ckv, qLatT]); // [B, 1, T, H]
  const s2 = named(c, 'MatMul', [kpe, qPeT]); // [B, 1, T, H]
  const scores = g.op('Transpose', [g.op('Add', [s1, s2])], { perm: [0, 1, 3, 2] }); // [B, 1, H, T]
  const p = named(c, 'Softmax', [scores], { axis: -1 });
  const oLat = named(c, 'MatMul', [p, ckv]); // [B, 1, H, d_c]
  const o4 = g.op('Reshape', [oLat, g.ints('shape', [B, H, 1, s.kvLoraRank])]);
  return named(c, 'MatMul', [o4, wuv]); // [B, H, 1, v]
}

/** MLA prefill: q_nope, q_pe [B, n_h, T, ·]; c_kv [B, 1, T, d_c], k_pe [B, 1, T, d_R] inputs. */
function mlaPrefill(c: Ctx, s: MlaSpec, io: { qNope: string; qPe: string; ckv: string; kpe: string }, l: number, absorbed: boolean): string {
  const { g } = c;
  const { batch: B, context: T } = c.r;
  const H = s.numHeads;
  checkBufferSize(B * H * T * T, `prefill scores [${B}, ${H}, ${T}, ${T}]`);
  const { wuk, wuv } = mlaWeights(c, s, l, absorbed);
  const scale = scaleOf(c, s.qkNopeHeadDim + s.qkRopeHeadDim);
  const qn = g.op('Mul', [io.qNope, scale]);
  const qp = g.op('Mul', [io.qPe, scale]);
  const kpeT = g.op('Transpose', [io.kpe], { perm: [0, 1, 3, 2] });
  const sPe = named(c, 'MatMul', [qp, kpeT]);
  const mask = causalMask(c, T);
  if (!absorbed) {
    const kNope = named(c, 'MatMul', [io.ckv, wuk]); // [B, H, T, nope]
    const sNope = named(c, 'MatMul', [qn, g.op('Transpose', [kNope], { perm: [0, 1, 3, 2] })]);
    const p = named(c, 'Softmax', [g.op('Add', [g.op('Add', [sNope, sPe]), mask])], { axis: -1 });
    const v = named(c, 'MatMul', [io.ckv, wuv]);
    return named(c, 'MatMul', [p, v]);
  }
  const qLat = named(c, 'MatMul', [qn, wuk]); // [B, H, T, d_c]
  const sLat = named(c, 'MatMul', [qLat, g.op('Transpose', [io.ckv], { perm: [0, 1, 3, 2] })]);
  const p = named(c, 'Softmax', [g.op('Add', [g.op('Add', [sLat, sPe]), mask])], { axis: -1 });
  const oLat = named(c, 'MatMul', [p, io.ckv]); // [B, H, T, d_c]
  return named(c, 'MatMul', [oLat, wuv]);
}

/** FLOPs and minimum bytes of one run of one layer (see docs/measurement.md). */
export function layerCost(r: Required<GraphRequest>): { flops: number; residentBytes: number; ioBytes: number } {
  const { spec: s, batch: B, context: T, mode } = r;
  const el = r.dtype === 'fp16' ? 2 : 4;
  const Tq = mode === 'decode' ? 1 : T;
  if (s.kind !== 'mla') {
    const d = s.headDim;
    const dv = valueDim(s);
    const flops = 2 * B * s.numHeads * Tq * T * (d + dv);
    const kv = B * s.numKvHeads * T * (d + dv) * el;
    const q = B * s.numHeads * Tq * (d + dv) * el;
    return mode === 'decode' ? { flops, residentBytes: kv, ioBytes: q } : { flops, residentBytes: 0, ioBytes: kv + q };
  }
  const H = s.numHeads;
  const dc = s.kvLoraRank;
  const dr = s.qkRopeHeadDim;
  const dn = s.qkNopeHeadDim;
  const dv = s.vHeadDim;
  const weights = H * dc * (dn + dv) * el;
  const latent = B * T * (dc + dr) * el;
  const q = B * H * Tq * (dn + dr + dv) * el;
  let flops: number;
  if (r.variant === 'mla-naive') {
    // Up-project K_nope and V for every cached token and head, then attend per head.
    flops = 2 * B * T * dc * H * (dn + dv) + 2 * B * H * Tq * T * (dn + dr + dv);
  } else {
    // FlashMLA accounting: 2 * s_q * seqlen * h_q * (d + d_v), d = d_c + d_R, d_v = d_c,
    // plus folding the query into the latent and the output back out.
    flops = 2 * Tq * B * T * H * (dc + dr + dc) + 2 * B * H * Tq * dc * (dn + dv);
  }
  return mode === 'decode' ? { flops, residentBytes: latent + weights, ioBytes: q } : { flops, residentBytes: weights, ioBytes: latent + q };
}

/** Builds the graph for a request, writes model and data file into `dir`, returns its facts. */
export function buildGraph(request: GraphRequest, dir: string, name = 'graph'): BuiltGraph {
  const r = normalizeRequest(request);
  const g = new GraphBuilder(`kvscope_${r.variant}_${r.mode}`);
  const ct: ElemType = r.upcast ? 'fp32' : r.dtype;
  const c: Ctx = { g, r, ct, resident: [], attention: [], dataFile: `${name}.bin`, pendingExternal: [] };
  const { batch: B, context: T, spec: s } = r;
  const inputs: TensorInfo[] = [];
  const outputs: TensorInfo[] = [];
  const addInput = (n: string, dims: number[]): string => {
    checkBufferSize(prod(dims), `input ${n}`);
    inputs.push({ name: n, type: r.dtype, dims });
    const v = g.input(n, r.dtype, dims);
    return r.upcast ? g.op('Cast', [v], { to: 1 }) : v;
  };
  const finish = (o: string, l: number, dims: number[]): void => {
    const outName = `out_l${l}`;
    const final = r.upcast ? g.op('Cast', [o], { to: 10 }) : o;
    g.node('Identity', [final], { outputs: [outName] });
    g.output(outName, r.dtype, dims);
    outputs.push({ name: outName, type: r.dtype, dims });
  };

  if (s.kind !== 'mla') {
    const dv = valueDim(s);
    if (r.mode === 'decode') {
      const q = addInput('q', [B, s.numHeads, 1, s.headDim]);
      for (let l = 0; l < r.layers; l++) {
        const o = r.form === 'mha-op' ? headDecodeMhaOp(c, s, q, l) : r.form === 'cache-left' ? headDecodeCacheLeft(c, s, q, l) : headDecode(c, s, q, l);
        finish(o, l, [B, s.numHeads, 1, dv]);
      }
    } else {
      const q = addInput('q', [B, s.numHeads, T, s.headDim]);
      const k = addInput('k', [B, s.numKvHeads, T, s.headDim]);
      const v = addInput('v', [B, s.numKvHeads, T, dv]);
      for (let l = 0; l < r.layers; l++) finish(headPrefill(c, s, q, k, v), l, [B, s.numHeads, T, dv]);
    }
  } else {
    const absorbed = r.variant === 'mla-absorbed';
    const Tq = r.mode === 'decode' ? 1 : T;
    const qNope = addInput('q_nope', [B, s.numHeads, Tq, s.qkNopeHeadDim]);
    const qPe = addInput('q_pe', [B, s.numHeads, Tq, s.qkRopeHeadDim]);
    if (r.mode === 'decode') {
      for (let l = 0; l < r.layers; l++) finish(mlaDecode(c, s, qNope, qPe, l, absorbed), l, [B, s.numHeads, 1, s.vHeadDim]);
    } else {
      const ckv = addInput('c_kv', [B, 1, T, s.kvLoraRank]);
      const kpe = addInput('k_pe', [B, 1, T, s.qkRopeHeadDim]);
      for (let l = 0; l < r.layers; l++) {
        finish(mlaPrefill(c, s, { qNope, qPe, ckv, kpe }, l, absorbed), l, [B, s.numHeads, T, s.vHeadDim]);
      }
    }
  }

  const { tensors } = layoutResident(c.resident);
  for (const t of tensors) {
    g.external({ name: t.name, type: t.type, dims: t.dims, location: c.dataFile, offset: t.offset, length: t.length });
  }
  const cost = layerCost(r);
  const metadata: Record<string, string> = {
    'kvscope.variant': r.variant,
    'kvscope.mode': r.mode,
    'kvscope.form': r.form,
    'kvscope.dtype': r.dtype,
    'kvscope.compute_dtype': ct,
    'kvscope.layers': String(r.layers),
    'kvscope.batch': String(B),
    'kvscope.context': String(T),
    'kvscope.spec': JSON.stringify(s),
  };
  for (const [k, v] of Object.entries(metadata)) g.meta(k, v);
  const modelPath = join(dir, `${name}.onnx`);
  writeFileSync(modelPath, g.encode());
  const dataPath = tensors.length > 0 ? join(dir, c.dataFile) : null;
  const fillSeconds = dataPath ? writeResidentFile(dataPath, tensors, r.seed) : 0;
  const cacheBytes = tensors.filter((t) => t.role === 'cache').reduce((a, t) => a + t.length, 0);
  const weightBytes = tensors.filter((t) => t.role === 'weight').reduce((a, t) => a + t.length, 0);
  return {
    request: r,
    modelPath,
    dataPath,
    inputs,
    outputs,
    resident: tensors,
    cacheBytes,
    weightBytes,
    attentionNodes: c.attention,
    flops: cost.flops * r.layers,
    bytesRead: (cost.residentBytes + cost.ioBytes) * r.layers,
    fillSeconds,
    metadata,
  };
}
