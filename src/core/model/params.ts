/**
 * Parameter counts: published figures for presets, otherwise an estimate from config.json
 * (embeddings, attention projections, MLP or MoE experts, norms), always labelled as such.
 */
import type { LayerKind } from '@/contract/layers.js';
import type { AttentionSpec, MlaSpec } from './spec.js';

export interface ParamCount {
  total: number;
  /** Parameters read per token (MoE: shared + routed experts in use); = total for dense models. */
  active: number;
  source: 'published' | 'estimated from config.json';
}

type Json = Record<string, unknown>;
const n = (cfg: Json, ...keys: string[]): number | undefined => {
  for (const k of keys) if (typeof cfg[k] === 'number' && Number.isFinite(cfg[k])) return cfg[k] as number;
  return undefined;
};

/**
 * Parameters of one Gated DeltaNet layer (Qwen3-Next's linear attention): the q, k, v and gate
 * projection (2 key dims + 2 value dims), the beta and decay projection (2 per value head), the
 * depthwise convolution over q, k and v, the output projection, and the per-head decay and norm.
 */
function gatedDeltaNetParams(cfg: Json, hidden: number): number {
  const nk = n(cfg, 'linear_num_key_heads') ?? 0;
  const nv = n(cfg, 'linear_num_value_heads') ?? 0;
  const keyDim = nk * (n(cfg, 'linear_key_head_dim') ?? 0);
  const dv = n(cfg, 'linear_value_head_dim') ?? 0;
  const valueDim = nv * dv;
  const kernel = n(cfg, 'linear_conv_kernel_dim') ?? 4;
  return hidden * (2 * keyDim + 2 * valueDim) + hidden * 2 * nv + (2 * keyDim + valueDim) * kernel + valueDim * hidden + 2 * nv + dv;
}

/** Parameters of one attention layer's projections (Q, K, V or the MLA down/up projections, O). */
export function attentionParamsPerLayer(attention: AttentionSpec, hidden: number): number {
  if (attention.kind === 'mla') {
    const a: MlaSpec = attention;
    const qHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
    const q = a.qLoraRank > 0 ? hidden * a.qLoraRank + a.qLoraRank * a.numHeads * qHead : hidden * a.numHeads * qHead;
    const kvDown = hidden * (a.kvLoraRank + a.qkRopeHeadDim);
    const kvUp = a.kvLoraRank * a.numHeads * (a.qkNopeHeadDim + a.vHeadDim);
    const o = a.numHeads * a.vHeadDim * hidden;
    return q + kvDown + kvUp + o;
  }
  const d = attention.headDim;
  const dv = attention.vHeadDim ?? d;
  return hidden * attention.numHeads * d + hidden * attention.numKvHeads * (d + dv) + attention.numHeads * dv * hidden;
}

/** Estimates total and active parameters from a Hugging Face config.json; `layerKinds` prices stateful (linear-attention) layers as such. */
export function estimateParams(cfg: Json, attention: AttentionSpec, layers: number, hidden: number, layerKinds?: readonly LayerKind[]): ParamCount {
  const vocab = n(cfg, 'vocab_size') ?? 32000;
  const tied = cfg.tie_word_embeddings === true;
  const embed = vocab * hidden * (tied ? 1 : 2);
  const attn = attentionParamsPerLayer(attention, hidden);
  const stateful = layerKinds?.filter((l) => l.kind === 'stateful').length ?? 0;
  const attnAll = (layers - stateful) * attn + stateful * gatedDeltaNetParams(cfg, hidden);
  const inter = n(cfg, 'intermediate_size', 'ffn_hidden_size', 'n_inner') ?? 4 * hidden;
  // gated MLPs (llama family) have three matrices; gpt2/falcon two
  const gated = !['gpt2', 'falcon', 'gpt_neox'].includes(String(cfg.model_type));
  const mats = gated ? 3 : 2;
  const dense = mats * hidden * inter;
  const experts = n(cfg, 'n_routed_experts', 'num_local_experts', 'num_experts');
  let mlpTotal = layers * dense;
  let mlpActive = mlpTotal;
  if (experts !== undefined && experts > 1) {
    const perExpert = mats * hidden * (n(cfg, 'moe_intermediate_size') ?? inter);
    const used = n(cfg, 'num_experts_per_tok') ?? 2;
    // DeepSeek counts shared experts of the expert size; Qwen-MoE gives one shared expert its own size
    const sharedInter = n(cfg, 'shared_expert_intermediate_size');
    const shared = sharedInter !== undefined ? mats * hidden * sharedInter : (n(cfg, 'n_shared_experts') ?? 0) * perExpert;
    const denseLayers = Math.min(layers, n(cfg, 'first_k_dense_replace') ?? 0);
    const moeLayers = layers - denseLayers;
    const router = hidden * experts;
    mlpTotal = denseLayers * dense + moeLayers * (experts * perExpert + shared + router);
    mlpActive = denseLayers * dense + moeLayers * (used * perExpert + shared + router);
  }
  const norms = layers * 2 * hidden + hidden;
  return {
    total: embed + attnAll + mlpTotal + norms,
    active: embed + attnAll + mlpActive + norms,
    source: 'estimated from config.json',
  };
}
