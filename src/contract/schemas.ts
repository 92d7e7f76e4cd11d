/**
 * The one contract between the engine, the CLI, Electron main, preload and the renderer:
 * sweep configuration, engine events, report, with runtime schemas (zod). Nothing else defines
 * these shapes; every boundary (IPC, files, CLI flags) validates with the schemas here.
 */
import { z } from 'zod';
import { DEFAULT_BUDGET_SECONDS, DEFAULT_MAX_STEP_SECONDS, DEFAULT_MEMORY_FRACTION, SWEEP_DEFAULTS as D } from './defaults.js';
import { CACHE_DTYPES, MODES, PROVIDERS, VARIANTS } from './lists.js';

export const VariantSchema = z.enum(VARIANTS);
export const DtypeSchema = z.enum(CACHE_DTYPES);
export const ProviderSchema = z.enum(PROVIDERS);
export const ModeSchema = z.enum(MODES);

const dim = z
  .number()
  .int()
  .positive()
  .max(1 << 20);

export const HeadSpecSchema = z.object({
  kind: z.enum(['mha', 'gqa', 'mqa']),
  numHeads: dim,
  numKvHeads: dim,
  headDim: dim,
  vHeadDim: dim.optional(),
});
export const MlaSpecSchema = z.object({
  kind: z.literal('mla'),
  numHeads: dim,
  kvLoraRank: dim,
  qkNopeHeadDim: dim,
  qkRopeHeadDim: dim,
  vHeadDim: dim,
  qLoraRank: z
    .number()
    .int()
    .min(0)
    .max(1 << 20),
});
export const AttentionSpecSchema = z.discriminatedUnion('kind', [HeadSpecSchema, MlaSpecSchema]);

/** Where the model's dims come from. */
export const ModelSourceSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('preset'), preset: z.string().min(1).max(100) }),
  z.object({
    source: z.literal('custom'),
    name: z.string().min(1).max(200),
    attention: AttentionSpecSchema,
    numLayers: dim,
    maxContext: dim.nullable(),
  }),
  /** A Hugging Face config.json, parsed. */
  z.object({ source: z.literal('hf-config'), name: z.string().max(200).optional(), config: z.record(z.string(), z.unknown()) }),
]);

export const SweepConfigSchema = z.object({
  model: ModelSourceSchema,
  /** Variants to measure; each is the model's dims expressed as that variant (equal dims). */
  variants: z.array(VariantSchema).min(1),
  /** K/V heads for the GQA variant when the model is not itself GQA. */
  gqaGroups: z
    .number()
    .int()
    .positive()
    .max(1 << 16)
    .default(D.gqaGroups),
  /** Cached tokens (decode) / prompt tokens (prefill), ascending. */
  contexts: z
    .array(
      z
        .number()
        .int()
        .positive()
        .max(1 << 24),
    )
    .min(1)
    .max(64),
  batches: z
    .array(z.number().int().positive().max(4096))
    .min(1)
    .max(16)
    .default([...D.batches]),
  dtypes: z
    .array(DtypeSchema)
    .min(1)
    .default([...D.dtypes]),
  modes: z
    .array(ModeSchema)
    .min(1)
    .default([...D.modes]),
  provider: z.union([ProviderSchema, z.literal('auto')]).default(D.provider),
  /** Layers built into each graph (identical); results are scaled to the model's layer count. */
  layers: z.number().int().positive().max(256).default(D.layers),
  /** Seconds of timed runs per point at most (sampling stops earlier once the median's 95% interval is within +/-2%). */
  budgetSeconds: z.number().positive().max(3600).default(DEFAULT_BUDGET_SECONDS),
  /** Prefill is measured only up to this context (its scores grow as T^2). */
  maxPrefillContext: z
    .number()
    .int()
    .positive()
    .max(1 << 20)
    .default(D.maxPrefillContext),
  /** Intra-op threads (0: onnxruntime's default). */
  threads: z.number().int().min(0).max(1024).default(D.threads),
  /** Fraction of free memory a point may use; the rest is headroom. */
  memoryFraction: z.number().gt(0).max(1).default(DEFAULT_MEMORY_FRACTION),
  /** A point predicted (from the probes) to take longer per step is recorded, not run. */
  maxStepSeconds: z.number().positive().max(3600).default(DEFAULT_MAX_STEP_SECONDS),
  /** Check each graph on a small size against the float64 reference before timing it. */
  verify: z.boolean().default(D.verify),
});
export type SweepConfig = z.infer<typeof SweepConfigSchema>;
export type SweepConfigInput = z.input<typeof SweepConfigSchema>;

