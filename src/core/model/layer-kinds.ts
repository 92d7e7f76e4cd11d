/**
 * Which attention each layer of a Hugging Face config.json uses: `layer_types` where the config
 * states it, else the family's fields (`sliding_window_pattern`, `no_rope_layers` with
 * `attention_chunk_size`, `full_attention_interval`) and, where those are missing, the family's
 * documented default (transformers' config classes), said so in the derived-fields notes.
 */
import { describeIndices, describeLayers, layerGroups, ordinal, type LayerKind } from '@/contract/layers.js';
import { MAX_DIM, SpecError } from './spec.js';

type Json = Record<string, unknown>;

const MAX_TOKENS = 2 ** 31 - 1;

/** The `layer_types` values kvscope reads, and the kind each names. */
export const LAYER_TYPE_NAMES = ['full_attention', 'sliding_attention', 'chunked_attention', 'linear_attention'] as const;

function int(cfg: Json, field: string, min: number, max: number): number | undefined {
  const v = cfg[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new SpecError(`config field "${field}" must be an integer from ${min} to ${max}, got ${JSON.stringify(v) ?? String(v)}`, field);
  }
  return v;
}

/**
 * Elements of one Gated DeltaNet layer's state per sequence (Qwen3-Next's linear attention):
 * the recurrent state, one d_k x d_v matrix per value head, and the short convolution's last
 * (kernel - 1) inputs of q, k and v (conv dim = 2 n_k d_k + n_v d_v; vLLM's gated_delta_net_state_shape).
 */
export function gatedDeltaNetStateElements(cfg: Json): number {
  const need = (f: string): number => {
    const v = int(cfg, f, 1, MAX_DIM);
    if (v === undefined) throw new SpecError(`config.json has linear-attention layers but lacks "${f}"; add it`, f);
    return v;
  };
  const nk = need('linear_num_key_heads');
  const nv = need('linear_num_value_heads');
  const dk = need('linear_key_head_dim');
  const dv = need('linear_value_head_dim');
  const kernel = need('linear_conv_kernel_dim');
  return nv * dk * dv + (2 * nk * dk + nv * dv) * (kernel - 1);
}

/** Layer i is global where (i + 1) is a multiple of `every` (Gemma's sliding_window_pattern, Qwen3-Next's full_attention_interval, Llama-4's NoPE interval). */
function everyNth(layers: number, every: number, global: LayerKind, other: LayerKind): LayerKind[] {
  return Array.from({ length: layers }, (_, i) => ((i + 1) % every === 0 ? global : other));
}

/** Gemma families: their window layers and documented default pattern (transformers Gemma2Config / Gemma3TextConfig). */
const GEMMA_PATTERN: Record<string, number> = { gemma2: 2, gemma3: 6, gemma3_text: 6 };

export interface LayerRead {
  layers: LayerKind[];
  /** Notes for the derived-fields table, by field. */
  derived: Record<string, string>;
}

