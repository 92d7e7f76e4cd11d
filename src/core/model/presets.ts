/**
 * Model presets: the attention-relevant fields of each model's published config.json, read
 * through the same importer a user's config goes through. Values: ../../shared/MODELS.md.
 */
import { modelFromHfConfig, type ModelInfo } from './hf-config.js';
import { HYBRID_PRESETS } from './presets-hybrid.js';
import { SpecError, type AttentionSpec, type HeadAttentionSpec, type MlaSpec, mlaAsMha } from './spec.js';

export interface Preset {
  /** Lower-case CLI name. */
  id: string;
  title: string;
  /** Where the values come from. */
  source: string;
  /** The attention fields of config.json, verbatim. */
  config: Record<string, unknown>;
  /** Published parameter counts (total; active per token for MoE). */
  params: { total: number; active: number };
}

const BASE_PRESETS: readonly Preset[] = [
  {
    id: 'deepseek-v3',
    title: 'DeepSeek-V3 (671B MoE, MLA)',
    source: 'deepseek-ai/DeepSeek-V3 config.json; DeepSeek-V3 technical report §4.2',
    params: { total: 671e9, active: 37e9 },
    config: {
      model_type: 'deepseek_v3',
      hidden_size: 7168,
      num_hidden_layers: 61,
      num_attention_heads: 128,
      num_key_value_heads: 128,
      kv_lora_rank: 512,
      q_lora_rank: 1536,
      qk_nope_head_dim: 128,
      qk_rope_head_dim: 64,
      v_head_dim: 128,
      max_position_embeddings: 163840,
      vocab_size: 129280,
    },
  },
  {
    id: 'deepseek-v2-lite',
    title: 'DeepSeek-V2-Lite (16B MoE, MLA)',
    source: 'deepseek-ai/DeepSeek-V2-Lite config.json; DeepSeek-V2 paper Table 9',
    params: { total: 15.7e9, active: 2.4e9 },
    config: {
      model_type: 'deepseek_v2',
      hidden_size: 2048,
      num_hidden_layers: 27,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      kv_lora_rank: 512,
      q_lora_rank: null,
      qk_nope_head_dim: 128,
      qk_rope_head_dim: 64,
      v_head_dim: 128,
      max_position_embeddings: 163840,
      vocab_size: 102400,
    },
  },
  {
    id: 'llama-3.1-8b',
    title: 'Llama 3.1 8B (GQA 32/8)',
    source: 'meta-llama/Llama-3.1-8B config.json',
    params: { total: 8.03e9, active: 8.03e9 },
    config: {
      model_type: 'llama',
      hidden_size: 4096,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      max_position_embeddings: 131072,
      vocab_size: 128256,
    },
  },
  {
    id: 'llama-3.1-70b',
    title: 'Llama 3.1 70B (GQA 64/8)',
    source: 'meta-llama/Llama-3.1-70B config.json',
    params: { total: 70.6e9, active: 70.6e9 },
    config: {
      model_type: 'llama',
      hidden_size: 8192,
      num_hidden_layers: 80,
      num_attention_heads: 64,
      num_key_value_heads: 8,
      max_position_embeddings: 131072,
      vocab_size: 128256,
    },
  },
  {
    id: 'mistral-7b',
    title: 'Mistral 7B v0.1 (GQA 32/8, window 4096)',
    source: 'mistralai/Mistral-7B-v0.1 config.json',
    params: { total: 7.24e9, active: 7.24e9 },
    config: {
      model_type: 'mistral',
      hidden_size: 4096,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      max_position_embeddings: 32768,
      sliding_window: 4096,
      vocab_size: 32000,
    },
  },
  {
    id: 'qwen2.5-7b',
    title: 'Qwen2.5 7B (GQA 28/4)',
    source: 'Qwen/Qwen2.5-7B config.json',
    params: { total: 7.61e9, active: 7.61e9 },
    config: {
      model_type: 'qwen2',
      hidden_size: 3584,
      num_hidden_layers: 28,
      num_attention_heads: 28,
      num_key_value_heads: 4,
      max_position_embeddings: 131072,
      sliding_window: 131072,
      use_sliding_window: false,
      vocab_size: 152064,
    },
  },
];

/** Every preset: the base six, then the newer models (presets-hybrid.ts). */
export const PRESETS: readonly Preset[] = [...BASE_PRESETS, ...HYBRID_PRESETS];

export function presetIds(): string[] {
  return PRESETS.map((p) => p.id);
}

/** The model of a preset; throws SpecError listing the known names for an unknown one. */
export function presetModel(id: string): ModelInfo {
  const preset = PRESETS.find((p) => p.id === id.toLowerCase());
  if (!preset) {
    throw new SpecError(`unknown preset "${id}"; known presets: ${presetIds().join(', ')}`, 'preset');
  }
  return modelFromHfConfig(preset.config, preset.id);
}

/** One spec per variant for the equal-dims comparison. */
export interface EqualDimsSpecs {
  mha: HeadAttentionSpec;
  gqa: HeadAttentionSpec;
  mqa: HeadAttentionSpec;
  mla: MlaSpec;
}

/**
 * The same model dims expressed as MHA, GQA(groups), MQA and MLA, so the saving of the variant
 * alone shows. For an MLA model, MHA is its expanded form (keys nope+rope wide, values v wide)
 * and MLA is the model itself; for a head-attention model, MLA takes DeepSeek-V2's ratios
 * (d_c = 4 d_h, d_R = d_h / 2, nope = v = d_h).
 */
export function equalDims(spec: AttentionSpec, gqaGroups = 8): EqualDimsSpecs {
  const mha = mhaOf(spec);
  return { mha, gqa: gqaOf(spec, gqaGroups), mqa: { ...mha, kind: 'mqa', numKvHeads: 1 }, mla: mlaOf(spec) };
}

/** The model's dims as MHA (an MLA model: its expanded form). */
export function mhaOf(spec: AttentionSpec): HeadAttentionSpec {
  return spec.kind === 'mla'
    ? mlaAsMha(spec)
    : { kind: 'mha', numHeads: spec.numHeads, numKvHeads: spec.numHeads, headDim: spec.headDim, vHeadDim: spec.vHeadDim };
}

/** The model's dims as GQA: its own K/V heads if it is GQA, else `gqaGroups` K/V heads. */
export function gqaOf(spec: AttentionSpec, gqaGroups: number): HeadAttentionSpec {
  const mha = mhaOf(spec);
  const kv = spec.kind === 'gqa' ? spec.numKvHeads : gqaGroups;
  if (mha.numHeads % kv !== 0) {
    throw new SpecError(`GQA groups (${kv}) must divide the ${mha.numHeads} query heads; choose another --gqa-groups`, 'gqaGroups');
  }
  return { ...mha, kind: kv === mha.numHeads ? 'mha' : 'gqa', numKvHeads: kv };
}

/** The model's dims as MLA: the model itself, or DeepSeek-V2's ratios for a head-attention model. */
export function mlaOf(spec: AttentionSpec): MlaSpec {
  return spec.kind === 'mla'
    ? spec
    : {
        kind: 'mla',
        numHeads: spec.numHeads,
        kvLoraRank: 4 * spec.headDim,
        qkNopeHeadDim: spec.headDim,
        qkRopeHeadDim: Math.max(1, Math.floor(spec.headDim / 2)),
        vHeadDim: spec.headDim,
        qLoraRank: 0,
      };
}
