/**
 * The per-point fields: the one definition of every figure a point shows. The CLI summary table,
 * the CSV, the HTML report's table and the app's results table all render from FIELDS, so a new
 * metric is one entry here (and the code that measures it). Pure: no Node, no DOM.
 */
import type { Point } from '../contract/schemas.js';
import { formatBytes, formatNumber, formatPercent, formatTokens, msText, timesText } from './format.js';
import { savingsVsMha, type Saving } from './savings.js';
import { halfWidth, intervalText, noiseFlag } from './timing.js';

/** Where a field can appear: the CLI summary table, the CSV, the HTML report's table, the app's results table. */
export type Surface = 'cli' | 'csv' | 'html' | 'app';

/** A field's value: what sorts and what the CSV writes (null: no value). */
export type Value = string | number | boolean | null;

/** What a field may need beyond its point; built once per table by fieldContext. */
export interface FieldContext {
  savings: ReadonlyMap<string, Saving>;
  /** Layers in the whole model, where known (whole-model figures need it). */
  modelLayers: number | null;
  /** Layers in the measured graph; null: each point's own (median / per-layer step). */
  measuredLayers: number | null;
}

export interface Field {
  id: string;
  /** Column header on every table. */
  label: string;
  /** Unit of the value (empty for text and plain counts). */
  unit: string;
  /** What the figure is, in a sentence (the app's header tooltip; the docs). */
  title: string;
  get: (p: Point, ctx: FieldContext) => Value;
  /** Table text; null where there is nothing to show (each surface has its blank mark). Absent: the value as text. */
  format?: (p: Point, ctx: FieldContext) => string | null;
  /** The CSV column's name (with its unit); required where surfaces has 'csv'. */
  csv?: string;
  surfaces: readonly Surface[];
  /** Right-aligned in tables. */
  numeric?: boolean;
  /** The app marks the cell as a warning. */
  warn?: (p: Point) => boolean;
}

export function fieldContext(points: readonly Point[], layers: { modelLayers?: number | null; measuredLayers?: number | null } = {}): FieldContext {
  return { savings: savingsVsMha(points), modelLayers: layers.modelLayers ?? null, measuredLayers: layers.measuredLayers ?? null };
}

/** Layers in the graph a point timed: the report's, or the point's own (its per-layer step is median / layers). */
function graphLayers(p: Point, ctx: FieldContext): number | null {
  if (ctx.measuredLayers) return ctx.measuredLayers;
  const t = p.timing;
  return t && t.perLayerMs > 0 ? Math.round(t.medianMs / t.perLayerMs) : null;
}

const num = (v: number | null | undefined): number | null => (v === undefined || v === null || !Number.isFinite(v) ? null : v);
const ms = (v: Value): string | null => (typeof v === 'number' ? msText(v) : null);
const bytes = (v: Value): string | null => (typeof v === 'number' ? formatBytes(v) : null);
const perLayer = (v: number | null | undefined, p: Point, ctx: FieldContext): number | null => {
  const L = graphLayers(p, ctx);
  return v === null || v === undefined || L === null ? null : v / L;
};

/** A field only the CSV carries (its raw figure, no table text). */
function csvOnly(id: string, csv: string, unit: string, title: string, get: (p: Point) => Value): Field {
  return { id, label: csv, unit, title, get: (p) => get(p), csv, surfaces: ['csv'] };
}

/**
 * Every field, in the order the tables show them (each table keeps the fields on its surface).
 * The CSV's order is CSV_ORDER's; a field not in it is appended at the end.
 */
