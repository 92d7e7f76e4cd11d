import { describe, expect, it } from 'vitest';
import { cacheBytesAt, layersOf } from '@/contract/layers.js';
import { CONFIGS } from './fixtures/configs.js';
import { HYBRID_CONFIGS } from './fixtures/configs-hybrid.js';
import { modelFromHfConfig, type ModelInfo } from './hf-config.js';
import { presetModel } from './presets.js';
import { cacheCost } from './spec.js';

const bf16 = (m: ModelInfo, t: number, batch = 1): number => cacheBytesAt(layersOf(m), cacheCost(m.attention, 'bf16'), t, batch);
const PAGED = { pageTokens: 16, windowedLayers: 'window' } as const;
const paged = (m: ModelInfo, t: number, p: typeof PAGED | { pageTokens: number; windowedLayers: 'full' } = PAGED): number =>
  cacheBytesAt(layersOf(m), cacheCost(m.attention, 'bf16'), t, 1, p);
const CONTEXTS = [1024, 4096, 32768, 131072];

/*
 * Expected bytes, batch 1, bf16 (2 B), computed by hand from the configs in fixtures/configs-hybrid.ts.
 * "B/tok/layer" = 2 (K and V) x num_key_value_heads x head_dim x 2 B (MLA: (kv_lora_rank + qk_rope_head_dim) x 2 B).
 *
 * gemma-3-27b: 62 layers, 16 x 128 -> 8192 B/tok/layer; sliding_window_pattern absent -> default 6:
 *   layer i global where (i + 1) % 6 == 0 -> 10 global (5, 11 … 59), 52 sliding (window 1024).
 *   1K: 62 x 1024 x 8192 = 520,093,696; 4K: 10 x 4096 x 8192 + 52 x 1024 x 8192 = 335,544,320 + 436,207,616 = 771,751,936
 *   32K: 10 x 32768 x 8192 + 436,207,616 = 3,120,562,176; 128K: 10 x 131072 x 8192 + 436,207,616 = 11,173,625,856
 * gpt-oss-20b: 24 layers, 8 x 64 -> 2048 B/tok/layer; layer_types: 12 sliding (128), 12 full.
 *   1K: 12 x 1024 x 2048 + 12 x 128 x 2048 = 25,165,824 + 3,145,728 = 28,311,552; 4K: 100,663,296 + 3,145,728 = 103,809,024
 *   32K: 805,306,368 + 3,145,728 = 808,452,096; 128K: 3,221,225,472 + 3,145,728 = 3,224,371,200
 * gpt-oss-120b: 36 layers, 8 x 64 -> 2048 B/tok/layer; layer_types: 18 sliding (128), 18 full.
 *   1K: 18 x 1024 x 2048 + 18 x 128 x 2048 = 37,748,736 + 4,718,592 = 42,467,328; 4K: 150,994,944 + 4,718,592 = 155,713,536
 *   32K: 1,207,959,552 + 4,718,592 = 1,212,678,144; 128K: 4,831,838,208 + 4,718,592 = 4,836,556,800
 * llama-4-scout: 48 layers, 8 x 128 -> 4096 B/tok/layer; no no_rope_layers -> interval 4: 12 global (3, 7 … 47), 36 chunked (8192).
 *   1K: 48 x 1024 x 4096 = 201,326,592; 4K: 48 x 4096 x 4096 = 805,306,368
 *   32K: 12 x 32768 x 4096 + 36 x 8192 x 4096 = 1,610,612,736 + 1,207,959,552 = 2,818,572,288
 *   128K: 12 x 131072 x 4096 + 1,207,959,552 = 6,442,450,944 + 1,207,959,552 = 7,650,410,496
 * qwen3-8b: 36 layers x 8 x 128 -> 36 x 4096 = 147,456 B/tok: 150,994,944; 603,979,776; 4,831,838,208; 19,327,352,832
 * qwen3-30b-a3b: 48 layers x 4 x 128 -> 48 x 2048 = 98,304 B/tok: 100,663,296; 402,653,184; 3,221,225,472; 12,884,901,888
 * kimi-k2: 61 layers MLA (512 + 64) x 2 = 1152 -> 70,272 B/tok: 71,958,528; 287,834,112; 2,302,672,896; 9,210,691,584
 * qwen3-next-80b-a3b: 48 layers, full_attention_interval 4 -> 12 full (2 x 256 -> 2048 B/tok/layer), 36 linear:
 *   state per layer = 32 x 128 x 128 + (2 x 16 x 128 + 32 x 128) x (4 - 1) = 524,288 + 24,576 = 548,864 elements
 *   x 2 B x 36 layers = 39,518,208 B per sequence, whatever the context.
 *   1K: 12 x 1024 x 2048 + 39,518,208 = 64,684,032; 4K: 100,663,296 + 39,518,208 = 140,181,504
 *   32K: 805,306,368 + 39,518,208 = 844,824,576; 128K: 3,221,225,472 + 39,518,208 = 3,260,743,680
 */
