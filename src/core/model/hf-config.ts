/**
 * Derives an attention spec and model facts from a Hugging Face config.json, recording which
 * field each figure came from. Errors name the field at fault.
 */
import type { LayerKind } from '@/contract/layers.js';
import { readLayerKinds } from './layer-kinds.js';
import { MODEL_RANGES } from '@/contract/ranges.js';
import { MAX_DIM, SpecError, validateSpec, type AttentionSpec } from './spec.js';

/** A model as kvscope needs it: the attention spec plus the facts that scale it. */
export interface ModelInfo {
  /** Display name (preset name or config's _name_or_path/model_type). */
  name: string;
  modelType: string;
  attention: AttentionSpec;
  numLayers: number;
  hiddenSize: number;
  /** max_position_embeddings, or null where the config gives none. */
  maxContext: number | null;
  /** Cache capped at this many tokens when every layer uses the same sliding window, else null (see layerKinds). */
  slidingWindow: number | null;
  /** What each layer caches (global, sliding, chunked, stateful); one entry per layer. */
  layerKinds: LayerKind[];
  vocabSize: number | null;
  /** field name -> how it was used, for "what was derived from which field". */
  derivedFrom: Record<string, string>;
  /** What kvscope could not interpret with certainty, each naming the field. */
  warnings?: string[];
}

/** model_type values whose attention fields kvscope reads with certainty. */
export const KNOWN_MODEL_TYPES = [
  'llama',
  'mistral',
  'mixtral',
  'qwen2',
  'qwen2_moe',
  'gemma',
  'gemma2',
  'gemma3',
  'gemma3_text',
  'gpt_oss',
  'llama4',
  'llama4_text',
  'qwen3',
  'qwen3_moe',
  'qwen3_next',
  'kimi_k2',
  'phi3',
  'falcon',
  'gpt2',
  'deepseek_v2',
  'deepseek_v3',
];

type Json = Record<string, unknown>;

const MAX_TOKENS = 2 ** 31 - 1;

/**
 * Every numeric config.json field kvscope reads, with its allowed range (integers, inclusive).
 * Heads and layers have the sweep schema's ranges (contract/ranges.ts: 1 to 1,024); other dims are at least 1 and at most MAX_DIM (2^20); 0 is allowed only where
 * it means "none" (kv_lora_rank: not MLA, q_lora_rank: queries not compressed, sliding_window: no
 * window). A value outside its range (0 layers, 1e308, -1, 1.5, "32") is refused with the field,
 * the value and the range, before any figure is computed from it.
 */
export const CONFIG_FIELD_RANGES = {
  hidden_size: [1, MAX_DIM],
  n_embd: [1, MAX_DIM],
  d_model: [1, MAX_DIM],
  num_attention_heads: [MODEL_RANGES.numHeads.min, MODEL_RANGES.numHeads.max],
  n_head: [MODEL_RANGES.numHeads.min, MODEL_RANGES.numHeads.max],
  num_heads: [MODEL_RANGES.numHeads.min, MODEL_RANGES.numHeads.max],
  num_hidden_layers: [MODEL_RANGES.numLayers.min, MODEL_RANGES.numLayers.max],
  n_layer: [MODEL_RANGES.numLayers.min, MODEL_RANGES.numLayers.max],
  num_layers: [MODEL_RANGES.numLayers.min, MODEL_RANGES.numLayers.max],
  num_key_value_heads: [MODEL_RANGES.numHeads.min, MODEL_RANGES.numHeads.max],
  num_kv_heads: [MODEL_RANGES.numHeads.min, MODEL_RANGES.numHeads.max],
  n_head_kv: [MODEL_RANGES.numHeads.min, MODEL_RANGES.numHeads.max],
  head_dim: [1, MAX_DIM],
  kv_lora_rank: [0, MAX_DIM],
  qk_nope_head_dim: [1, MAX_DIM],
  qk_rope_head_dim: [1, MAX_DIM],
  v_head_dim: [1, MAX_DIM],
  q_lora_rank: [0, MAX_DIM],
  max_position_embeddings: [1, MAX_TOKENS],
  n_positions: [1, MAX_TOKENS],
  max_sequence_length: [1, MAX_TOKENS],
  sliding_window: [0, MAX_TOKENS],
  vocab_size: [1, MAX_TOKENS],
} as const satisfies Record<string, readonly [number, number]>;
export type ConfigField = keyof typeof CONFIG_FIELD_RANGES;

function num(cfg: Json, field: ConfigField, derived: Record<string, string>, what: string): number | undefined {
  const v = cfg[field];
  if (v === undefined || v === null) return undefined;
  const [min, max] = CONFIG_FIELD_RANGES[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new SpecError(`config field "${field}" must be an integer from ${min} to ${max}, got ${JSON.stringify(v) ?? String(v)}`, field);
  }
  derived[field] = what;
  return v;
}

function required(value: number | undefined, fields: string[]): number {
  if (value === undefined) {
    throw new SpecError(`config.json lacks ${fields.map((f) => `"${f}"`).join(' or ')}; add it`, fields[0]);
  }
  return value;
}