/** Competing load while a point was timed (shares of the machine's CPU time, 0..1; null where the OS does not tell). */
export const LoadSchema = z.object({
  otherCpuShare: z.number().min(0).max(1).nullable(),
  stealShare: z.number().min(0).max(1).nullable(),
  loadAvg1: z.number().min(0).nullable(),
});

/** Why the harness stopped sampling: the interval target was met, the budget ran out, the sample cap, or a cancel. */
export const StoppedBySchema = z.enum(['target', 'budget', 'max-samples', 'cancelled']);

/** Raw samples a report keeps per point (the last ones); statistics are computed from all of them. */
export const MAX_REPORT_SAMPLES = 1000;

const ms = z.number().finite().min(0);

export const TimingSchema = z.object({
  medianMs: ms,
  /** 95% interval of the median (order statistics over every sample); null in reports migrated from version 1. */
  ci95Ms: z.tuple([ms, ms]).nullable(),
  p95Ms: ms,
  minMs: ms,
  meanMs: ms,
  /** Coefficient of variation (stddev / mean). */
  cv: z.number().finite().min(0),
  /** Interquartile range and median absolute deviation (robust spread); null when migrated from version 1. */
  iqrMs: ms.nullable(),
  madMs: ms.nullable(),
  /** Samples outside Tukey's fences; null when migrated from version 1. */
  outliers: z.number().int().min(0).nullable(),
  reps: z.number().int(),
  /** The last MAX_REPORT_SAMPLES per-run times (ms), in run order; null when migrated from version 1 (samples missing). */
  samplesMs: z.array(ms).max(MAX_REPORT_SAMPLES).nullable(),
  /**
   * The rounds the samples were taken in (separate placements of the cache: a fresh file and
   * session each), in order: each round's median and count, and how many of samplesMs are its
   * (samplesMs holds the rounds one after another). Null when migrated from version 1.
   */
  rounds: z
    .array(z.object({ medianMs: ms, n: z.number().int().min(1), kept: z.number().int().min(0) }))
    .max(64)
    .nullable()
    .default(null),
  stoppedBy: StoppedBySchema.nullable(),
  /** True where the interval target was not met, or outliers or competing load make the figure doubtful; null when unknown (version 1). */
  noisy: z.boolean().nullable(),
  /** Why it is noisy, one sentence each (empty when not). */
  noise: z.array(z.string()),
  load: LoadSchema.nullable(),
  /** Fixed per-run overhead (same graph at tiny T), measured separately, not subtracted. */
  overheadMs: z.number().nullable(),
  /** Decode: batch / step time over the measured layers scaled to the model. */
  tokensPerSecond: z.number().nullable(),
  /** Step time of one layer (median / layers). */
  perLayerMs: z.number(),
  /** Step time scaled to all the model's layers. */
  modelMs: z.number(),
});

export const RooflineSchema = z.object({
  bytes: z.number(),
  flops: z.number(),
  achievedGBs: z.number(),
  achievedGflops: z.number(),
  attainableMs: z.number(),
  bound: z.enum(['memory', 'compute']),
  /** attainable / measured, 0..1 (over 1 means the probe underestimated the device). */
  efficiency: z.number(),
  /** The efficiency over the step's 95% interval (attainable / hi, attainable / lo); null when migrated from version 1. */
  efficiencyCi95: z.tuple([z.number(), z.number()]).nullable(),
});

export const DeviceMemorySchema = z.union([
  z.object({ available: z.literal(true), usedBytes: z.number(), totalBytes: z.number().nullable(), source: z.string() }),
  z.object({ available: z.literal(false), reason: z.string() }),
]);