const EXPECTED: Record<string, [number, number, number, number]> = {
  'gemma-3-27b': [520_093_696, 771_751_936, 3_120_562_176, 11_173_625_856],
  'gpt-oss-20b': [28_311_552, 103_809_024, 808_452_096, 3_224_371_200],
  'gpt-oss-120b': [42_467_328, 155_713_536, 1_212_678_144, 4_836_556_800],
  'llama-4-scout': [201_326_592, 805_306_368, 2_818_572_288, 7_650_410_496],
  'qwen3-8b': [150_994_944, 603_979_776, 4_831_838_208, 19_327_352_832],
  'qwen3-30b-a3b': [100_663_296, 402_653_184, 3_221_225_472, 12_884_901_888],
  'kimi-k2': [71_958_528, 287_834_112, 2_302_672_896, 9_210_691_584],
  'qwen3-next-80b-a3b': [64_684_032, 140_181_504, 844_824_576, 3_260_743_680],
};

describe('new presets: exact window-aware bytes from the published configs (bf16, batch 1)', () => {
  it.each(Object.entries(EXPECTED))('%s at 1K, 4K, 32K, 128K', (id, bytes) => {
    const m = presetModel(id);
    expect(CONTEXTS.map((t) => bf16(m, t))).toEqual(bytes);
  });
  it('reads the presets from the published configs, unchanged', () => {
    for (const id of Object.keys(EXPECTED)) expect(modelFromHfConfig(HYBRID_CONFIGS[id], id)).toEqual(presetModel(id));
  });
  it('gives each family its layer kinds', () => {
    const kinds = (id: string) => presetModel(id).layerKinds.map((l) => l.kind);
    expect(kinds('gpt-oss-20b').slice(0, 4)).toEqual(['sliding', 'global', 'sliding', 'global']);
    expect(kinds('gpt-oss-120b').filter((k) => k === 'sliding')).toHaveLength(18);
    expect(kinds('gpt-oss-120b').slice(34)).toEqual(['sliding', 'global']);
    expect(kinds('gemma-3-27b').slice(0, 6)).toEqual(['sliding', 'sliding', 'sliding', 'sliding', 'sliding', 'global']);
    expect(kinds('llama-4-scout').slice(0, 4)).toEqual(['chunked', 'chunked', 'chunked', 'global']);
    expect(kinds('qwen3-next-80b-a3b').slice(0, 4)).toEqual(['stateful', 'stateful', 'stateful', 'global']);
    expect(new Set(kinds('kimi-k2'))).toEqual(new Set(['global']));
    expect(presetModel('kimi-k2').attention).toMatchObject({ kind: 'mla', numHeads: 64, kvLoraRank: 512, qkRopeHeadDim: 64 });
    expect(presetModel('qwen3-8b').slidingWindow).toBeNull();
  });
});

describe('Gemma-2-9B', () => {
  it('keeps 4,096 tokens in half its layers: 6.34 GB at 32K in bf16, not 11.27 GB', () => {
    const m = modelFromHfConfig(CONFIGS['gemma-2-9b']);
    // 8 K/V heads x 256 x 2 x 2 B = 8192 B/tok/layer; 21 global x 32768 + 21 sliding x 4096
    // = 5,637,144,576 + 704,643,072 = 6,341,787,648 B (all 42 global would be 11,274,289,152)
    expect(bf16(m, 32768)).toBe(6_341_787_648);
    expect(m.warnings).toBeUndefined();
  });
  it('says that sliding_window_pattern was missing and which default gave which layers', () => {
    const d = modelFromHfConfig(CONFIGS['gemma-2-9b']).derivedFrom;
    expect(d.sliding_window_pattern).toMatch(
      /^not in config\.json: gemma2's documented default 2 .*: 21 sliding \(window 4096\): layers 0, 2 … 40 \(every 2nd\); 21 global: layers 1, 3 … 41/,
    );
    expect(d.sliding_window).toBe('window 4096 tokens of 21 layers (layers 0, 2 … 40 (every 2nd))');
    // given, it is read
    expect(modelFromHfConfig({ ...CONFIGS['gemma-2-9b'], sliding_window_pattern: 3 }).layerKinds.filter((l) => l.kind === 'global')).toHaveLength(14);
  });
});

