import { describe, expect, it } from 'vitest';
import type { AttentionSpec } from '../model/spec.js';
import { candidateForms, FORM_CALIBRATION_CONTEXT, FORM_LONG_CALIBRATION_CONTEXT, formCalibration } from './runner-forms.js';

const gqa: AttentionSpec = { kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 };
const mla: AttentionSpec = { kind: 'mla', numHeads: 128, kvLoraRank: 512, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128, qLoraRank: 1536 };

describe('candidateForms', () => {
  it('offers the MatMul forms first, then onnxruntime MultiHeadAttention and GroupQueryAttention, for every head variant', () => {
    for (const kind of ['mha', 'gqa', 'mqa'] as const) {
      expect(candidateForms({ spec: { ...gqa, kind }, mode: 'decode', cacheTokens: 32768 })).toEqual(['decomposed', 'cache-left', 'mha-op', 'gqa-op']);
    }
  });
  it('leaves out the fused ops where keys and values differ in size (an MLA model as MHA), gqa-op below 2 tokens', () => {
    expect(candidateForms({ spec: { ...gqa, vHeadDim: 64 }, mode: 'decode', cacheTokens: 4096 })).toEqual(['decomposed', 'cache-left']);
    expect(candidateForms({ spec: gqa, mode: 'decode', cacheTokens: 1 })).toEqual(['decomposed', 'cache-left', 'mha-op']);
  });
  it('has one form for MLA and for prefill', () => {
    expect(candidateForms({ spec: mla, mode: 'decode', cacheTokens: 4096 })).toEqual(['decomposed']);
    expect(candidateForms({ spec: gqa, mode: 'prefill', cacheTokens: 4096 })).toEqual(['decomposed']);
  });
});

describe('formCalibration', () => {
  it('calibrates short points at their own context and long ones again, at most at the long calibration context', () => {
    expect(formCalibration(512)).toEqual({ key: 'short', context: 512 });
    expect(formCalibration(FORM_CALIBRATION_CONTEXT)).toEqual({ key: 'short', context: FORM_CALIBRATION_CONTEXT });
    expect(formCalibration(FORM_CALIBRATION_CONTEXT + 1)).toEqual({ key: 'long', context: FORM_CALIBRATION_CONTEXT + 1 });
    expect(formCalibration(131072)).toEqual({ key: 'long', context: FORM_LONG_CALIBRATION_CONTEXT });
  });
});
