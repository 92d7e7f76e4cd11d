import { describe, expect, it } from 'vitest';
import { equalDims, presetIds, presetModel, PRESETS } from './presets.js';
import { kvBytesPerToken, SpecError } from './spec.js';

// KV bytes per token, all layers, 2-byte cache (shared/MODELS.md)
const KV_BF16: Record<string, number> = {
  'deepseek-v3': 70272,
  'deepseek-v2-lite': 31104,
  'llama-3.1-8b': 131072,
  'llama-3.1-70b': 327680,
  'mistral-7b': 131072,
  'qwen2.5-7b': 57344,
};

describe('presets', () => {
  it('cover the six models of the brief and the newer ones (presets-hybrid.test.ts), each with a source', () => {
    expect(presetIds().slice(0, 6).sort()).toEqual(Object.keys(KV_BF16).sort());
    expect(presetIds().slice(6)).toEqual([
      'gemma-3-27b',
      'gpt-oss-20b',
      'gpt-oss-120b',
      'llama-4-scout',
      'qwen3-8b',
      'qwen3-30b-a3b',
      'kimi-k2',
      'qwen3-next-80b-a3b',
    ]);
    for (const p of PRESETS) expect(p.source.length).toBeGreaterThan(10);
  });
  it.each(Object.entries(KV_BF16))('%s caches %d B/token in bf16', (id, bytes) => {
    const m = presetModel(id);
    expect(kvBytesPerToken(m.attention, 'bf16') * m.numLayers).toBe(bytes);
  });
  it('derive head dims and windows from the configs', () => {
    expect(presetModel('llama-3.1-70b').attention).toEqual({ kind: 'gqa', numHeads: 64, numKvHeads: 8, headDim: 128 });
    expect(presetModel('mistral-7b').slidingWindow).toBe(4096);
    expect(presetModel('qwen2.5-7b').slidingWindow).toBeNull();
    expect(presetModel('deepseek-v2-lite').attention).toMatchObject({ kind: 'mla', qLoraRank: 0 });
  });
  it('BAD CALL - unknown preset lists the known ones', () => {
    expect(() => presetModel('gpt-5')).toThrow(SpecError);
    expect(() => presetModel('gpt-5')).toThrow(/unknown preset "gpt-5"; known presets: deepseek-v3, /);
  });
});

describe('equal-dims comparison', () => {
  it('expresses DeepSeek-V3 as MHA (192/128 heads), GQA, MQA and its own MLA', () => {
    const e = equalDims(presetModel('deepseek-v3').attention, 8);
    expect(e.mha).toMatchObject({ numHeads: 128, numKvHeads: 128, headDim: 192, vHeadDim: 128 });
    expect(e.gqa.numKvHeads).toBe(8);
    expect(e.mqa.numKvHeads).toBe(1);
    expect(kvBytesPerToken(e.mla, 'fp16') / kvBytesPerToken(e.mha, 'fp16')).toBeCloseTo(576 / 40960, 10);
  });
  it('gives a GQA model an MLA with DeepSeek-V2 ratios and keeps its own GQA', () => {
    const e = equalDims(presetModel('llama-3.1-8b').attention);
    expect(e.gqa.numKvHeads).toBe(8);
    expect(e.mla).toMatchObject({ kvLoraRank: 512, qkRopeHeadDim: 64, qkNopeHeadDim: 128 });
    // MLA caches 4.5 d_h: like GQA with 2.25 groups
    expect(kvBytesPerToken(e.mla, 'fp16') / kvBytesPerToken({ ...e.gqa, numKvHeads: 1, kind: 'mqa' }, 'fp16')).toBe(2.25);
  });
  it('BAD CALL - groups must divide heads', () => {
    expect(() =>
      equalDims(
        presetModel('qwen2.5-7b').attention.kind === 'gqa' ? { kind: 'mha', numHeads: 28, numKvHeads: 28, headDim: 128 } : presetModel('qwen2.5-7b').attention,
        8,
      ),
    ).toThrow(/GQA groups \(8\) must divide the 28 query heads; choose another --gqa-groups/);
  });
});
