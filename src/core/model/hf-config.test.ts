import { describe, expect, it } from 'vitest';
import { CONFIGS } from './fixtures/configs.js';
import { HYBRID_CONFIGS } from './fixtures/configs-hybrid.js';
import { modelFromHfConfig } from './hf-config.js';
import { estimateParams } from './params.js';
import { kvBytesPerToken, SpecError } from './spec.js';

// [attention, layers, max ctx, window, KV bytes/token all layers bf16 (hand-computed)]
const EXPECTED: Record<string, [object, number, number | null, number | null, number]> = {
  'llama-3.1-8b': [{ kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 }, 32, 131072, null, 2 * 8 * 128 * 2 * 32],
  'mistral-7b-v0.1': [{ kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 }, 32, 32768, 4096, 131072],
  'mixtral-8x7b-v0.1': [{ kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 }, 32, 32768, null, 131072],
  'qwen2.5-7b': [{ kind: 'gqa', numHeads: 28, numKvHeads: 4, headDim: 128 }, 28, 131072, null, 57344],
  'gemma-7b': [{ kind: 'mha', numHeads: 16, numKvHeads: 16, headDim: 256 }, 28, 8192, null, 2 * 16 * 256 * 2 * 28],
  // Gemma-2 gives head_dim 256 (not 3584 / 16 = 224) and alternates window/global layers
  'gemma-2-9b': [{ kind: 'gqa', numHeads: 16, numKvHeads: 8, headDim: 256 }, 42, 8192, null, 2 * 8 * 256 * 2 * 42],
  'phi-3-mini-4k': [{ kind: 'mha', numHeads: 32, numKvHeads: 32, headDim: 96 }, 32, 4096, 2047, 2 * 32 * 96 * 2 * 32],
  // old Falcon: multi_query -> one K/V head; 4544 / 71 = 64
  'falcon-7b': [{ kind: 'mqa', numHeads: 71, numKvHeads: 1, headDim: 64 }, 32, null, null, 2 * 64 * 2 * 32],
  'falcon-40b': [{ kind: 'gqa', numHeads: 128, numKvHeads: 8, headDim: 64 }, 60, null, null, 2 * 8 * 64 * 2 * 60],
  gpt2: [{ kind: 'mha', numHeads: 12, numKvHeads: 12, headDim: 64 }, 12, 1024, null, 2 * 12 * 64 * 2 * 12],
  'deepseek-v2-lite': [{ kind: 'mla', numHeads: 16, kvLoraRank: 512, qkRopeHeadDim: 64, qLoraRank: 0 }, 27, 163840, null, 31104],
  'deepseek-v3': [{ kind: 'mla', numHeads: 128, kvLoraRank: 512, qkNopeHeadDim: 128, vHeadDim: 128, qLoraRank: 1536 }, 61, 163840, null, 70272],
};

describe('modelFromHfConfig: published configs of each family', () => {
  it.each(Object.keys(EXPECTED))('%s', (id) => {
    const [attention, layers, maxContext, window, kvBf16] = EXPECTED[id]!;
    const m = modelFromHfConfig(CONFIGS[id], id);
    expect(m.attention).toMatchObject(attention);
    expect(m.numLayers).toBe(layers);
    expect(m.maxContext).toBe(maxContext);
    expect(m.slidingWindow).toBe(window);
    expect(kvBytesPerToken(m.attention, 'bf16') * m.numLayers).toBe(kvBf16);
  });
  it('says which field each figure came from', () => {
    const llama = modelFromHfConfig(CONFIGS['llama-3.1-8b']).derivedFrom;
    expect(llama.head_dim).toBe('derived: hidden_size / num_attention_heads = 128');
    expect(llama.num_key_value_heads).toBe('K/V heads (n_kv)');
    expect(modelFromHfConfig(CONFIGS['deepseek-v3']).derivedFrom.num_key_value_heads).toBe('ignored: MLA caches the latent');
    expect(modelFromHfConfig(CONFIGS['qwen2.5-7b']).derivedFrom.sliding_window).toBe('ignored: use_sliding_window is false');
    expect(modelFromHfConfig(CONFIGS.gpt2).derivedFrom).toMatchObject({ n_embd: 'hidden size', n_head: 'query heads (n_h)', n_positions: 'max context' });
  });
  it('ignores a misleading num_kv_heads in a re-saved old Falcon config', () => {
    const m = modelFromHfConfig({ ...CONFIGS['falcon-7b'], num_kv_heads: 71 });
    expect(m.attention).toMatchObject({ kind: 'mqa', numKvHeads: 1 });
  });
});