function firstNum(cfg: Json, fields: ConfigField[], derived: Record<string, string>, what: string): number | undefined {
  for (const f of fields) {
    const v = num(cfg, f, derived, what);
    if (v !== undefined) return v;
  }
  return undefined;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The part of a config.json that describes the language model: a multimodal config (Gemma-3,
 * Llama-4) nests it under `text_config` and keeps no layer count at the top.
 */
export function textConfigOf(raw: Json): { cfg: Json; nested: boolean } {
  const nested = isObject(raw.text_config) && raw.num_hidden_layers === undefined && raw.n_layer === undefined && raw.num_layers === undefined;
  return nested ? { cfg: raw.text_config as Json, nested } : { cfg: raw, nested };
}

/** Reads a parsed config.json (object) into ModelInfo. */
export function modelFromHfConfig(raw: unknown, name?: string): ModelInfo {
  if (!isObject(raw)) {
    throw new SpecError('config.json must hold a JSON object');
  }
  const { cfg, nested } = textConfigOf(raw);
  const derived: Record<string, string> = {};
  const modelType = typeof cfg.model_type === 'string' ? cfg.model_type : typeof raw.model_type === 'string' ? raw.model_type : 'unknown';
  if (typeof cfg.model_type === 'string') derived.model_type = 'family';

  const hidden = required(firstNum(cfg, ['hidden_size', 'n_embd', 'd_model'], derived, 'hidden size'), ['hidden_size', 'n_embd']);
  const heads = required(firstNum(cfg, ['num_attention_heads', 'n_head', 'num_heads'], derived, 'query heads (n_h)'), ['num_attention_heads', 'n_head']);
  const layers = required(firstNum(cfg, ['num_hidden_layers', 'n_layer', 'num_layers'], derived, 'layers'), ['num_hidden_layers', 'n_layer']);
  const maxContext = firstNum(cfg, ['max_position_embeddings', 'n_positions', 'max_sequence_length'], derived, 'max context') ?? null;
  const vocab = num(cfg, 'vocab_size', derived, 'vocabulary') ?? null;

  let attention: AttentionSpec;
  const kvLoraRank = num(cfg, 'kv_lora_rank', derived, 'MLA latent rank d_c');
  if (kvLoraRank !== undefined && kvLoraRank > 0) {
    // MLA is detected by kv_lora_rank whatever the model_type; num_key_value_heads is ignored.
    attention = {
      kind: 'mla',
      numHeads: heads,
      kvLoraRank,
      qkNopeHeadDim: required(num(cfg, 'qk_nope_head_dim', derived, 'per-head nope dim'), ['qk_nope_head_dim']),
      qkRopeHeadDim: required(num(cfg, 'qk_rope_head_dim', derived, 'shared RoPE key dim d_R'), ['qk_rope_head_dim']),
      vHeadDim: required(num(cfg, 'v_head_dim', derived, 'value head dim'), ['v_head_dim']),
      qLoraRank: num(cfg, 'q_lora_rank', derived, 'query compression rank') ?? 0,
    };
    if ('num_key_value_heads' in cfg) derived.num_key_value_heads = 'ignored: MLA caches the latent';
  } else {
    let kvHeads = firstNum(cfg, ['num_key_value_heads', 'num_kv_heads', 'n_head_kv'], derived, 'K/V heads (n_kv)');
    if (modelType === 'falcon') {
      const newArch = cfg.new_decoder_architecture === true;
      if (!newArch) {
        // Old Falcon: multi_query decides; a re-saved config's num_kv_heads can be misleading.
        kvHeads = cfg.multi_query === false ? heads : 1;
        derived.multi_query = `K/V heads = ${kvHeads} (new_decoder_architecture false)`;
        delete derived.num_kv_heads;
      }
    }
    kvHeads ??= heads;
    if (heads % kvHeads !== 0) {
      throw new SpecError(`num_key_value_heads (${kvHeads}) must divide num_attention_heads (${heads})`, 'num_key_value_heads');
    }
    let headDim = num(cfg, 'head_dim', derived, 'head dim (given)');
    if (headDim === undefined) {
      if (hidden % heads !== 0) {
        throw new SpecError(`hidden_size (${hidden}) is not a multiple of num_attention_heads (${heads}); give "head_dim"`, 'head_dim');
      }
      headDim = hidden / heads;
      derived.head_dim = `derived: hidden_size / num_attention_heads = ${headDim}`;
    }
    attention = {
      kind: kvHeads === heads ? 'mha' : kvHeads === 1 ? 'mqa' : 'gqa',
      numHeads: heads,
      numKvHeads: kvHeads,
      headDim,
    };
  }

  const window = num(cfg, 'sliding_window', derived, 'sliding window');
  // Qwen2/Qwen3 set sliding_window but use_sliding_window false: no window then.
  const useWindow = cfg.use_sliding_window !== false;
  if (window !== undefined && window > 0 && !useWindow) derived.sliding_window = 'ignored: use_sliding_window is false';
  const kinds = readLayerKinds(cfg, modelType, layers, window && useWindow ? window : undefined, useWindow);
  Object.assign(derived, kinds.derived);
  const first = kinds.layers[0];
  const slidingWindow = first?.kind === 'sliding' && kinds.layers.every((l) => l.kind === 'sliding' && l.window === first.window) ? first.window : null;
  validateSpec(attention);
  const warnings: string[] = [];
  if (!KNOWN_MODEL_TYPES.includes(modelType)) {
    warnings.push(
      `model_type "${modelType}" is not one kvscope knows (${KNOWN_MODEL_TYPES.join(', ')}): its fields were read llama-style; check the derived spec`,
    );
  }
  const derivedFrom = nested ? Object.fromEntries(Object.entries(derived).map(([k, v]) => [`text_config.${k}`, v])) : derived;
  if (nested) derivedFrom.text_config = 'the language model of a multimodal config: its fields were read from text_config';
  return {
    ...(warnings.length > 0 ? { warnings } : {}),
    name: name ?? (typeof raw._name_or_path === 'string' ? raw._name_or_path : modelType),
    modelType,
    attention,
    numLayers: layers,
    hiddenSize: hidden,
    maxContext,
    slidingWindow,
    layerKinds: kinds.layers,
    vocabSize: vocab,
    derivedFrom,
  };
}
