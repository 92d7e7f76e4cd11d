import { describe, expect, it } from 'vitest';
import { cacheBytesPerElement, QUANT_BLOCK, quantRowBytes } from '@/contract/lists.js';
import { cacheCost, kvBytesPerToken, type AttentionSpec } from '../model/spec.js';
import { blocksPerRow, decodeRow, dequantizeRow, encodeRows, fromE4M3Bits, quantDataBytes, quantizeRow, toE4M3Bits } from './quant.js';
import { cacheFillValues, quantPieceBytes, quantPieceContents } from './resident.js';

describe('quantized cache bytes, scales included (one definition)', () => {
  it('counts int8 as 1 + 4/32 and int4 as 0.5 + 4/32 bytes per value', () => {
    expect(QUANT_BLOCK).toBe(32);
    expect(cacheBytesPerElement('int8')).toBe(1.125);
    expect(cacheBytesPerElement('int4')).toBe(0.625);
    expect(cacheBytesPerElement('fp8')).toBe(1);
    expect(cacheBytesPerElement('fp16')).toBe(2);
  });
  it('gives the hand-computed bytes per token per layer', () => {
    // Llama-3.1-8B GQA: 8 K/V heads x (128 + 128) = 2048 values a token per layer.
    const gqa: AttentionSpec = { kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 };
    expect(kvBytesPerToken(gqa, 'fp32')).toBe(8192);
    expect(kvBytesPerToken(gqa, 'int8')).toBe(2048 + (2048 / 32) * 4); // 2304
    expect(kvBytesPerToken(gqa, 'int4')).toBe(1024 + 256); // 1280
    // DeepSeek-V3 MLA: 512 + 64 = 576 values a token per layer.
    const mla: AttentionSpec = { kind: 'mla', numHeads: 128, kvLoraRank: 512, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128, qLoraRank: 1536 };
    expect(kvBytesPerToken(mla, 'int4')).toBe(288 + 72);
    expect(cacheCost(mla, 'int8')).toEqual({ perTokenPerLayer: 576 + 72, bytesPerElement: 1.125 });
    // a head dim that is not a multiple of 32 pads K's rows: d = 48 takes 2 blocks (64 values + 2 scales)
    const odd: AttentionSpec = { kind: 'mha', numHeads: 2, numKvHeads: 2, headDim: 48, vHeadDim: 16 };
    expect(kvBytesPerToken(odd, 'int8')).toBe(2 * (64 + 8 + 16 * 1.125));
  });
  it('stores exactly that many bytes in a piece (a multiple of the block)', () => {
    for (const dtype of ['int8', 'int4'] as const) {
      const data = quantPieceBytes({ dtype, encoding: 'offset', part: 'data', start: 0, rows: 64, cols: 128 });
      const scales = quantPieceBytes({ dtype, encoding: 'offset', part: 'scales', start: 0, rows: 64, cols: 128 });
      expect(data + scales).toBe(64 * 128 * cacheBytesPerElement(dtype));
      expect(quantDataBytes(64, 128, dtype)).toBe(data);
    }
    // a short last block pads to a full one
    expect(quantDataBytes(3, 40, 'int4')).toBe(3 * 2 * 16);
    expect(quantRowBytes(40, 'int4')).toBe(2 * (16 + 4));
    expect(quantRowBytes(40, 'int8')).toBe(2 * (32 + 4));
    expect(blocksPerRow(40, 'int8')).toBe(2);
  });
});