describe('derived notes and nesting', () => {
  it('reads a multimodal text_config and prefixes its fields', () => {
    const d = presetModel('gemma-3-27b').derivedFrom;
    expect(d.text_config).toMatch(/read from text_config/);
    expect(d['text_config.sliding_window_pattern']).toMatch(/^not in config\.json: gemma3_text's documented default 6/);
    expect(d['text_config.num_key_value_heads']).toBe('K/V heads (n_kv)');
  });
  it('names the fields of chunked and stateful layers', () => {
    expect(presetModel('llama-4-scout').derivedFrom['text_config.attention_chunk_size']).toMatch(/^chunk 8192 tokens of 36 layers .*never more than 8192 held/);
    expect(presetModel('qwen3-next-80b-a3b').derivedFrom['linear_*']).toMatch(/548864 elements per sequence/);
  });
  it('follows no_rope_layers where given (1 = chunked, 0 = global)', () => {
    const text = HYBRID_CONFIGS['llama-4-scout']!.text_config as Record<string, unknown>;
    const m = modelFromHfConfig({
      ...HYBRID_CONFIGS['llama-4-scout'],
      text_config: { ...text, no_rope_layers: Array.from({ length: 48 }, (_, i) => (i < 24 ? 1 : 0)) },
    });
    expect(m.layerKinds.filter((l) => l.kind === 'global')).toHaveLength(24);
  });
});

describe('paged: what a serving engine reserves (16-token pages)', () => {
  /*
   * gemma-3-27b at 32K: global layers 2048 pages = 32768 tokens; a 1024 window spans 64 + 1 pages = 1040 tokens:
   *   10 x 32768 x 8192 + 52 x 1040 x 8192 = 2,684,354,560 + 443,023,360 = 3,127,377,920
   *   with windows given the full context: 62 x 32768 x 8192 = 16,642,998,272
   * gpt-oss-20b at 32K: 12 x 32768 x 2048 + 12 x (8 + 1) x 16 x 2048 = 805,306,368 + 3,538,944 = 808,845,312; full: 24 x 32768 x 2048 = 1,610,612,736
   * gpt-oss-120b at 32K: 18 x 32768 x 2048 + 18 x (8 + 1) x 16 x 2048 = 1,207,959,552 + 5,308,416 = 1,213,267,968; full: 36 x 32768 x 2048 = 2,415,919,104
   * llama-4-scout at 32K: a chunk of 8192 is 512 whole pages: 2,818,572,288 (same as ideal); full: 48 x 32768 x 4096 = 6,442,450,944
   * At 1000 tokens a global layer reserves 63 pages = 1008 tokens: qwen3-8b 147,456 x 1008 = 148,635,648
   */
  it('rounds to pages and gives windows one page more', () => {
    expect(paged(presetModel('gemma-3-27b'), 32768)).toBe(3_127_377_920);
    expect(paged(presetModel('gpt-oss-20b'), 32768)).toBe(808_845_312);
    expect(paged(presetModel('gpt-oss-120b'), 32768)).toBe(1_213_267_968);
    expect(paged(presetModel('llama-4-scout'), 32768)).toBe(2_818_572_288);
    expect(paged(presetModel('qwen3-8b'), 1000)).toBe(148_635_648);
  });
  it('reserves the full context for windowed layers where the engine has no hybrid allocator', () => {
    const full = { pageTokens: 16, windowedLayers: 'full' } as const;
    expect(paged(presetModel('gemma-3-27b'), 32768, full)).toBe(16_642_998_272);
    expect(paged(presetModel('gpt-oss-20b'), 32768, full)).toBe(1_610_612_736);
    expect(paged(presetModel('gpt-oss-120b'), 32768, full)).toBe(2_415_919_104);
    expect(paged(presetModel('llama-4-scout'), 32768, full)).toBe(6_442_450_944);
  });
});
