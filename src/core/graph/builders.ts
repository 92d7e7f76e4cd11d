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
 *    (BNSH), head-attention decode; for GQA/MQA num_heads is n_kv and each K/V head's query
 *    group are its query positions, so no K/V expansion (builders-fused.ts).
 *  - gqa-op: com.microsoft.GroupQueryAttention with the resident cache as past_key/past_value
 *    (BNSH), head-attention decode with keys and values of one head size (builders-fused.ts).
 *  - blocked (prefill): the queries in blocks of Bq rows against all T keys, so the scores are
 *    [B, n_h, Bq, T] per block instead of [B, n_h, T, T] (builders-prefill.ts, prefill-blocks.ts).
 *    Prefill's decomposed form is the full one. A windowed layer's prefill (attendWithin) is
 *    blocked, each block against only the keys of its window or chunk.
 *  - dequant, nbits (fp8/int8/int4 caches, decode only): builders-quant.ts.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { checkBufferSize, kvBytesPerToken, valueDim, SpecError, type AttentionSpec, type HeadAttentionSpec } from '../model/spec.js';
import { GraphBuilder, type ElemType } from './onnx.js';
import { layoutResident, writeResidentFile, type ResidentTensor } from './resident.js';
import { prod, type Ctx, type Form, type GraphRequest, type TensorInfo } from './builders-context.js';
import { headDecode, headDecodeCacheLeft, headDecodeMhaOp, headPrefill } from './builders-head.js';
import { mlaDecode, mlaPrefill } from './builders-mla.js';
import { headDecodeGqaOp, headDecodeMhaOpGrouped } from './builders-fused.js';
import { headPrefillBlocked, mlaPrefillBlocked } from './builders-prefill.js';
import { headDecodeNbits, QUANT_OPSET } from './builders-quant.js';
import { isQuantizedCache } from '@/contract/lists.js';
import { prefillBlockRows, scorePairs, windowedBlockRows } from './prefill-blocks.js';

export type { Form, GraphRequest, Mode, QuantCache, TensorInfo } from './builders-context.js';
import type { QuantCache } from './builders-context.js';

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
  /** Quantized caches: the logical float tensors the packed pieces stand for (the references read these). */
  quantCaches: QuantCache[];
  /** Names of the nodes doing the attention math, for the placement report. */
  attentionNodes: string[];
  /** FLOPs of one run (all layers), counting what the graph computes. */
  flops: number;
  /** Bytes one run must read at least (resident tensors + inputs), all layers. */
  bytesRead: number;
  fillSeconds: number;
  metadata: Record<string, string>;
}