describe('block quantization', () => {
  it('quantizes symmetric blocks with scale max|x| / qmax', () => {
    const x = Array.from({ length: 64 }, (_, i) => (i < 32 ? (i - 16) / 16 : (i - 48) / 160));
    const { q, scales } = quantizeRow(x, 'int4');
    expect(scales[0]).toBeCloseTo(1 / 7, 7);
    expect(scales[1]).toBeCloseTo(0.1 / 7, 7);
    expect(q[0]).toBe(-7); // -1
    expect(q[16]).toBe(0);
    expect(q[20]).toBe(2); // 0.25 / (1/7) = 1.75 -> 2
    const back = dequantizeRow(q, scales, 'int4');
    for (let i = 0; i < 64; i++) expect(Math.abs(back[i]! - x[i]!)).toBeLessThanOrEqual(scales[i < 32 ? 0 : 1]! / 2 + 1e-7);
  });
  it('a zero block stays zero', () => {
    const { q, scales } = quantizeRow(new Float64Array(32), 'int8');
    expect(scales[0]).toBe(0);
    expect(Array.from(q).every((v) => v === 0)).toBe(true);
  });
  for (const dtype of ['int8', 'int4'] as const)
    for (const encoding of ['signed', 'offset'] as const)
      it(`packs and unpacks ${dtype} ${encoding} exactly (odd widths too)`, () => {
        for (const cols of [32, 40, 7]) {
          const rows = 5;
          const qs = Array.from(
            { length: rows },
            (_, r) =>
              quantizeRow(
                Array.from({ length: cols }, (_, i) => Math.sin(r * 31 + i)),
                dtype,
              ).q,
          );
          const out = new Uint8Array(quantDataBytes(rows, cols, dtype));
          encodeRows(out, qs.slice(0, 2), 0, cols, dtype, encoding);
          encodeRows(out, qs.slice(2), 2, cols, dtype, encoding);
          for (let r = 0; r < rows; r++) expect(Array.from(decodeRow(out, r, cols, dtype, encoding))).toEqual(Array.from(qs[r]!));
        }
      });
  it('writes MatMulNBits int4 blobs with the low nibble first and zero point 8', () => {
    const q = Int8Array.from({ length: 32 }, (_, i) => (i === 0 ? -7 : i === 1 ? 7 : 0));
    const out = new Uint8Array(16);
    encodeRows(out, [q], 0, 32, 'int4', 'offset');
    expect(out[0]).toBe(1 | (15 << 4));
    expect(out[1]).toBe(8 | (8 << 4));
  });
  it('a piece is the quantized fill of its logical tensor', () => {
    const piece = { dtype: 'int8' as const, encoding: 'offset' as const, start: 64, rows: 2, cols: 32 };
    const data = quantPieceContents({ ...piece, part: 'data' }, 'k', 1234);
    const scales = new Float32Array(quantPieceContents({ ...piece, part: 'scales' }, 'k', 1234).buffer);
    const x = cacheFillValues('k', 64, 64, 1234);
    for (let r = 0; r < 2; r++) {
      const expected = quantizeRow(x.subarray(r * 32, r * 32 + 32), 'int8');
      expect(Array.from(decodeRow(data, r, 32, 'int8', 'offset'))).toEqual(Array.from(expected.q));
      expect(scales[r]).toBe(expected.scales[0]);
    }
  });
});

describe('fp8 e4m3fn', () => {
  it('encodes known values', () => {
    expect(toE4M3Bits(1)).toBe(0x38);
    expect(toE4M3Bits(-2)).toBe(0xc0);
    expect(toE4M3Bits(448)).toBe(0x7e);
    expect(toE4M3Bits(1e6)).toBe(0x7e); // saturates
    expect(toE4M3Bits(2 ** -9)).toBe(0x01); // smallest subnormal
    expect(toE4M3Bits(0)).toBe(0);
    expect(fromE4M3Bits(0x7f)).toBeNaN();
    expect(fromE4M3Bits(0x38)).toBe(1);
  });
  it('rounds to nearest even and round-trips every finite code', () => {
    expect(fromE4M3Bits(toE4M3Bits(1.0625))).toBe(1); // halfway between 1 and 1.125 -> even (1)
    expect(fromE4M3Bits(toE4M3Bits(1.1875))).toBe(1.25); // halfway between 1.125 and 1.25 -> even (1.25)
    for (let b = 0; b < 256; b++) {
      if ((b & 0x7f) === 0x7f) continue;
      const v = fromE4M3Bits(b);
      if (Object.is(v, -0)) continue;
      expect(toE4M3Bits(v)).toBe(b);
    }
  });
});