/** Reads the per-layer attention of a (text) config; `window` is sliding_window as read (0 or absent: none), `useWindow` false where use_sliding_window says so. */
export function readLayerKinds(cfg: Json, modelType: string, numLayers: number, window: number | undefined, useWindow: boolean): LayerRead {
  const derived: Record<string, string> = {};
  const global: LayerKind = { kind: 'global' };
  const windowOf = (why: string): LayerKind => {
    if (!window) throw new SpecError(`${why} but config.json has no positive "sliding_window"; add it`, 'sliding_window');
    return { kind: 'sliding', window };
  };
  const chunk = int(cfg, 'attention_chunk_size', 1, MAX_TOKENS);
  /** Says which field gave which layers: the source field lists them all, the window, chunk and state fields their own. */
  const note = (layers: LayerKind[], source: string): LayerRead => {
    derived[source] = `${derived[source] ?? ''}${derived[source] ? ': ' : ''}${describeLayers(layers)}`;
    for (const { layer, indices } of layerGroups(layers)) {
      const which = `${indices.length} layer${indices.length === 1 ? '' : 's'} (${describeIndices(indices)})`;
      if (layer.kind === 'sliding') derived.sliding_window = `window ${layer.window} tokens of ${which}`;
      if (layer.kind === 'chunked')
        derived.attention_chunk_size = `chunk ${layer.chunk} tokens of ${which}; a chunk resets, so never more than ${layer.chunk} held`;
      if (layer.kind === 'stateful')
        derived['linear_*'] =
          `fixed state of ${which}: n_v d_k d_v + (2 n_k d_k + n_v d_v)(kernel - 1) = ${layer.stateElements} elements per sequence, held in the cache dtype; no per-token cache`;
    }
    return { layers, derived };
  };

  const types = cfg.layer_types;
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types) || types.length !== numLayers) {
      throw new SpecError(
        `config field "layer_types" must list one entry per layer (${numLayers}), got ${Array.isArray(types) ? `${types.length} entries` : JSON.stringify(types)}`,
        'layer_types',
      );
    }
    let state: number | undefined;
    const layers = types.map((t, i): LayerKind => {
      if (t === 'full_attention') return global;
      if (t === 'sliding_attention') return windowOf(`layer_types[${i}] is "sliding_attention"`);
      if (t === 'chunked_attention') {
        if (!chunk)
          throw new SpecError(`layer_types[${i}] is "chunked_attention" but config.json has no "attention_chunk_size"; add it`, 'attention_chunk_size');
        return { kind: 'chunked', chunk };
      }
      if (t === 'linear_attention') return { kind: 'stateful', stateElements: (state ??= gatedDeltaNetStateElements(cfg)) };
      throw new SpecError(`layer_types[${i}] = ${JSON.stringify(t)} is not one kvscope reads (${LAYER_TYPE_NAMES.join(', ')})`, 'layer_types');
    });
    derived.layer_types = 'stated per layer';
    return note(layers, 'layer_types');
  }

  const pattern = GEMMA_PATTERN[modelType];
  if (pattern !== undefined && window) {
    let every = int(cfg, 'sliding_window_pattern', 1, MAX_DIM);
    if (every === undefined) {
      every = pattern;
      derived.sliding_window_pattern = `not in config.json: ${modelType}'s documented default ${pattern} (transformers: every ${ordinal(pattern)} layer global, the others sliding)`;
    } else derived.sliding_window_pattern = `every ${ordinal(every)} layer global, the others sliding`;
    return note(everyNth(numLayers, every, global, windowOf(modelType)), 'sliding_window_pattern');
  }

  if (modelType === 'llama4' || modelType === 'llama4_text') {
    if (!chunk) {
      derived.attention_chunk_size = 'absent or null: no chunked attention, every layer global';
      return { layers: Array.from({ length: numLayers }, () => global), derived };
    }
    const chunked: LayerKind = { kind: 'chunked', chunk };
    const nope = cfg.no_rope_layers;
    if (Array.isArray(nope) && nope.length > 0) {
      if (nope.length !== numLayers || !nope.every((v) => v === 0 || v === 1)) {
        throw new SpecError(`config field "no_rope_layers" must hold one 0 or 1 per layer (${numLayers})`, 'no_rope_layers');
      }
      derived.no_rope_layers = '1 (RoPE) = chunked layer, 0 (NoPE) = global layer';
      return note(
        nope.map((v) => (v === 1 ? chunked : global)),
        'no_rope_layers',
      );
    }
    const every = int(cfg, 'no_rope_layer_interval', 1, MAX_DIM) ?? 4;
    derived.no_rope_layers = `${Array.isArray(nope) ? 'empty' : 'not in config.json'}: llama4's documented default, a NoPE (global) layer every ${ordinal(every)} (no_rope_layer_interval${cfg.no_rope_layer_interval === undefined ? ', default 4' : ''}), the others chunked`;
    return note(everyNth(numLayers, every, global, chunked), 'no_rope_layers');
  }

  const interval = int(cfg, 'full_attention_interval', 1, MAX_DIM);
  if (interval !== undefined || modelType === 'qwen3_next') {
    const every = interval ?? 4;
    if (interval === undefined) derived.full_attention_interval = "not in config.json: qwen3_next's documented default 4";
    else derived.full_attention_interval = `every ${ordinal(every)} layer full attention, the others linear attention (stateful)`;
    return note(everyNth(numLayers, every, global, { kind: 'stateful', stateElements: gatedDeltaNetStateElements(cfg) }), 'full_attention_interval');
  }

  if (window && useWindow)
    return note(
      Array.from({ length: numLayers }, () => windowOf('')),
      'sliding_window',
    );
  return { layers: Array.from({ length: numLayers }, () => global), derived };
}