/** Resolves defaults and rejects combinations that cannot be built. */
export function normalizeRequest(req: GraphRequest): Required<GraphRequest> {
  const quantized = isQuantizedCache(req.dtype);
  const r: Required<GraphRequest> = {
    upcast: false,
    seed: 1234,
    ...req,
    form: req.form ?? (quantized ? 'dequant' : 'decomposed'),
    prefillBlock: req.prefillBlock ?? 0,
    attendWithin: req.attendWithin ?? null,
  };
  if (quantized) {
    if (r.mode !== 'decode') {
      throw new SpecError(`a ${r.dtype} cache is measured in decode only (prefill computes on float K/V); use fp32 or fp16 for prefill`, 'dtype');
    }
    const allowed = quantizedForms(r.dtype, r.spec.kind);
    if (!allowed.includes(r.form)) throw new SpecError(`a ${r.dtype} ${r.spec.kind} cache has the forms ${allowed.join(', ')}, not ${r.form}`, 'form');
  } else if (r.form === 'dequant' || r.form === 'nbits') {
    throw new SpecError(`the ${r.form} form is for fp8/int8/int4 caches, not ${r.dtype}`, 'form');
  }
  for (const [k, v] of Object.entries({ batch: r.batch, context: r.context, layers: r.layers })) {
    if (!Number.isInteger(v) || v < 1) throw new SpecError(`${k} must be a positive integer, got ${v}`, k);
  }
  const isMla = r.spec.kind === 'mla';
  if (isMla !== r.variant.startsWith('mla')) {
    throw new SpecError(`variant ${r.variant} does not match a ${r.spec.kind} spec`, 'variant');
  }
  if (r.form === 'mha-op' && !(r.spec.kind !== 'mla' && r.mode === 'decode')) {
    throw new SpecError('the mha-op form exists for MHA/GQA/MQA decode only', 'form');
  }
  // MultiHeadAttention wants key and value of one shape (an MLA model's expanded MHA has 192/128).
  if (r.form === 'mha-op' && r.spec.kind !== 'mla' && valueDim(r.spec) !== r.spec.headDim) {
    throw new SpecError('the mha-op form needs keys and values of one head size', 'form');
  }
  if (r.form === 'gqa-op') {
    if (!(r.spec.kind !== 'mla' && r.mode === 'decode')) throw new SpecError('the gqa-op form exists for MHA/GQA/MQA decode only', 'form');
    if (valueDim(r.spec) !== r.spec.headDim) throw new SpecError('the gqa-op form needs keys and values of one head size', 'form');
    if (r.context < 2) throw new SpecError('the gqa-op form holds T - 1 tokens as its past: context must be at least 2', 'context');
  }
  if (r.form === 'cache-left' && !(r.spec.kind !== 'mla' && r.mode === 'decode')) {
    throw new SpecError('the cache-left form exists for MHA/GQA/MQA decode only', 'form');
  }
  if (r.form === 'blocked' && r.mode !== 'prefill') {
    throw new SpecError('the blocked form exists for prefill only', 'form');
  }
  if (!Number.isInteger(r.prefillBlock) || r.prefillBlock < 0) {
    throw new SpecError(`prefillBlock must be a whole number of query rows (0: derived), got ${r.prefillBlock}`, 'prefillBlock');
  }
  const w = r.attendWithin;
  if (w) {
    if (r.form !== 'blocked') throw new SpecError('a window or chunk (attendWithin) exists for the blocked prefill form only', 'attendWithin');
    if (!Number.isInteger(w.size) || w.size < 1)
      throw new SpecError(`attendWithin.size must be a positive whole number of tokens, got ${w.size}`, 'attendWithin');
    // a window or chunk as long as the prompt attends every key up to each query: the plain form
    if (w.size >= r.context) r.attendWithin = null;
  }
  if (r.upcast && r.dtype !== 'fp16') r.upcast = false;
  const math = r.upcast ? 'fp32' : r.dtype;
  if (r.form !== 'blocked') r.prefillBlock = 0;
  else if (r.prefillBlock !== 0) r.prefillBlock = Math.min(r.prefillBlock, r.context);
  else
    r.prefillBlock = r.attendWithin
      ? windowedBlockRows(r.spec, r.variant, r.batch, r.context, math, r.attendWithin)
      : prefillBlockRows(r.spec, r.variant, r.batch, r.context, math);
  return r;
}

/** The head-attention decode layer of a form. */
function decodeLayer(form: Form, s: HeadAttentionSpec): (c: Ctx, s: HeadAttentionSpec, q: string, l: number) => string {
  if (form === 'mha-op') return s.numKvHeads === s.numHeads ? headDecodeMhaOp : headDecodeMhaOpGrouped;
  if (form === 'gqa-op') return headDecodeGqaOp;
  if (form === 'nbits') return headDecodeNbits;
  // the dequant form reads the float copy it makes in the cache-left layout
  return form === 'cache-left' || form === 'dequant' ? headDecodeCacheLeft : headDecode;
}

/** The forms a quantized cache can be read in: the dequant fallback, and MatMulNBits for int8/int4 head attention. */
export function quantizedForms(dtype: string, kind: AttentionSpec['kind']): Form[] {
  return (dtype === 'int8' || dtype === 'int4') && kind !== 'mla' ? ['dequant', 'nbits'] : ['dequant'];
}

/**
 * FLOPs and minimum bytes of one run of one layer (see docs/measurement.md). A quantized cache
 * counts its stored bytes, scales included (kvBytesPerToken: whole blocks, scales included); queries, outputs and MLA's
 * weights are fp32 there.
 */
