/** Entries of the per-point field registry, identity group: src/present/fields.ts assembles FIELDS from them in a fixed order. */
import { formatBytes, formatTokens } from './format.js';
import { bytes, csvOnly, type Field } from './field-kit.js';
import { OVER_BUDGET_TEXT, wholeModelFits } from './fit.js';
import { VARIANT_LABELS } from './variants.js';

/** The point itself: what it is (variant, mode, context, batch, dtype), whether it ran, its analytic cache size. */
export const IDENTITY_FIELDS: readonly Field[] = [
  {
    id: 'point',
    label: 'point',
    unit: '',
    title: 'Mode, variant, dtype, batch and context of the point (* hypothetical)',
    get: (p) =>
      `${p.mode} ${p.variant} ${p.dtype} b${p.batch} T=${p.context}${p.hypothetical ? '*' : ''}${p.layerGroup && !p.layerGroup.primary ? ` (${p.cacheTokens} held)` : ''}`,
    surfaces: ['cli', 'html'],
  },
  csvOnly('id', 'id', '', 'The point id (mode/variant/dtype/batch/context)', (p) => p.id),
  {
    id: 'variant',
    label: 'variant',
    unit: '',
    title: 'Attention variant',
    get: (p) => p.variant,
    format: (p) => VARIANT_LABELS[p.variant],
    csv: 'variant',
    surfaces: ['csv', 'app'],
  },
  {
    id: 'mode',
    label: 'mode',
    unit: '',
    title: 'Decode (one new token) or prefill (the whole prompt)',
    get: (p) => p.mode,
    csv: 'mode',
    surfaces: ['csv', 'app'],
  },
  {
    id: 'context',
    label: 'Context',
    unit: 'tokens',
    title: 'Context length in tokens',
    get: (p) => p.context,
    format: (p) => formatTokens(p.context),
    csv: 'context_tokens',
    surfaces: ['csv', 'app'],
    numeric: true,
  },
  csvOnly('cacheTokens', 'cache_tokens', 'tokens', 'Tokens held in the cache (a sliding window holds fewer than the context)', (p) => p.cacheTokens),
  { id: 'batch', label: 'batch', unit: '', title: 'Batch size', get: (p) => p.batch, csv: 'batch', surfaces: ['csv', 'app'], numeric: true },
  { id: 'dtype', label: 'dtype', unit: '', title: 'Element type of the cache and activations', get: (p) => p.dtype, csv: 'dtype', surfaces: ['csv', 'app'] },
  {
    id: 'layerGroup',
    label: 'Layers',
    unit: '',
    title:
      "Hybrid models: the model's layers this row stands for, each kind measured at the tokens it holds (a sliding layer its window); the whole-model row's model step is the sum over kinds",
    get: (p) => (p.layerGroup ? `${p.layerGroup.kind}${p.layerGroup.primary ? '' : ` (${p.cacheTokens} tokens held)`}` : null),
    csv: 'layer_group',
    surfaces: ['cli', 'csv', 'html', 'app'],
    onlyWhenSet: true,
  },
  { id: 'status', label: 'status', unit: '', title: 'Measured (ok), or why not', get: (p) => p.status, csv: 'status', surfaces: ['cli', 'csv', 'html', 'app'] },
  csvOnly('reason', 'reason', '', 'Why the point was not measured', (p) => p.reason ?? null),
  {
    id: 'form',
    label: 'form',
    unit: '',
    title:
      'Graph form: decomposed (prefill: the full T x T scores), cache-left, mha-op (onnxruntime MultiHeadAttention), gqa-op (onnxruntime GroupQueryAttention), or blocked (prefill in blocks of the shown queries each, so the scores stay within the workspace bound)',
    get: (p) => p.form,
    format: (p) => (p.form === 'blocked' && p.prefillBlock ? `blocked ${p.prefillBlock}q` : p.form),
    csv: 'form',
    surfaces: ['cli', 'csv', 'html', 'app'],
  },
  csvOnly('prefillBlock', 'prefill_block_queries', 'tokens', 'Blocked prefill: query rows per block', (p) => p.prefillBlock ?? null),
  csvOnly('hypothetical', 'hypothetical', '', 'A point outside what the model supports', (p) => p.hypothetical),
  {
    id: 'kvPerTokenModel',
    label: 'KV/token (model)',
    unit: 'B',
    title: 'Cache bytes per token, all layers of the model (analytic)',
    get: (p, ctx) => (ctx.modelLayers === null ? null : p.kvBytesPerTokenPerLayer * ctx.modelLayers),
    format: (p, ctx) => bytes(ctx.modelLayers === null ? null : p.kvBytesPerTokenPerLayer * ctx.modelLayers),
    surfaces: ['cli'],
    numeric: true,
  },
  {
    id: 'kvPerToken',
    label: 'KV/token/layer',
    unit: 'B',
    title: 'Cache bytes per token per layer (analytic)',
    get: (p) => p.kvBytesPerTokenPerLayer,
    format: (p) => formatBytes(p.kvBytesPerTokenPerLayer),
    csv: 'kv_bytes_per_token_per_layer',
    surfaces: ['csv', 'app'],
    numeric: true,
  },
  {
    id: 'modelCacheBytes',
    label: 'KV (whole model)',
    unit: 'B',
    title: 'Cache bytes at this context, all layers of the model (analytic)',
    get: (p) => p.modelCacheBytes,
    format: (p) => formatBytes(p.modelCacheBytes),
    csv: 'model_cache_bytes',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
  {
    // "fits for measurement" is the status (the measured layers); this is the whole model on this device
    id: 'modelFits',
    label: 'model fits',
    unit: '',
    title: `Whether the whole model's cache at this context and batch fits this device's memory budget (no: ${OVER_BUDGET_TEXT})`,
    get: (p, ctx) => wholeModelFits(p, ctx.budgetBytes),
    format: (p, ctx) => {
      const fits = wholeModelFits(p, ctx.budgetBytes);
      return fits === null ? null : fits ? 'yes' : 'no';
    },
    csv: 'model_fits_budget',
    surfaces: ['cli', 'csv', 'html', 'app'],
    warn: (p, ctx) => wholeModelFits(p, ctx.budgetBytes) === false,
  },
];