export const MemorySchema = z.object({
  /** Analytic bytes of the cache in the measured graph (all measured layers). */
  analyticCacheBytes: z.number(),
  analyticWeightBytes: z.number(),
  /** Predicted bytes of the point (cache + weights + workspace) used by the fit check. */
  predictedBytes: z.number(),
  rssBeforeBytes: z.number(),
  rssAfterSessionBytes: z.number(),
  rssPeakBytes: z.number(),
  /** RSS after the session was built minus before: what holding the cache cost this process. */
  measuredDeltaBytes: z.number(),
  /** Private (anonymous) resident bytes, where the OS tells; null elsewhere. */
  privateDeltaBytes: z.number().nullable(),
  device: DeviceMemorySchema,
});

export const PlacementSchema = z.object({
  attention: z.array(z.object({ node: z.string(), op: z.string(), provider: z.string() })),
  fellBack: z.array(z.string()),
  /** Every executed node by provider (short name -> count). */
  byProvider: z.record(z.string(), z.number()),
});

export const PointSchema = z.object({
  id: z.string(),
  variant: VariantSchema,
  mode: ModeSchema,
  context: z.number().int(),
  /** Tokens actually cached: the context, or the sliding window where one caps it. */
  cacheTokens: z.number().int(),
  batch: z.number().int(),
  dtype: DtypeSchema,
  /**
   * ok: measured. does-not-fit: predicted memory over the budget, not attempted. too-slow:
   * predicted step time (from the roofline probes) over maxStepSeconds, not attempted.
   * failed: the engine raised (reason says what). cancelled: the sweep stopped first.
   */
  status: z.enum(['ok', 'does-not-fit', 'too-slow', 'failed', 'cancelled']),
  /** Why a point did not run, or failed. */
  reason: z.string().optional(),
  spec: AttentionSpecSchema,
  /** Op form of the graph (decomposed MatMul/Softmax, or mha-op: com.microsoft.MultiHeadAttention). */
  form: z.string(),
  /** When several forms could run this point: each form's median step (ms) at the calibration context; the fastest was used. */
  formTimingsMs: z.record(z.string(), z.number()).optional(),
  /** Analytic cache bytes per token per layer for this dtype. */
  kvBytesPerTokenPerLayer: z.number(),
  /** Analytic cache bytes of the whole model (all layers) at this context and batch. */
  modelCacheBytes: z.number(),
  /** Beyond the model's max_position_embeddings. */
  hypothetical: z.boolean(),
  timing: TimingSchema.optional(),
  roofline: RooflineSchema.optional(),
  memory: MemorySchema.optional(),
  placement: PlacementSchema.optional(),
  /** Max abs error against the float64 reference on a small graph of the same form. */
  verifyMaxAbsError: z.number().optional(),
  fillGBs: z.number().optional(),
  seconds: z.number().optional(),
});
export type Point = z.infer<typeof PointSchema>;

export const MachineSchema = z.object({
  cpuModel: z.string(),
  cores: z.number().int(),
  totalMemoryBytes: z.number(),
  freeMemoryBytes: z.number(),
  os: z.string(),
  gpu: z.array(z.object({ name: z.string(), vendor: z.string().optional(), driver: z.string().optional(), memoryBytes: z.number().nullable() })),
  onnxruntimeVersion: z.string(),
  nodeVersion: z.string(),
  /** CPU frequency governor (Linux cpufreq) or "not available"; absent before version 2. */
  cpuGovernor: z.string().optional(),
  /** Competing load over the whole sweep; absent before version 2. */
  load: LoadSchema.optional(),
  /** The engine's scheduling priority while it measured (raised where the OS allows); absent before version 2. */
  processPriority: z.string().optional(),
});

export const ProbesSchema = z.object({
  /** Device read bandwidth measured on the sweep's provider. */
  bandwidthGBs: z.number(),
  /** Matmul throughput measured on the sweep's provider. */
  gflops: z.number(),
  bandwidthMethod: z.string(),
  gflopsMethod: z.string(),
  /** The same probes again after the last point (absent where they were not repeated): efficiency intervals span both. */
  again: z.object({ bandwidthGBs: z.number(), gflops: z.number() }).optional(),
});

export const ModelSummarySchema = z.object({
  name: z.string(),
  modelType: z.string(),
  attention: AttentionSpecSchema,
  numLayers: z.number().int(),
  hiddenSize: z.number().int(),
  maxContext: z.number().int().nullable(),
  slidingWindow: z.number().int().nullable(),
});