export function layerCost(r: Required<GraphRequest>): { flops: number; residentBytes: number; ioBytes: number } {
  const { spec: s, batch: B, context: T, mode } = r;
  const el = r.dtype === 'fp16' ? 2 : 4;
  // A quantized cache: its stored bytes a token, scales and padding included (the one definition).
  const quantPerToken = isQuantizedCache(r.dtype) && mode === 'decode' ? kvBytesPerToken(s, r.dtype) : null;
  const Tq = mode === 'decode' ? 1 : T;
  // query-key pairs scored: T for decode, T^2 for prefill, fewer where a windowed layer's blocks see only their window
  const pairs = mode === 'decode' ? T : scorePairs(T, r.prefillBlock || T, r.attendWithin);
  if (s.kind !== 'mla') {
    const d = s.headDim;
    const dv = valueDim(s);
    const flops = 2 * B * s.numHeads * pairs * (d + dv);
    const kv = quantPerToken !== null ? B * T * quantPerToken : B * s.numKvHeads * T * (d + dv) * el;
    const q = B * s.numHeads * Tq * (d + dv) * el;
    return mode === 'decode' ? { flops, residentBytes: kv, ioBytes: q } : { flops, residentBytes: 0, ioBytes: kv + q };
  }
  const H = s.numHeads;
  const dc = s.kvLoraRank;
  const dr = s.qkRopeHeadDim;
  const dn = s.qkNopeHeadDim;
  const dv = s.vHeadDim;
  const weights = H * dc * (dn + dv) * el;
  const latent = quantPerToken !== null ? B * T * quantPerToken : B * T * (dc + dr) * el;
  const q = B * H * Tq * (dn + dr + dv) * el;
  let flops: number;
  if (r.variant === 'mla-naive') {
    // Up-project K_nope and V for every cached token and head, then attend per head.
    flops = 2 * B * T * dc * H * (dn + dv) + 2 * B * H * pairs * (dn + dr + dv);
  } else {
    // FlashMLA accounting: 2 * s_q * seqlen * h_q * (d + d_v), d = d_c + d_R, d_v = d_c,
    // plus folding the query into the latent and the output back out.
    flops = 2 * pairs * B * H * (dc + dr + dc) + 2 * B * H * Tq * dc * (dn + dv);
  }
  return mode === 'decode' ? { flops, residentBytes: latent + weights, ioBytes: q } : { flops, residentBytes: weights, ioBytes: latent + q };
}

/** Builds the graph for a request, writes model and data file into `dir`, returns its facts. */
export function buildGraph(request: GraphRequest, dir: string, name = 'graph'): BuiltGraph {
  const r = normalizeRequest(request);
  const g = new GraphBuilder(`kvscope_${r.variant}_${r.mode}`);
  const quantized = isQuantizedCache(r.dtype);
  // Queries, outputs and the math are fp32 on a quantized cache.
  const io: ElemType = quantized ? 'fp32' : r.dtype;
  const ct: ElemType = r.upcast || quantized ? 'fp32' : r.dtype;
  if (quantized) g.opset = QUANT_OPSET;
  const c: Ctx = { g, r, ct, resident: [], quantCaches: [], attention: [], dataFile: `${name}.bin` };
  const { batch: B, context: T, spec: s } = r;
  const inputs: TensorInfo[] = [];
  const outputs: TensorInfo[] = [];
  const addInput = (n: string, dims: number[]): string => {
    checkBufferSize(prod(dims), `input ${n}`);
    inputs.push({ name: n, type: io, dims });
    const v = g.input(n, io, dims);
    return r.upcast ? g.op('Cast', [v], { to: 1 }) : v;
  };
  const finish = (o: string, l: number, dims: number[]): void => {
    const outName = `out_l${l}`;
    const final = r.upcast ? g.op('Cast', [o], { to: 10 }) : o;
    g.node('Identity', [final], { outputs: [outName] });
    g.output(outName, io, dims);
    outputs.push({ name: outName, type: io, dims });
  };

  if (s.kind !== 'mla') {
    const dv = valueDim(s);
    if (r.mode === 'decode') {
      const q = addInput('q', [B, s.numHeads, 1, s.headDim]);
      for (let l = 0; l < r.layers; l++) {
        const o = decodeLayer(r.form, s)(c, s, q, l);
        finish(o, l, [B, s.numHeads, 1, dv]);
      }
    } else {
      const q = addInput('q', [B, s.numHeads, T, s.headDim]);
      const k = addInput('k', [B, s.numKvHeads, T, s.headDim]);
      const v = addInput('v', [B, s.numKvHeads, T, dv]);
      const layer = r.form === 'blocked' ? headPrefillBlocked : headPrefill;
      for (let l = 0; l < r.layers; l++) finish(layer(c, s, q, k, v), l, [B, s.numHeads, T, dv]);
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
        const layer = r.form === 'blocked' ? mlaPrefillBlocked : mlaPrefill;
        finish(layer(c, s, { qNope, qPe, ckv, kpe }, l, absorbed), l, [B, s.numHeads, T, s.vHeadDim]);
      }
    }
  }

  const { tensors } = layoutResident(c.resident);
  for (const t of tensors) {
    g.external({ name: t.name, type: t.type, dims: t.dims, location: c.dataFile, offset: t.offset, length: t.length }, { constant: t.constant });
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
    ...(r.form === 'blocked' ? { 'kvscope.prefill_block': String(r.prefillBlock) } : {}),
    ...(r.attendWithin ? { 'kvscope.attend_within': `${r.attendWithin.kind} ${r.attendWithin.size}` } : {}),
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
    quantCaches: c.quantCaches,
    cacheBytes,
    weightBytes,
    attentionNodes: c.attention,
    flops: cost.flops * r.layers,
    bytesRead: (cost.residentBytes + cost.ioBytes) * r.layers,
    fillSeconds,
    metadata,
  };
}
