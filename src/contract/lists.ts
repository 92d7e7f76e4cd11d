/**
 * The closed lists of the contract, each defined once, without zod (the renderer imports this;
 * see defaults.ts): the schemas' enums are built from them, so VariantSchema.options is VARIANTS.
 */

/** The attention variants kvscope can build and measure. */
export const VARIANTS = ['mha', 'gqa', 'mqa', 'mla-naive', 'mla-absorbed'] as const;
export type Variant = (typeof VARIANTS)[number];

/** How the app and the reports name each variant. */
export const VARIANT_LABELS: Record<Variant, string> = {
  mha: 'MHA',
  gqa: 'GQA',
  mqa: 'MQA',
  'mla-naive': 'MLA (naive)',
  'mla-absorbed': 'MLA (absorbed)',
};

/** Execution providers a sweep can run on ('auto' picks one: see core/runtime/providers.ts). */
export const PROVIDERS = ['cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
export const PROVIDER_CHOICES = ['auto', ...PROVIDERS] as const;

export const MODES = ['decode', 'prefill'] as const;

/**
 * Every element type kvscope names, once: its bytes per element (analytic figures), its ONNX
 * TensorProto element type and its onnxruntime tensor type. Names are kvscope's ('fp32'), never
 * 'float32' or the ONNX number.
 */
export const DTYPE_TABLE = {
  fp32: { bytes: 4, onnx: 1, ort: 'float32' },
  fp16: { bytes: 2, onnx: 10, ort: 'float16' },
  bf16: { bytes: 2, onnx: 16, ort: 'bfloat16' },
  fp8: { bytes: 1, onnx: 17, ort: 'float8e4m3fn' },
  int8: { bytes: 1, onnx: 3, ort: 'int8' },
  int4: { bytes: 0.5, onnx: 22, ort: 'int4' },
  int32: { bytes: 4, onnx: 6, ort: 'int32' },
  int64: { bytes: 8, onnx: 7, ort: 'int64' },
  // element types only met in imported models' weights
  fp64: { bytes: 8, onnx: 11, ort: 'float64' },
  uint8: { bytes: 1, onnx: 2, ort: 'uint8' },
  uint16: { bytes: 2, onnx: 4, ort: 'uint16' },
  int16: { bytes: 2, onnx: 5, ort: 'int16' },
  uint32: { bytes: 4, onnx: 12, ort: 'uint32' },
  uint64: { bytes: 8, onnx: 13, ort: 'uint64' },
  bool: { bytes: 1, onnx: 9, ort: 'bool' },
} as const;
export type DtypeName = keyof typeof DTYPE_TABLE;

/**
 * Element types a cache can use when measured. fp32/fp16: the graph computes in that type. fp8
 * (e4m3fn), int8, int4: the cache is stored in that format and the graph computes in fp32 on it
 * (decode only; see QUANT_LAYOUT and docs/measurement.md, "Quantized caches").
 */
export const CACHE_DTYPES = ['fp32', 'fp16', 'fp8', 'int8', 'int4'] as const;
/** Cache dtypes stored in a format the graph does not compute in (decode only). */
export const QUANTIZED_CACHE_DTYPES = ['fp8', 'int8', 'int4'] as const;
export type QuantizedCacheDtype = (typeof QUANTIZED_CACHE_DTYPES)[number];
export function isQuantizedCache(dtype: string): dtype is QuantizedCacheDtype {
  return (QUANTIZED_CACHE_DTYPES as readonly string[]).includes(dtype);
}

/**
 * How an int8/int4 cache is stored, the one definition both the graphs and every byte count
 * follow: symmetric blocks of QUANT_BLOCK values along the quantized axis (K: along d, per token;
 * V as V^T: along the tokens; MLA's latent and RoPE key: along their width, per token), each block
 * with one fp32 scale (fp32: onnxruntime's CPU MatMulNBits takes scales in A's type). fp8 is
 * e4m3fn, one byte a value, with no scale (the values kvscope fills caches with, within +-0.5,
 * fit its range).
 */
export const QUANT_BLOCK = 32;
export const QUANT_SCALE_BYTES = 4;
export const QUANT_LAYOUT = {
  int8: { bits: 8, block: QUANT_BLOCK, scaleBytes: QUANT_SCALE_BYTES },
  int4: { bits: 4, block: QUANT_BLOCK, scaleBytes: QUANT_SCALE_BYTES },
} as const;

/**
 * Bytes a cache stores per value in a dtype, scales included: the dtype's bytes, and for int8 and
 * int4 one scale per QUANT_BLOCK values (int8 1 + 4/32 = 1.125, int4 0.5 + 4/32 = 0.625). Exact
 * where the quantized axis is a multiple of the block; rows pad to whole blocks (quantRowBytes,
 * which kvBytesPerToken uses for the axes along a token).
 */
/** Bytes of one quantized row of `cols` values, scales included: whole blocks (a short last one padded). */
export function quantRowBytes(cols: number, dtype: keyof typeof QUANT_LAYOUT): number {
  const q = QUANT_LAYOUT[dtype];
  return Math.ceil(cols / q.block) * ((q.block * q.bits) / 8 + q.scaleBytes);
}

export function cacheBytesPerElement(dtype: keyof typeof DTYPE_TABLE): number {
  if (dtype === 'int8' || dtype === 'int4') {
    const q = QUANT_LAYOUT[dtype];
    return q.bits / 8 + q.scaleBytes / q.block;
  }
  return DTYPE_TABLE[dtype].bytes;
}
/** Element types the capacity planner estimates with (weights and cache). */
export const ANALYTIC_DTYPES = ['fp32', 'fp16', 'bf16', 'fp8', 'int8', 'int4'] as const;
export type AnalyticDtypeName = (typeof ANALYTIC_DTYPES)[number];

/** Bytes per element of an ONNX element type (4 where kvscope does not know the type). */
export function bytesOfOnnx(elemType: number): number {
  const name = dtypeOfOnnx(elemType);
  return name ? DTYPE_TABLE[name].bytes : 4;
}

/** The kvscope name of an ONNX element type number, or null where kvscope has none. */
export function dtypeOfOnnx(elemType: number): DtypeName | null {
  for (const [name, d] of Object.entries(DTYPE_TABLE)) if (d.onnx === elemType) return name as DtypeName;
  return null;
}