/** Version 2 added raw samples, intervals and noise to timings (docs/report-schema.md has the migration from 1). */
export const REPORT_SCHEMA_VERSION = 2;

const ReportObjectSchema = z.object({
  schema: z.literal('kvscope.report'),
  version: z.literal(REPORT_SCHEMA_VERSION),
  /** Set when the file was written in an older version and migrated on load (what it lacks is null). */
  migratedFrom: z.number().int().optional(),
  kvscopeVersion: z.string(),
  createdAt: z.string(),
  /** False when the sweep was interrupted (cancel, Ctrl-C, failure); points kept are valid. */
  complete: z.boolean(),
  incompleteReason: z.string().optional(),
  machine: MachineSchema,
  provider: z.object({ name: ProviderSchema, options: z.record(z.string(), z.unknown()) }),
  config: SweepConfigSchema,
  model: ModelSummarySchema,
  /** Layers measured in each graph and the model's count the figures are scaled to. */
  scaling: z.object({ measuredLayers: z.number().int(), modelLayers: z.number().int(), note: z.string() }),
  probes: ProbesSchema.nullable(),
  points: z.array(PointSchema),
  /**
   * Per variant: largest context (tokens, batch 1, first dtype) whose whole-model cache fits
   * the memory budget; null where a sliding window caps the cache (any context fits).
   */
  largestContextThatFits: z.record(z.string(), z.number().nullable()),
  /** The memory budget the fit checks used (absent in reports written before it was recorded). */
  memoryBudget: z
    .object({
      bytes: z.number(),
      /** What bounded it: the host's available memory, or a GPU's free memory (nvidia-smi). */
      limitedBy: z.enum(['host', 'device']),
      note: z.string(),
    })
    .optional(),
});
/** A report: point ids are unique, and every point's context and batch are positive (a hostile or broken file is refused on load). */
export const ReportSchema = ReportObjectSchema.superRefine((r, ctx) => {
  const seen = new Set<string>();
  r.points.forEach((p, i) => {
    if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['points', i, 'id'], message: `duplicate point id ${JSON.stringify(p.id)} (ids must be unique)` });
    seen.add(p.id);
    for (const field of ['context', 'batch'] as const)
      if (p[field] < 1) ctx.addIssue({ code: 'custom', path: ['points', i, field], message: `${field} ${p[field]} is out of range (1 or more)` });
  });
});
export type Report = z.infer<typeof ReportSchema>;

/** A report without its points: what the engine sends after each point (the points went out one by one). */
export const ReportHeaderSchema = ReportObjectSchema.omit({ points: true });
export type ReportHeader = z.infer<typeof ReportHeaderSchema>;

/** Engine -> host events, each tagged with the run. */
export const EngineEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({
    type: z.literal('progress'),
    runId: z.string(),
    done: z.number().int(),
    total: z.number().int(),
    current: z.string(),
    etaSeconds: z.number().nullable(),
  }),
  z.object({ type: z.literal('point'), runId: z.string(), point: PointSchema }),
  /** A point measured again in a later round of the sweep: replaces the point with the same id. */
  z.object({ type: z.literal('point-update'), runId: z.string(), point: PointSchema }),
  /** A point's timed runs begin (active) or end: the app holds heavy rendering in between. */
  z.object({ type: z.literal('timing'), runId: z.string(), active: z.boolean() }),
  /**
   * After each point: the report so far without its points (those went out as 'point' events).
   * The host's engine client keeps the last one to rebuild the partial report if the engine dies;
   * it is not forwarded to the renderer.
   */
  z.object({ type: z.literal('snapshot'), runId: z.string(), header: ReportHeaderSchema }),
  z.object({ type: z.literal('done'), runId: z.string(), report: ReportSchema }),
  z.object({ type: z.literal('error'), runId: z.string(), message: z.string(), partial: ReportSchema.nullable() }),
]);
export type EngineEvent = z.infer<typeof EngineEventSchema>;

/** Host -> engine requests. */
export const EngineRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), runId: z.string(), config: SweepConfigSchema }),
  z.object({ type: z.literal('cancel'), runId: z.string() }),
]);
export type EngineRequest = z.infer<typeof EngineRequestSchema>;
