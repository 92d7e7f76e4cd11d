import { describe, expect, it } from 'vitest';
import { checkBufferSize, kvBytesPerToken, kvCacheBytes, mlaAsMha, SpecError, validateSpec, type AttentionSpec, type MlaSpec } from './spec.js';

const v3: MlaSpec = { kind: 'mla', numHeads: 128, kvLoraRank: 512, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128, qLoraRank: 1536 };

describe('analytic KV bytes (DeepSeek-V2 Table 1)', () => {
  it('MHA is 2 n_h d_h elements per token', () => {
    expect(kvBytesPerToken({ kind: 'mha', numHeads: 32, numKvHeads: 32, headDim: 128 }, 'fp16')).toBe(2 * 32 * 128 * 2);
  });
  it('GQA is 2 n_kv d_h, MQA 2 d_h', () => {
    expect(kvBytesPerToken({ kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 }, 'fp32')).toBe(2 * 8 * 128 * 4);
    expect(kvBytesPerToken({ kind: 'mqa', numHeads: 32, numKvHeads: 1, headDim: 128 }, 'int4')).toBe(128 + 32); // 256 int4 values and 8 fp32 scales (QUANT_LAYOUT)
  });
  it('MLA is d_c + d_R: 576 values for DeepSeek-V3, 70272 B/token over 61 layers in bf16', () => {
    expect(kvBytesPerToken(v3, 'bf16')).toBe(1152);
    expect(kvCacheBytes(v3, { tokens: 1, batch: 1, layers: 61, dtype: 'bf16' })).toBe(70272);
  });
  it('the MHA-equivalent of DeepSeek-V3 caches 128 x (192 + 128) values per token', () => {
    const mha = mlaAsMha(v3);
    expect(kvBytesPerToken(mha, 'bf16') / 2).toBe(128 * 320);
    // MLA saves 1 - 576 / 40960 of the expanded cache
    expect(1 - kvBytesPerToken(v3, 'bf16') / kvBytesPerToken(mha, 'bf16')).toBeCloseTo(0.9859, 4);
  });
});

describe('BAD CALL - validateSpec', () => {
  const bad: [string, AttentionSpec, RegExp, string][] = [
    ['zero heads', { kind: 'mha', numHeads: 0, numKvHeads: 0, headDim: 64 }, /numHeads must be positive, got 0/, 'numHeads'],
    ['negative head dim', { kind: 'gqa', numHeads: 8, numKvHeads: 2, headDim: -4 }, /headDim must be positive/, 'headDim'],
    ['fractional', { kind: 'gqa', numHeads: 8, numKvHeads: 2, headDim: 6.5 }, /headDim must be an integer/, 'headDim'],
    ['heads not divisible', { kind: 'gqa', numHeads: 10, numKvHeads: 4, headDim: 64 }, /must be a multiple of numKvHeads \(4\)/, 'numKvHeads'],
    ['MQA with 2 kv heads', { kind: 'mqa', numHeads: 8, numKvHeads: 2, headDim: 64 }, /exactly one K\/V head/, 'kind'],
    ['absurd', { kind: 'mha', numHeads: 8, numKvHeads: 8, headDim: 1e9 }, /larger than 1048576/, 'headDim'],
    ['MLA zero rank', { ...v3, kvLoraRank: 0 }, /kvLoraRank must be positive/, 'kvLoraRank'],
  ];
  it.each(bad)('%s', (_, spec, message, field) => {
    let err: unknown;
    try {
      validateSpec(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toMatch(message);
    expect((err as SpecError).field).toBe(field);
  });
  it('rejects buffers larger than a typed array can hold', () => {
    expect(() => checkBufferSize(2 ** 33, 'cache')).toThrow(/more than the 4294967295 a typed array can hold/);
    expect(() => checkBufferSize(1024, 'cache')).not.toThrow();
  });
});
