/**
 * Attention specs: the dimensions that decide the KV cache and the decode/prefill cost of one
 * attention layer, for every variant kvscope measures.
 */

import type { CacheCost } from '@/contract/layers.js';
import {
  ANALYTIC_DTYPES,
  CACHE_DTYPES,
  DTYPE_TABLE,
  VARIANTS,
  cacheBytesPerElement,
  quantRowBytes,
  type AnalyticDtypeName,
  type Variant,
} from '@/contract/lists.js';

export { VARIANTS, type Variant };

/** Element types a cache (and the graph computing on it) can use. */
export const DTYPES = CACHE_DTYPES;
export type Dtype = (typeof DTYPES)[number];

/** Bytes per element, for analytic figures (also for dtypes kvscope only estimates): the dtype table's. */
export const BYTES_PER_ELEMENT = Object.fromEntries(ANALYTIC_DTYPES.map((d) => [d, DTYPE_TABLE[d].bytes])) as Record<AnalyticDtypeName, number>;
export type AnalyticDtype = AnalyticDtypeName;

/** Multi-, grouped- or multi-query attention: K/V heads shared by groups of query heads. */
export interface HeadAttentionSpec {
  kind: 'mha' | 'gqa' | 'mqa';
  /** Query heads (n_h). */
  numHeads: number;
  /** K/V heads (n_kv): n_h for MHA, 1 for MQA, a divisor of n_h for GQA. */
  numKvHeads: number;
  /** Head dimension (d_h) of queries and keys. */
  headDim: number;
  /** Value head dimension when it differs from headDim (an MLA model run as MHA: 192 vs 128). */
  vHeadDim?: number;
}

/** DeepSeek-V2/V3 Multi-head Latent Attention. */
export interface MlaSpec {
  kind: 'mla';
  numHeads: number;
  /** d_c: rank of the compressed KV latent that is cached. */
  kvLoraRank: number;
  /** Per-head query/key dimension without RoPE. */
  qkNopeHeadDim: number;
  /** d_R: dimension of the single shared RoPE key that is cached beside the latent. */
  qkRopeHeadDim: number;
  /** Per-head value dimension. */
  vHeadDim: number;
  /** Rank of the query compression, or 0 when queries are not compressed (V2-Lite). */
  qLoraRank: number;
}

export type AttentionSpec = HeadAttentionSpec | MlaSpec;

/** Raised for a spec that cannot be built or measured; the message says what to change. */
export class SpecError extends Error {
  override name = 'SpecError';
  constructor(
    message: string,
    /** The field at fault, when one is. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Largest element count of one typed array that V8 allows (2^32 - 1 in Node 20 for Float32). */
export const MAX_TYPED_ARRAY_ELEMENTS = 2 ** 32 - 1;
/** Upper bound for any single dimension: far above every real model, far below absurd input. */
export const MAX_DIM = 1 << 20;

function checkDim(value: unknown, field: string, allowZero = false): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new SpecError(`${field} must be an integer, got ${String(value)}`, field);
  }
  if (value < 0 || (!allowZero && value === 0)) {
    throw new SpecError(`${field} must be ${allowZero ? '>= 0' : 'positive'}, got ${value}`, field);
  }
  if (value > MAX_DIM) {
    throw new SpecError(`${field} = ${value} is larger than ${MAX_DIM}; no real model has that`, field);
  }
}

/** Checks a spec's fields; throws SpecError naming the field and the fix. */
export function validateSpec(spec: AttentionSpec): AttentionSpec {
  checkDim(spec.numHeads, 'numHeads');
  if (spec.kind === 'mla') {
    checkDim(spec.kvLoraRank, 'kvLoraRank');
    checkDim(spec.qkNopeHeadDim, 'qkNopeHeadDim');
    checkDim(spec.qkRopeHeadDim, 'qkRopeHeadDim');
    checkDim(spec.vHeadDim, 'vHeadDim');
    checkDim(spec.qLoraRank, 'qLoraRank', true);
    return spec;
  }
  checkDim(spec.numKvHeads, 'numKvHeads');
  checkDim(spec.headDim, 'headDim');
  if (spec.vHeadDim !== undefined) checkDim(spec.vHeadDim, 'vHeadDim');
  if (spec.numHeads % spec.numKvHeads !== 0) {
    throw new SpecError(
      `numHeads (${spec.numHeads}) must be a multiple of numKvHeads (${spec.numKvHeads}): ` + `each K/V head serves a whole group of query heads`,
      'numKvHeads',
    );
  }
  if (spec.kind === 'mha' && spec.numKvHeads !== spec.numHeads) {
    throw new SpecError(`MHA has numKvHeads = numHeads; use kind "gqa" for ${spec.numKvHeads} K/V heads`, 'kind');
  }
  if (spec.kind === 'mqa' && spec.numKvHeads !== 1) {
    throw new SpecError(`MQA has exactly one K/V head; use kind "gqa" for ${spec.numKvHeads}`, 'kind');
  }
  return spec;
}

