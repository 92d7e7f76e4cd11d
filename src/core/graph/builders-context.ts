/** What the attention builders share: the request types and the per-graph context they write into. */
import type { AttendWithin } from '@/contract/layers.js';
import { checkBufferSize, valueDim, type AttentionSpec, type Dtype, type HeadAttentionSpec, type Variant } from '../model/spec.js';
import type { GraphBuilder, ElemType } from './onnx.js';
import type { ResidentTensor } from './resident.js';
import { isQuantizedCache } from '@/contract/lists.js';
import { dequantResident } from './builders-quant.js';

export type Mode = 'decode' | 'prefill';
/** dequant and nbits: quantized caches only (builders-quant.ts). */
export type Form = 'decomposed' | 'cache-left' | 'mha-op' | 'gqa-op' | 'blocked' | 'dequant' | 'nbits';

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
  /**
   * Blocked prefill: query rows per block (0: the largest within PREFILL_WORKSPACE_BYTES, see
   * prefill-blocks.ts; more than T: T). Unused by the other forms.
   */
  prefillBlock?: number;
  /**
   * Blocked prefill of a windowed layer: each query attends only its sliding window or its own
   * chunk (prefill-blocks.ts); null or absent: every key up to itself.
   */
  attendWithin?: AttendWithin | null;
  seed?: number;
}

/** A logical cache tensor stored quantized: its float values are the fill of `fillKey` (resident.ts cacheFillValues). */
export interface QuantCache {
  name: string;
  layer: number;
  dims: number[];
  fillKey: string;
}

export interface TensorInfo {
  name: string;
  type: ElemType;
  dims: number[];
}

export const prod = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);

/** One graph being built: the builder, its request, and what the layers declare into it. */
export interface Ctx {
  g: GraphBuilder;
  r: Required<GraphRequest>;
  /** Type the math runs in. */
  ct: ElemType;
  resident: Omit<ResidentTensor, 'offset' | 'length'>[];
  /** Quantized caches: each logical cache tensor (the float tensor the packed pieces stand for). */
  quantCaches: QuantCache[];
  attention: string[];
  dataFile: string;
}

/** The builder and the sizes every head-attention (MHA/GQA/MQA) layer works with. */
export function headShapes(c: Ctx, s: HeadAttentionSpec): { g: GraphBuilder; B: number; T: number; d: number; dv: number; nkv: number; grp: number } {
  return { g: c.g, B: c.r.batch, T: c.r.context, d: s.headDim, dv: valueDim(s), nkv: s.numKvHeads, grp: s.numHeads / s.numKvHeads };
}

/** Declares a resident tensor and returns the value to compute with (cast when upcasting). */
export function resident(
  c: Ctx,
  name: string,
  role: 'cache' | 'weight',
  layer: number,
  dims: number[],
  fill: { key?: string; transposed?: boolean } = {},
): string {
  checkBufferSize(prod(dims), `${role} tensor ${name} [${dims.join(', ')}]`);
  if (isQuantizedCache(c.r.dtype)) {
    // A quantized cache is stored packed and read back as fp32; weights stay fp32.
    if (role === 'cache') return dequantResident(c, name, layer, dims);
    c.resident.push({ name, role, layer, type: 'fp32', dims, fillKey: fill.key ?? name, transposed: fill.transposed });
    return name;
  }
  c.resident.push({ name, role, layer, type: c.r.dtype, dims, fillKey: fill.key ?? name, transposed: fill.transposed });
  return c.r.upcast ? c.g.op('Cast', [name], { to: 1 }) : name;
}

/** An op of the attention math, recorded so the placement report can find where it ran. */
export function named(c: Ctx, op: string, inputs: string[], attrs?: Record<string, number | number[]>): string {
  const name = c.g.fresh(`attn_${op}`);
  c.attention.push(name);
  return c.g.op(op, inputs, attrs, name);
}

export function causalMask(c: Ctx, t: number): string {
  // Built in-graph (no T x T initializer): where(col > row, -inf, 0).
  const g = c.g;
  const idx = g.op('Range', [g.constant('zero', 'int64', [], [0]), g.constant('limit', 'int64', [], [t]), g.constant('one', 'int64', [], [1])]);
  const rows = g.op('Reshape', [idx, g.ints('shape', [t, 1])]);
  const cols = g.op('Reshape', [idx, g.ints('shape', [1, t])]);
  const above = g.op('Greater', [cols, rows]);
  return g.op('Where', [above, g.scalar('neg_inf', c.ct, -Infinity), g.scalar('zero_f', c.ct, 0)]);
}

export function scaleOf(c: Ctx, dim: number): string {
  return c.g.scalar('scale', c.ct, 1 / Math.sqrt(dim));
}
