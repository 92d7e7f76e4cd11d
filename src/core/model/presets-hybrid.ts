/**
 * Presets of newer models (hybrid attention, chunked attention, linear attention, MoE, MLA): their
 * published config.json fields (fixtures/configs-hybrid.ts, each with its source), read through
 * the same importer a user's config goes through. Parameter counts are the model cards'.
 */
import { HYBRID_CONFIGS } from './fixtures/configs-hybrid.js';
import type { Preset } from './presets.js';

const cfg = (id: string): Record<string, unknown> => HYBRID_CONFIGS[id]!;

export const HYBRID_PRESETS: readonly Preset[] = [
  {
    id: 'gemma-3-27b',
    title: 'Gemma 3 27B (GQA 32/16, 5 sliding (1024) : 1 global)',
    source: 'google/gemma-3-27b-it config.json (text_config); model card: 27B parameters',
    params: { total: 27e9, active: 27e9 },
    config: cfg('gemma-3-27b'),
  },
  {
    id: 'gpt-oss-20b',
    title: 'gpt-oss-20b (MoE, GQA 64/8, alternating sliding 128 / full)',
    source: 'openai/gpt-oss-20b config.json; model card: 20.9B total, 3.6B active',
    params: { total: 20.9e9, active: 3.6e9 },
    config: cfg('gpt-oss-20b'),
  },
  {
    id: 'gpt-oss-120b',
    title: 'gpt-oss-120b (MoE, GQA 64/8, alternating sliding 128 / full)',
    source: 'openai/gpt-oss-120b config.json; model card: 116.8B total, 5.1B active',
    params: { total: 116.8e9, active: 5.1e9 },
    config: cfg('gpt-oss-120b'),
  },
  {
    id: 'llama-4-scout',
    title: 'Llama 4 Scout 17B-16E (MoE, GQA 40/8, chunked 8192 + every 4th global)',
    source: 'meta-llama/Llama-4-Scout-17B-16E-Instruct config.json (text_config); model card: 109B total, 17B active',
    params: { total: 109e9, active: 17e9 },
    config: cfg('llama-4-scout'),
  },
  {
    id: 'qwen3-8b',
    title: 'Qwen3 8B (GQA 32/8)',
    source: 'Qwen/Qwen3-8B config.json; model card: 8.2B parameters',
    params: { total: 8.2e9, active: 8.2e9 },
    config: cfg('qwen3-8b'),
  },
  {
    id: 'qwen3-30b-a3b',
    title: 'Qwen3 30B-A3B (MoE, GQA 32/4)',
    source: 'Qwen/Qwen3-30B-A3B config.json; model card: 30.5B total, 3.3B active',
    params: { total: 30.5e9, active: 3.3e9 },
    config: cfg('qwen3-30b-a3b'),
  },
  {
    id: 'kimi-k2',
    title: 'Kimi K2 (1T MoE, MLA)',
    source: 'moonshotai/Kimi-K2-Instruct config.json; model card: 1T total, 32B active',
    params: { total: 1e12, active: 32e9 },
    config: cfg('kimi-k2'),
  },
  {
    id: 'qwen3-next-80b-a3b',
    title: 'Qwen3-Next 80B-A3B (MoE, 3 Gated DeltaNet : 1 full attention)',
    source: 'Qwen/Qwen3-Next-80B-A3B-Thinking config.json; model card: 80B total, 3B active',
    params: { total: 80e9, active: 3e9 },
    config: cfg('qwen3-next-80b-a3b'),
  },
];