/**
 * Cached elements per token per layer (DeepSeek-V2 paper, Table 1):
 * MHA 2*n_h*d_h, GQA 2*n_kv*d_h, MQA 2*d_h, MLA d_c + d_R.
 */
export function kvElementsPerToken(spec: AttentionSpec): number {
  if (spec.kind === 'mla') return spec.kvLoraRank + spec.qkRopeHeadDim;
  return spec.numKvHeads * (spec.headDim + valueDim(spec));
}

/** Value head dimension of a head-attention spec. */
export function valueDim(spec: HeadAttentionSpec): number {
  return spec.vHeadDim ?? spec.headDim;
}

/** Analytic KV-cache bytes per token per layer for any cache dtype, int8/int4 scales included (cacheBytesPerElement). */
export function kvBytesPerToken(spec: AttentionSpec, dtype: AnalyticDtype): number {
  if (dtype === 'int8' || dtype === 'int4') {
    // Rows along a token (K along d; MLA's latent and RoPE key) are whole blocks; V^T is blocked
    // along the tokens, so each value there costs cacheBytesPerElement (exact for T a multiple of the block).
    if (spec.kind === 'mla') return quantRowBytes(spec.kvLoraRank, dtype) + quantRowBytes(spec.qkRopeHeadDim, dtype);
    return spec.numKvHeads * (quantRowBytes(spec.headDim, dtype) + valueDim(spec) * cacheBytesPerElement(dtype));
  }
  return kvElementsPerToken(spec) * cacheBytesPerElement(dtype);
}

/** What one layer's cache costs in a dtype: bytes per cached token, and per element of a stateful layer's state (for cacheBytesAt). */
export function cacheCost(spec: AttentionSpec, dtype: AnalyticDtype): CacheCost {
  return { perTokenPerLayer: kvBytesPerToken(spec, dtype), bytesPerElement: cacheBytesPerElement(dtype) };
}

/** Analytic KV-cache bytes for a whole cache of identical layers (a model's cache: cacheBytesAt in contract/layers.ts). */
export function kvCacheBytes(spec: AttentionSpec, opts: { tokens: number; batch: number; layers: number; dtype: AnalyticDtype }): number {
  return kvBytesPerToken(spec, opts.dtype) * opts.tokens * opts.batch * opts.layers;
}

/**
 * The spec a server without MLA support runs for an MLA model ("MHA-equivalent"): every head
 * caches its expanded key (nope + rope) and its value.
 */
export function mlaAsMha(spec: MlaSpec): HeadAttentionSpec {
  return {
    kind: 'mha',
    numHeads: spec.numHeads,
    numKvHeads: spec.numHeads,
    headDim: spec.qkNopeHeadDim + spec.qkRopeHeadDim,
    vHeadDim: spec.vHeadDim,
  };
}

/** Which variant names a spec can be measured as. */
export function variantsOf(spec: AttentionSpec): Variant[] {
  return spec.kind === 'mla' ? ['mla-naive', 'mla-absorbed'] : [spec.kind];
}

/** Throws when a single buffer of `elements` values cannot be allocated as one typed array. */
export function checkBufferSize(elements: number, what: string): void {
  if (!Number.isFinite(elements) || elements > MAX_TYPED_ARRAY_ELEMENTS) {
    throw new SpecError(
      `${what} needs ${elements.toExponential(3)} elements in one buffer, more than the ` +
        `${MAX_TYPED_ARRAY_ELEMENTS} a typed array can hold; use a shorter context, a smaller batch or fewer heads`,
    );
  }
}