describe('BAD CALL - malformed configs', () => {
  const cases: [string, unknown, RegExp, string | undefined][] = [
    ['not an object', [1, 2], /must hold a JSON object/, undefined],
    ['no heads', { hidden_size: 4096, num_hidden_layers: 2 }, /lacks "num_attention_heads" or "n_head"/, 'num_attention_heads'],
    ['no layers', { hidden_size: 4096, num_attention_heads: 32 }, /lacks "num_hidden_layers" or "n_layer"/, 'num_hidden_layers'],
    [
      'string heads',
      { hidden_size: 4096, num_attention_heads: '32', num_hidden_layers: 2 },
      /config field "num_attention_heads" must be an integer from 1 to 1024, got "32"/,
      'num_attention_heads',
    ],
    [
      'kv heads do not divide',
      { ...CONFIGS['llama-3.1-8b'], num_key_value_heads: 5 },
      /num_key_value_heads \(5\) must divide num_attention_heads \(32\)/,
      'num_key_value_heads',
    ],
    [
      'hidden not divisible, no head_dim',
      { hidden_size: 1000, num_attention_heads: 3, num_hidden_layers: 2 },
      /hidden_size \(1000\) is not a multiple of num_attention_heads \(3\); give "head_dim"/,
      'head_dim',
    ],
    ['MLA without rope dim', { ...CONFIGS['deepseek-v3'], qk_rope_head_dim: undefined }, /lacks "qk_rope_head_dim"/, 'qk_rope_head_dim'],
    ['negative layers', { ...CONFIGS.gpt2, n_layer: -1 }, /config field "n_layer" must be an integer from 1 to 1024, got -1/, 'n_layer'],
    // Each of these gave Infinity, NaN or negative figures (and wedged the app's sweep) before.
    [
      'zero layers',
      { ...CONFIGS['llama-3.1-8b'], num_hidden_layers: 0 },
      /config field "num_hidden_layers" must be an integer from 1 to 1024, got 0$/,
      'num_hidden_layers',
    ],
    [
      'huge layers',
      { ...CONFIGS['llama-3.1-8b'], num_hidden_layers: 1e308 },
      /"num_hidden_layers" must be an integer from 1 to 1024, got 1e\+308/,
      'num_hidden_layers',
    ],
    [
      'fractional hidden size',
      { ...CONFIGS['llama-3.1-8b'], hidden_size: 4096.5 },
      /"hidden_size" must be an integer from 1 to 1048576, got 4096.5/,
      'hidden_size',
    ],
    [
      'zero hidden size',
      { ...CONFIGS['llama-3.1-8b'], hidden_size: 0, head_dim: 128 },
      /"hidden_size" must be an integer from 1 to 1048576, got 0/,
      'hidden_size',
    ],
    [
      'zero heads',
      { ...CONFIGS['llama-3.1-8b'], num_attention_heads: 0 },
      /"num_attention_heads" must be an integer from 1 to 1024, got 0/,
      'num_attention_heads',
    ],
    [
      'zero K/V heads',
      { ...CONFIGS['llama-3.1-8b'], num_key_value_heads: 0 },
      /"num_key_value_heads" must be an integer from 1 to 1024, got 0/,
      'num_key_value_heads',
    ],
    ['zero head dim', { ...CONFIGS['llama-3.1-8b'], head_dim: 0 }, /"head_dim" must be an integer from 1 to 1048576, got 0/, 'head_dim'],
    ['zero MLA value dim', { ...CONFIGS['deepseek-v3'], v_head_dim: 0 }, /"v_head_dim" must be an integer from 1 to 1048576, got 0/, 'v_head_dim'],
    [
      'zero max context',
      { ...CONFIGS['llama-3.1-8b'], max_position_embeddings: 0 },
      /"max_position_embeddings" must be an integer from 1 to 2147483647, got 0/,
      'max_position_embeddings',
    ],
    [
      'negative window',
      { ...CONFIGS['mistral-7b-v0.1'], sliding_window: -4096 },
      /"sliding_window" must be an integer from 0 to 2147483647, got -4096/,
      'sliding_window',
    ],
  ];
  it.each(cases)('%s', (_, cfg, message, field) => {
    let err: unknown;
    try {
      modelFromHfConfig(cfg);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as Error).message).toMatch(message);
    expect((err as SpecError).field).toBe(field);
  });
});

