/**
 * The per-point fields: the one definition of every figure a point shows. The CLI summary table,
 * the CSV, the HTML report's table and the app's results table all render from FIELDS, so a new
 * metric is one entry in a fields-* module (and the code that measures it). Pure: no Node, no DOM.
 */
import type { Point } from '@/contract/schemas.js';
import type { Field, FieldContext, Surface } from './field-kit.js';
import { ACCURACY_FIELDS } from './fields-accuracy.js';
import { CHECK_FIELDS, MEMORY_FIELDS } from './fields-memory.js';
import { IDENTITY_FIELDS } from './fields-identity.js';
import { ROOFLINE_FIELDS, ROOFLINE_SPREAD_FIELDS, SAVINGS_FIELDS } from './fields-roofline.js';
import { TIMING_FIELDS, TIMING_SPREAD_FIELDS } from './fields-timing.js';
import { savingsVsMha } from './savings.js';

export type { Field, FieldContext, Surface, Value } from './field-kit.js';

/** What the fields need beyond each point: the savings, the layers (report.scaling) and the memory budget (report.memoryBudget.bytes). */
export function fieldContext(
  points: readonly Point[],
  layers: { modelLayers?: number | null; measuredLayers?: number | null } = {},
  budgetBytes: number | null = null,
): FieldContext {
  return { savings: savingsVsMha(points), modelLayers: layers.modelLayers ?? null, measuredLayers: layers.measuredLayers ?? null, budgetBytes };
}

/**
 * Every field, in the order the tables show them (each table keeps the fields on its surface).
 * The CSV's order is CSV_ORDER's; a field not in it is appended at the end.
 */
export const FIELDS: readonly Field[] = [
  ...IDENTITY_FIELDS,
  ...TIMING_FIELDS,
  ...ROOFLINE_FIELDS,
  ...SAVINGS_FIELDS,
  ...MEMORY_FIELDS,
  ...CHECK_FIELDS,
  ...ACCURACY_FIELDS,
  ...TIMING_SPREAD_FIELDS,
  ...ROOFLINE_SPREAD_FIELDS,
];

/**
 * The CSV's columns, in order, as users' parsers know them: renaming or reordering one is a
 * breaking change. Fields not named here follow, in registry order (columns only grow at the end).
 */
export const CSV_ORDER: readonly string[] = [
  'id',
  'variant',
  'mode',
  'context_tokens',
  'cache_tokens',
  'batch',
  'dtype',
  'status',
  'reason',
  'form',
  'hypothetical',
  'kv_bytes_per_token_per_layer',
  'model_cache_bytes',
  'median_ms',
  'p95_ms',
  'min_ms',
  'mean_ms',
  'cv',
  'reps',
  'overhead_ms',
  'tokens_per_s',
  'per_layer_ms',
  'model_ms',
  'bytes_per_step',
  'flops_per_step',
  'achieved_gb_per_s',
  'achieved_gflop_per_s',
  'attainable_ms',
  'bound',
  'roofline_efficiency',
  'analytic_cache_bytes',
  'predicted_bytes',
  'rss_before_bytes',
  'rss_after_session_bytes',
  'rss_peak_bytes',
  'measured_delta_bytes',
  'private_delta_bytes',
  'verify_max_abs_error',
  'device_used_bytes',
  'device_memory_source',
  // report version 2: the median's 95% interval, robust spread, noise (raw samples stay in the JSON)
  'median_ci95_lo_ms',
  'median_ci95_hi_ms',
  'iqr_ms',
  'mad_ms',
  'outliers',
  'stopped_by',
  'noisy',
  'noise',
  'other_cpu_share',
  'steal_share',
  'roofline_efficiency_ci95_lo',
  'roofline_efficiency_ci95_hi',
  'round_medians_ms',
  'layer_group',
  // blocked prefill's block size, and prefill's attention-only time to first token
  'prefill_block_queries',
  'attention_ttft_ms',
  'model_fits_budget',
  // the whole-model step's 95% interval (a hybrid model's: a bootstrap of the sum over its layer kinds)
  'model_ci95_lo_ms',
  'model_ci95_hi_ms',
  // the layers the timed graph held (auto: chosen per point), and why where the planner chose them
  'graph_layers',
  'graph_layers_note',
  // quantized caches' accuracy cost
  'quant_max_abs_error',
  'quant_relative_l2',
  'quant_kl_divergence',
  'quant_accuracy_context_tokens',
];

/**
 * The app's first columns, in order, so that what a reader looks for first (the variant, the
 * context, throughput, roofline efficiency, the whole model's cache and whether it fits) is on
 * screen without scrolling; the other app fields follow in registry order.
 */
export const APP_FIRST: readonly string[] = [
  'variant',
  'context',
  'batch',
  'tokensPerSecond',
  'efficiency',
  'modelMs',
  'modelCacheBytes',
  'modelFits',
  'memorySaved',
  'speedup',
  'status',
];

/** The fields a surface shows, in its order. */
export function fieldsOn(surface: Surface, fields: readonly Field[] = FIELDS): Field[] {
  const on = fields.filter((f) => f.surfaces.includes(surface));
  if (surface !== 'csv' && surface !== 'app') return on;
  const order = surface === 'csv' ? CSV_ORDER : APP_FIRST;
  const rank = (f: Field): number => {
    const i = order.indexOf(surface === 'csv' ? csvName(f) : f.id);
    return i < 0 ? order.length : i;
  };
  // a stable sort: fields outside CSV_ORDER keep their registry order at the end
  return on
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map((e) => e.f);
}

export function csvName(f: Field): string {
  return f.csv ?? f.id;
}

/** A field's table text, or null where the point has nothing to show. */
export function fieldText(f: Field, p: Point, ctx: FieldContext): string | null {
  if (f.format) return f.format(p, ctx);
  const v = f.get(p, ctx);
  return v === null ? null : String(v);
}

/** Text rows for a plain-text or HTML table: the header, then one row per point; blank marks the missing. */
/** A table's columns for these points: the surface's fields, less those marked onlyWhenSet that no point has a value for (or onlyWhen that no point passes). */
export function shownFields(surface: Surface, points: readonly Point[], ctx: FieldContext, fields: readonly Field[] = FIELDS): Field[] {
  return fieldsOn(surface, fields).filter(
    (f) => (!f.onlyWhenSet || points.some((p) => f.get(p, ctx) !== null)) && (!f.onlyWhen || points.some((p) => f.onlyWhen!(p, ctx))),
  );
}

export function textTable(surface: Surface, points: readonly Point[], ctx: FieldContext, blank: string, fields: readonly Field[] = FIELDS): string[][] {
  const on = shownFields(surface, points, ctx, fields);
  return [on.map((f) => f.label), ...points.map((p) => on.map((f) => fieldText(f, p, ctx) ?? blank))];
}
