/**
 * Quantized cache values: the symmetric block quantization of QUANT_LAYOUT (contract/lists.ts),
 * fp8 e4m3fn, and the two byte encodings the graphs read (see docs/measurement.md, "Quantized
 * caches"). Pure functions: the resident file writer, the float64 references and the tests use them.
 *
 * A quantized matrix [rows, cols] is blocked along cols: each run of QUANT_BLOCK values of a row
 * has one fp32 scale s = max|x| / qmax (qmax 127 for int8, 7 for int4) and values
 * q = round(x / s) in [-qmax, qmax]; x is read back as q * s.
 * Both encodings store each row as ceil(cols / block) whole blocks (a short last block is padded
 * with q = 0), so a row of cols values takes quantRowBytes(cols) bytes with its scales in either:
 *  - 'signed' (DequantizeLinear): int8 bytes, or int4 two to a byte, low nibble first; no zero point.
 *  - 'offset' (com.microsoft.MatMulNBits): q + 2^(bits - 1) unsigned (the op's default zero
 *    point), int4 low nibble first.
 */
import { QUANT_LAYOUT } from '@/contract/lists.js';

export type IntQuant = keyof typeof QUANT_LAYOUT;
export type QuantEncoding = 'signed' | 'offset';

export const qmaxOf = (dtype: IntQuant): number => 2 ** (QUANT_LAYOUT[dtype].bits - 1) - 1;

/** Blocks per row of `cols` values. */
export const blocksPerRow = (cols: number, dtype: IntQuant): number => Math.ceil(cols / QUANT_LAYOUT[dtype].block);

/** Quantizes one row: q (length cols) and one fp32-rounded scale per block. */
export function quantizeRow(x: ArrayLike<number>, dtype: IntQuant): { q: Int8Array; scales: Float32Array } {
  const { block } = QUANT_LAYOUT[dtype];
  const qmax = qmaxOf(dtype);
  const n = x.length;
  const q = new Int8Array(n);
  const scales = new Float32Array(Math.ceil(n / block));
  for (let b = 0; b < scales.length; b++) {
    const lo = b * block;
    const hi = Math.min(n, lo + block);
    let amax = 0;
    for (let i = lo; i < hi; i++) amax = Math.max(amax, Math.abs(x[i]!));
    const s = Math.fround(amax / qmax);
    scales[b] = s;
    if (s === 0) continue;
    for (let i = lo; i < hi; i++) q[i] = Math.max(-qmax, Math.min(qmax, Math.round(x[i]! / s)));
  }
  return { q, scales };
}

/** Values as the graph reads them back: q * scale (in fp32, as DequantizeLinear and MatMulNBits compute them). */
export function dequantizeRow(q: Int8Array, scales: Float32Array, dtype: IntQuant): Float64Array {
  const { block } = QUANT_LAYOUT[dtype];
  return Float64Array.from(q, (v, i) => Math.fround(v * scales[Math.floor(i / block)]!));
}

/** Bytes of the data of a [rows, cols] matrix in an encoding (scales not included). */
export function quantDataBytes(rows: number, cols: number, dtype: IntQuant): number {
  const { bits, block } = QUANT_LAYOUT[dtype];
  return rows * blocksPerRow(cols, dtype) * ((block * bits) / 8);
}

/** Encodes rows [first, first + qs.length) of a matrix into `out` (the whole tensor's data bytes). */
export function encodeRows(out: Uint8Array, qs: Int8Array[], firstRow: number, cols: number, dtype: IntQuant, encoding: QuantEncoding): void {
  const { bits, block } = QUANT_LAYOUT[dtype];
  const zero = encoding === 'offset' ? 2 ** (bits - 1) : 0;
  const mask = bits === 8 ? 0xff : 0x0f;
  const rowBytes = blocksPerRow(cols, dtype) * ((block * bits) / 8);
  const padded = blocksPerRow(cols, dtype) * block;
  qs.forEach((q, r) => {
    const base = (firstRow + r) * rowBytes;
    for (let i = 0; i < padded; i++) {
      const u = ((i < cols ? q[i]! : 0) + zero) & mask;
      if (bits === 8) out[base + i] = u;
      else if (i & 1) out[base + (i >> 1)] = out[base + (i >> 1)]! | (u << 4);
      else out[base + (i >> 1)] = u;
    }
  });
}

/** Decodes row `row` of a matrix from its data bytes (the inverse of encodeRows, for tests and checks). */
export function decodeRow(data: Uint8Array, row: number, cols: number, dtype: IntQuant, encoding: QuantEncoding): Int8Array {
  const { bits, block } = QUANT_LAYOUT[dtype];
  const q = new Int8Array(cols);
  const rowBytes = blocksPerRow(cols, dtype) * ((block * bits) / 8);
  for (let i = 0; i < cols; i++) {
    const byte = data[row * rowBytes + (bits === 8 ? i : i >> 1)]!;
    const u = bits === 8 ? byte : i & 1 ? byte >> 4 : byte & 0x0f;
    // offset: subtract the zero point; signed: sign-extend the two's complement byte or nibble
    q[i] = encoding === 'offset' ? u - 2 ** (bits - 1) : bits === 8 ? (u << 24) >> 24 : (u << 28) >> 28;
  }
  return q;
}

/** fp8 e4m3fn bits of a number: round to nearest even, saturating at +-448 (the format has no infinity). */
export function toE4M3Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7f;
  const sign = x < 0 || Object.is(x, -0) ? 0x80 : 0;
  const a = Math.abs(x);
  if (a >= 464) return sign | 0x7e; // rounds to 448 below the halfway point to 480
  const roundEven = (v: number): number => {
    const f = Math.floor(v);
    const r = v - f;
    return r > 0.5 || (r === 0.5 && f % 2 === 1) ? f + 1 : f;
  };
  if (a < 2 ** -6) return sign | roundEven(a / 2 ** -9); // subnormal (8 -> the smallest normal, 0x08)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  let m = roundEven((a / 2 ** e - 1) * 8);
  if (m === 8) {
    m = 0;
    e++;
  }
  if (e > 8) return sign | 0x7e;
  return sign | ((e + 7) << 3) | m;
}

/** The number e4m3fn bits stand for. */
export function fromE4M3Bits(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >> 3) & 0x0f;
  const m = b & 0x07;
  if (exp === 0x0f && m === 0x07) return NaN;
  if (exp === 0) return sign * m * 2 ** -9;
  return sign * (1 + m / 8) * 2 ** (exp - 7);
}