describe('estimateParams', () => {
  // published: Llama-3.1-8B 8.03B; Mixtral-8x7B 46.7B total / 12.9B active; DeepSeek-V3 671B / 37B (+ MTP layer)
  it.each([
    ['llama-3.1-8b', 8.03e9, 8.03e9],
    ['mixtral-8x7b-v0.1', 46.7e9, 12.9e9],
    ['deepseek-v3', 671e9, 37e9],
    // model cards: Qwen3-30B-A3B 30.5B / 3.3B; Qwen3-Next-80B-A3B 80B / 3B (its 36 Gated DeltaNet layers priced as such,
    // and the one shared expert of shared_expert_intermediate_size: active 3.77B, so only the total is held to 3%)
    ['qwen3-30b-a3b', 30.5e9, 3.3e9],
    ['qwen3-next-80b-a3b', 80e9, null],
  ])('%s is within 3% of the published count', (id, total, active) => {
    const cfg = CONFIGS[id] ?? HYBRID_CONFIGS[id]!;
    const m = modelFromHfConfig(cfg);
    const p = estimateParams(cfg, m.attention, m.numLayers, m.hiddenSize, m.layerKinds);
    expect(Math.abs(p.total / total - 1)).toBeLessThan(0.03);
    if (active !== null) expect(Math.abs(p.active / active - 1)).toBeLessThan(0.03);
  });
  it('prices a Gated DeltaNet layer as one, not as full attention', () => {
    const cfg = HYBRID_CONFIGS['qwen3-next-80b-a3b']!;
    const m = modelFromHfConfig(cfg);
    // GDN: 2048 x (2 x 2048 + 2 x 4096) + 2048 x 2 x 32 + (2 x 2048 + 4096) x 4 + 4096 x 2048 + 2 x 32 + 128 = 33,718,464
    // full attention as estimated: 2048 x 16 x 256 + 2048 x 2 x 512 + 16 x 256 x 2048 = 18,874,368; 36 layers differ by 14,844,096 each
    const withKinds = estimateParams(cfg, m.attention, m.numLayers, m.hiddenSize, m.layerKinds).total;
    expect(withKinds - estimateParams(cfg, m.attention, m.numLayers, m.hiddenSize).total).toBe(36 * 14_844_096);
  });
});

describe('warnings', () => {
  it('names an unknown model_type; Gemma-2 windows are exact now (presets-hybrid.test.ts), not a warning', () => {
    expect(modelFromHfConfig({ ...CONFIGS['llama-3.1-8b'], model_type: 'olmo2' }).warnings).toEqual([
      expect.stringMatching(/model_type "olmo2" is not one kvscope knows/),
    ]);
    expect(modelFromHfConfig(CONFIGS['gemma-2-9b']).warnings).toBeUndefined();
    expect(modelFromHfConfig(CONFIGS['llama-3.1-8b']).warnings).toBeUndefined();
  });
});