export const FIELDS: readonly Field[] = [
  {
    id: 'point',
    label: 'point',
    unit: '',
    title: 'Mode, variant, dtype, batch and context of the point (* hypothetical)',
    get: (p) => `${p.mode} ${p.variant} ${p.dtype} b${p.batch} T=${p.context}${p.hypothetical ? '*' : ''}`,
    surfaces: ['cli', 'html'],
  },
  csvOnly('id', 'id', '', 'The point id (mode/variant/dtype/batch/context)', (p) => p.id),
  { id: 'variant', label: 'variant', unit: '', title: 'Attention variant', get: (p) => p.variant, csv: 'variant', surfaces: ['csv', 'app'] },
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
  { id: 'status', label: 'status', unit: '', title: 'Measured (ok), or why not', get: (p) => p.status, csv: 'status', surfaces: ['cli', 'csv', 'html', 'app'] },
  csvOnly('reason', 'reason', '', 'Why the point was not measured', (p) => p.reason ?? null),
  csvOnly('form', 'form', '', 'Graph form', (p) => p.form),
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
    label: 'KV at ctx (model)',
    unit: 'B',
    title: 'Cache bytes at this context, all layers of the model (analytic)',
    get: (p) => p.modelCacheBytes,
    format: (p) => formatBytes(p.modelCacheBytes),
    csv: 'model_cache_bytes',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
  csvOnly('medianMs', 'median_ms', 'ms', 'Median step of the measured graph', (p) => num(p.timing?.medianMs)),
  csvOnly('p95Ms', 'p95_ms', 'ms', '95th percentile step of the measured graph', (p) => num(p.timing?.p95Ms)),
  csvOnly('minMs', 'min_ms', 'ms', 'Fastest step of the measured graph', (p) => num(p.timing?.minMs)),
  csvOnly('meanMs', 'mean_ms', 'ms', 'Mean step of the measured graph', (p) => num(p.timing?.meanMs)),
  {
    id: 'perLayerMs',
    label: 'step ms/layer',
    unit: 'ms',
    title: 'Median step over the layers in the measured graph',
    get: (p) => num(p.timing?.perLayerMs),
    format: (p) => ms(num(p.timing?.perLayerMs)),
    csv: 'per_layer_ms',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
  {
    id: 'ciHalfWidth',
    label: '95% CI',
    unit: '',
    title: "Half the median's 95% interval, relative to it (n/a: a report from before version 2)",
    get: (p) => halfWidth(p.timing),
    format: (p) => (p.timing ? intervalText(p.timing) : null),
    surfaces: ['cli', 'html', 'app'],
    numeric: true,
  },
  {
    id: 'noisy',
    label: 'noisy',
    unit: '',
    title: 'Whether the timing is noisy (? : not known, a report from before version 2)',
    get: (p) => p.timing?.noisy ?? null,
    format: (p) => noiseFlag(p.timing),
    csv: 'noisy',
    surfaces: ['cli', 'csv', 'html', 'app'],
    warn: (p) => p.timing?.noisy === true,
  },
  {
    id: 'p95PerLayerMs',
    label: 'p95 ms/layer',
    unit: 'ms',
    title: '95th percentile step over the layers in the measured graph',
    get: (p, ctx) => perLayer(p.timing?.p95Ms, p, ctx),
    format: (p, ctx) => ms(perLayer(p.timing?.p95Ms, p, ctx)),
    surfaces: ['app'],
    numeric: true,
  },
  {
    id: 'cv',
    label: 'cv',
    unit: '',
    title: 'Coefficient of variation of the samples',
    get: (p) => num(p.timing?.cv),
    format: (p) => (p.timing ? formatPercent(p.timing.cv) : null),
    csv: 'cv',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
  csvOnly('reps', 'reps', '', 'Timed runs', (p) => num(p.timing?.reps)),
  {
    // beside the step, never subtracted: on a GPU it can be most of a short step
    id: 'overheadPerLayerMs',
    label: 'T=16 ms/layer',
    unit: 'ms',
    title: "The same graph's step at 16 cached tokens (a run's fixed cost plus work that does not grow with the context) over its layers",
    get: (p, ctx) => perLayer(p.timing?.overheadMs, p, ctx),
    format: (p, ctx) => ms(perLayer(p.timing?.overheadMs, p, ctx)),
    surfaces: ['cli', 'app'],
    numeric: true,
  },
  csvOnly('overheadMs', 'overhead_ms', 'ms', "The same graph's step at 16 cached tokens", (p) => num(p.timing?.overheadMs)),
  {
    id: 'modelMs',
    label: 'model ms',
    unit: 'ms',
    title: 'The step scaled to all layers of the model',
    get: (p) => num(p.timing?.modelMs),
    format: (p) => ms(num(p.timing?.modelMs)),
    csv: 'model_ms',
    surfaces: ['cli', 'csv', 'app'],
    numeric: true,
  },
  {
    id: 'tokensPerSecond',
    label: 'tok/s',
    unit: 'tokens/s',
    title: 'Tokens per second through the attention of all layers',
    get: (p) => num(p.timing?.tokensPerSecond),
    format: (p) => (p.timing?.tokensPerSecond ? formatNumber(p.timing.tokensPerSecond) : null),
    csv: 'tokens_per_s',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
  csvOnly('bytesPerStep', 'bytes_per_step', 'B', 'Bytes a step reads and writes (roofline model)', (p) => num(p.roofline?.bytes)),
  csvOnly('flopsPerStep', 'flops_per_step', 'FLOP', 'Floating-point operations per step (roofline model)', (p) => num(p.roofline?.flops)),
  {
    id: 'achievedGBs',
    label: 'GB/s',
    unit: 'GB/s',
    title: 'Bytes per step over the median step',
    get: (p) => num(p.roofline?.achievedGBs),
    format: (p) => (p.roofline ? formatNumber(p.roofline.achievedGBs) : null),
    csv: 'achieved_gb_per_s',
    surfaces: ['cli', 'csv', 'app'],
    numeric: true,
  },
  {
    id: 'achievedGflops',
    label: 'GFLOP/s',
    unit: 'GFLOP/s',
    title: 'FLOPs per step over the median step',
    get: (p) => num(p.roofline?.achievedGflops),
    format: (p) => (p.roofline ? formatNumber(p.roofline.achievedGflops) : null),
    csv: 'achieved_gflop_per_s',
    surfaces: ['cli', 'csv'],
    numeric: true,
  },
  csvOnly('attainableMs', 'attainable_ms', 'ms', 'The roofline: the step the probes say this machine could reach', (p) => num(p.roofline?.attainableMs)),
  {
    id: 'bound',
    label: 'bound',
    unit: '',
    title: 'What limits the step by the roofline: memory bandwidth or compute',
    get: (p) => p.roofline?.bound ?? null,
    csv: 'bound',
    surfaces: ['cli', 'csv', 'html', 'app'],
  },
  {
    id: 'efficiency',
    label: 'roofline',
    unit: '',
    title: 'The roofline over the median step (over 100%: faster than the probes measured)',
    get: (p) => num(p.roofline?.efficiency),
    format: (p) => (p.roofline ? formatPercent(p.roofline.efficiency) : null),
    csv: 'roofline_efficiency',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
  {
    id: 'memorySaved',
    label: 'KV saved vs MHA',
    unit: '×',
    title: "MHA's cache over this one's at the same mode, dtype, batch and context: how many times smaller",
    get: (p, ctx) => ctx.savings.get(p.id)?.memory ?? null,
    format: (p, ctx) => {
      const s = ctx.savings.get(p.id);
      return s ? timesText(s.memory) : null;
    },
    surfaces: ['cli', 'html', 'app'],
    numeric: true,
  },
  {
    id: 'speedup',
    label: 'speed vs MHA',
    unit: '×',
    title: "MHA's median step over this one's at the same mode, dtype, batch and context: how many times faster (under 1×: slower)",
    get: (p, ctx) => ctx.savings.get(p.id)?.speed ?? null,
    format: (p, ctx) => {
      const s = ctx.savings.get(p.id)?.speed;
      return s === null || s === undefined ? null : timesText(s);
    },
    surfaces: ['cli', 'html', 'app'],
    numeric: true,
  },
  csvOnly('analyticCacheBytes', 'analytic_cache_bytes', 'B', 'Cache bytes of the measured graph (analytic)', (p) => num(p.memory?.analyticCacheBytes)),
  csvOnly('predictedBytes', 'predicted_bytes', 'B', 'Memory the planner predicted for the point', (p) => num(p.memory?.predictedBytes)),
  csvOnly('rssBeforeBytes', 'rss_before_bytes', 'B', 'Resident memory before the session', (p) => num(p.memory?.rssBeforeBytes)),
  csvOnly('rssAfterSessionBytes', 'rss_after_session_bytes', 'B', 'Resident memory after the session was created', (p) => num(p.memory?.rssAfterSessionBytes)),
  csvOnly('rssPeakBytes', 'rss_peak_bytes', 'B', 'Peak resident memory during the point', (p) => num(p.memory?.rssPeakBytes)),
  {
    id: 'measuredDeltaBytes',
    label: 'RSS delta',
    unit: 'B',
    title: 'Resident memory the point added (measured)',
    get: (p) => num(p.memory?.measuredDeltaBytes),
    format: (p) => (p.memory ? formatBytes(Math.max(0, p.memory.measuredDeltaBytes)) : null),
    csv: 'measured_delta_bytes',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
  csvOnly('privateDeltaBytes', 'private_delta_bytes', 'B', 'Private memory the point added, where the platform tells it', (p) =>
    num(p.memory?.privateDeltaBytes),
  ),
  {
    id: 'deviceBytes',
    label: 'GPU memory',
    unit: 'B',
    title: 'GPU memory the point used (nvidia-smi), where the platform tells it',
    get: (p) => (p.memory?.device.available ? p.memory.device.usedBytes : null),
    format: (p) => bytes(p.memory?.device.available ? p.memory.device.usedBytes : null),
    csv: 'device_used_bytes',
    surfaces: ['csv', 'app'],
    numeric: true,
  },
  csvOnly('deviceMemorySource', 'device_memory_source', '', 'Where the GPU memory figure came from, or why there is none', (p) =>
    p.memory ? (p.memory.device.available ? p.memory.device.source : p.memory.device.reason) : null,
  ),
  {
    id: 'verifyMaxAbsError',
    label: 'verify err',
    unit: '',
    title: 'Largest absolute error against the float64 reference',
    get: (p) => num(p.verifyMaxAbsError),
    format: (p) => (p.verifyMaxAbsError === undefined || p.verifyMaxAbsError === null ? null : p.verifyMaxAbsError.toExponential(1)),
    csv: 'verify_max_abs_error',
    surfaces: ['csv', 'app'],
    numeric: true,
  },
  {
    id: 'fellBack',
    label: 'fell back to CPU',
    unit: '',
    title: 'Graph nodes the provider left to the CPU',
    get: (p) => p.placement?.fellBack.join(', ') ?? null,
    surfaces: ['app'],
    warn: (p) => (p.placement?.fellBack.length ?? 0) > 0,
  },
  csvOnly('ci95LoMs', 'median_ci95_lo_ms', 'ms', "Low end of the median's 95% interval", (p) => num(p.timing?.ci95Ms?.[0])),
  csvOnly('ci95HiMs', 'median_ci95_hi_ms', 'ms', "High end of the median's 95% interval", (p) => num(p.timing?.ci95Ms?.[1])),
  csvOnly('iqrMs', 'iqr_ms', 'ms', 'Interquartile range of the samples', (p) => num(p.timing?.iqrMs)),
  csvOnly('madMs', 'mad_ms', 'ms', 'Median absolute deviation of the samples', (p) => num(p.timing?.madMs)),
  csvOnly('outliers', 'outliers', '', 'Samples set aside as outliers', (p) => num(p.timing?.outliers)),
  csvOnly('stoppedBy', 'stopped_by', '', 'What ended the sampling', (p) => p.timing?.stoppedBy ?? null),
  csvOnly('noise', 'noise', '', 'Why the timing is noisy', (p) => p.timing?.noise.join('; ') ?? null),
  csvOnly('otherCpuShare', 'other_cpu_share', '', 'Share of the CPU other processes used while timing', (p) => num(p.timing?.load?.otherCpuShare)),
  csvOnly('stealShare', 'steal_share', '', 'Share of the CPU the hypervisor took while timing', (p) => num(p.timing?.load?.stealShare)),
  csvOnly('efficiencyCi95Lo', 'roofline_efficiency_ci95_lo', '', "Low end of the roofline efficiency's 95% interval", (p) =>
    num(p.roofline?.efficiencyCi95?.[0]),
  ),
  csvOnly('efficiencyCi95Hi', 'roofline_efficiency_ci95_hi', '', "High end of the roofline efficiency's 95% interval", (p) =>
    num(p.roofline?.efficiencyCi95?.[1]),
  ),
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
];

/** The fields a surface shows, in its order. */
export function fieldsOn(surface: Surface, fields: readonly Field[] = FIELDS): Field[] {
  const on = fields.filter((f) => f.surfaces.includes(surface));
  if (surface !== 'csv') return on;
  const rank = (f: Field): number => {
    const i = CSV_ORDER.indexOf(csvName(f));
    return i < 0 ? CSV_ORDER.length : i;
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
export function textTable(surface: Surface, points: readonly Point[], ctx: FieldContext, blank: string, fields: readonly Field[] = FIELDS): string[][] {
  const on = fieldsOn(surface, fields);
  return [on.map((f) => f.label), ...points.map((p) => on.map((f) => fieldText(f, p, ctx) ?? blank))];
}
