/** Entries of the per-point field registry, identity group: src/present/fields.ts assembles FIELDS from them in a fixed order. */
import { formatBytes, formatTokens } from './format.js';
import { bytes, csvOnly, graphLayersOf, type Field } from './field-kit.js';
import { OVER_BUDGET_TEXT, wholeModelFits } from './fit.js';
import { VARIANT_LABELS } from './variants.js';
import type { Point } from '@/contract/schemas.js';

/** A layer-kind point's share in words: a prefill window or chunk, or the tokens a decode point holds; '' for whole-model points. */
function share(p: Point, within: (w: string) => string, held: (n: number) => string): string {
  if (p.attendWithin) return within(`each query within ${p.attendWithin.kind === 'sliding' ? 'a window of' : 'its chunk of'} ${p.attendWithin.size}`);
  return p.layerGroup && !p.layerGroup.primary ? held(p.cacheTokens) : '';
}

/** The point itself: what it is (variant, mode, context, batch, dtype), whether it ran, its analytic cache size. */
export const IDENTITY_FIELDS: readonly Field[] = [
  {
    id: 'point',
    label: 'point',
    unit: '',
    title: 'Mode, variant, dtype, batch and context of the point (* hypothetical)',
    get: (p) =>
      `${p.mode} ${p.variant} ${p.dtype} b${p.batch} T=${p.context}${p.hypothetical ? '*' : ''}${share(
        p,
        (w) => ` (${w})`,
        (n) => ` (${n} held)`,
      )}`,
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
      "Hybrid models: the model's layers this row stands for, each kind measured at the tokens it holds (a sliding layer its window; in prefill, its queries attend only their window or chunk); the whole-model row's model step is the sum over kinds",
    get: (p) =>
      p.layerGroup
        ? `${p.layerGroup.kind}${share(
            p,
            (w) => ` (${w})`,
            (n) => ` (${n} tokens held)`,
          )}`
        : null,
    csv: 'layer_group',
    surfaces: ['cli', 'csv', 'html', 'app'],
    onlyWhenSet: true,
  },
  {
    id: 'graphLayers',
    label: 'Graph layers',
    unit: '',
    title:
      "Identical layers the timed graph held: per-layer figures are its step over them. With layers on auto, a GPU provider's graphs hold enough that " +
      'its fixed run cost is under 5% of the step (the layers note says why, and where memory or --max-step stopped short); tables show it where a graph held more than one',
    get: (p, ctx) => graphLayersOf(p, ctx.measuredLayers),
    format: (p, ctx) => {
      const L = graphLayersOf(p, ctx.measuredLayers);
      return L === null ? null : `${L}${p.layersNote?.includes('short of') ? ' (short)' : ''}`;
    },
    csv: 'graph_layers',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
    onlyWhen: (p, ctx) => (graphLayersOf(p, ctx.measuredLayers) ?? 1) !== 1,
  },
  csvOnly(
    'layersNote',
    'graph_layers_note',
    '',
    'Why the planner chose more than one layer, or fell short of its run-cost target (layers auto)',
    (p) => p.layersNote ?? null,
  ),
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
