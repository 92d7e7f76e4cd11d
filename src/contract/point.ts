/** One measured (or skipped) point of a sweep: its timing, roofline, memory and placement. */
import { z } from 'zod';
import { AttentionSpecSchema, DtypeSchema, ModeSchema, VariantSchema } from './config.js';
import { AttendWithinSchema } from './layers-schema.js';

/** Competing load while a point was timed (shares of the machine's CPU time, 0..1; null where the OS does not tell). */
export const LoadSchema = z.object({
  otherCpuShare: z.number().min(0).max(1).nullable(),
  stealShare: z.number().min(0).max(1).nullable(),
  loadAvg1: z.number().min(0).nullable(),
});

/** Why the harness stopped sampling: the interval target was met, the budget ran out, the sample cap, or a cancel. */
export const StoppedBySchema = z.enum(['target', 'budget', 'max-samples', 'rounds', 'cancelled']);

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
  /**
   * Decode: the same graph's step at 16 cached tokens (a run's fixed cost plus work that does not
   * grow with the context), shown beside the step and never subtracted; null for prefill.
   */
  overheadMs: z.number().nullable(),
  /** Decode: batch over the step scaled to all the model's layers; null for prefill. */
  tokensPerSecond: z.number().nullable(),
  /** Step time of one layer (median / layers). */
  perLayerMs: z.number(),
  /** Step time scaled to all the model's layers (hybrid models: the sum over layer kinds, see modelFrom). */
  modelMs: z.number(),
  /** Hybrid models: how modelMs was put together from the layer kinds' measured steps, in words. */
  modelFrom: z.string().optional(),
  /**
   * 95% interval of modelMs: the median's interval scaled like it where one point gives it; for a
   * hybrid model's whole-model point, a seeded bootstrap of the sum over the layer kinds (each
   * kind's samples resampled on its own). Absent in reports written before it; null where a part
   * has no samples (migrated from version 1).
   */
  modelCi95Ms: z.tuple([ms, ms]).nullable().optional(),
});

/**
 * Hybrid models (layers of different kinds, or stateful layers): the model layers a point's
 * measurement stands for. Each attention kind is measured at the tokens it holds (a sliding layer
 * its window); the primary point (the context's full cache) carries the whole model's step, the
 * others (id suffix /held<N> in decode, /window<W> or /chunk<C> in prefill) one kind's share.
 * Absent for models whose layers are all alike.
 */
export const LayerGroupSchema = z.object({
  layers: z.number().int().min(0),
  /** The kinds in words, e.g. "21 sliding (window 4096)". */
  kind: z.string(),
  primary: z.boolean(),
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

/**
 * What a quantized cache costs in accuracy, against the float64 reference over the same cache
 * unquantized, on the small verification graph (same form, `context` cached tokens, batch 1).
 */
export const AccuracySchema = z.object({
  /** Largest |output - reference| over the attention outputs. */
  maxAbsError: z.number().min(0),
  /** ||output - reference||2 / ||reference||2. */
  relativeL2: z.number().min(0),
  /** Mean KL(P || P_q) of the attention probabilities (nats), in float64 from the unquantized and the stored cache. */
  klDivergence: z.number().min(0),
  context: z.number().int().positive(),
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
   * unsupported: no form of the point runs on this provider or in this mode (a quantized cache in
   * prefill, a kernel the provider lacks); the reason says which and why.
   */
  status: z.enum(['ok', 'does-not-fit', 'too-slow', 'failed', 'cancelled', 'unsupported']),
  /** Why a point did not run, or failed. */
  reason: z.string().optional(),
  spec: AttentionSpecSchema,
  /**
   * Op form of the graph: decomposed MatMul/Softmax (prefill: the full T x T form), cache-left,
   * mha-op (com.microsoft.MultiHeadAttention), gqa-op (com.microsoft.GroupQueryAttention), or blocked
   * (prefill in blocks of prefillBlock queries).
   */
  form: z.string(),
  /** Blocked prefill: query rows per block, chosen so one block's workspace stays within its bound (docs/measurement.md). */
  prefillBlock: z.number().int().positive().optional(),
  /** When several forms could run this point: each form's median step (ms) at the calibration context; the fastest was used. */
  formTimingsMs: z.record(z.string(), z.number()).optional(),
  /** Analytic cache bytes per token per layer for this dtype. */
  kvBytesPerTokenPerLayer: z.number(),
  /** Analytic cache bytes of the whole model (all layers) at this context and batch. */
  modelCacheBytes: z.number(),
  /** Beyond the model's max_position_embeddings. */
  hypothetical: z.boolean(),
  layerGroup: LayerGroupSchema.optional(),
  /**
   * Hybrid models' prefill: the windowed layer kind this point times (each query attends only its
   * window, or its own chunk); absent where every query attends all keys up to itself.
   */
  attendWithin: AttendWithinSchema.optional(),
  /**
   * Identical layers the timed graph held: per-layer figures are its step over them. Absent in
   * reports written before layers were chosen per point (scaling.measuredLayers holds them there).
   */
  layers: z.number().int().min(1).optional(),
  /** Where the planner chose the layers (config.layers "auto") and held more than one, or fell short of its target: why, in words. */
  layersNote: z.string().optional(),
  timing: TimingSchema.optional(),
  roofline: RooflineSchema.optional(),
  memory: MemorySchema.optional(),
  placement: PlacementSchema.optional(),
  /** Max abs error against the float64 reference on a small graph of the same form. */
  verifyMaxAbsError: z.number().optional(),
  /** Quantized caches (fp8, int8, int4): the accuracy cost, from the verification graph (docs/measurement.md). */
  accuracy: AccuracySchema.optional(),
  /** How fast the point's cache and weights were written before its first run. */
  fillGBs: z.number().optional(),
  /** Wall time the point took, building and timing included. */
  seconds: z.number().optional(),
});
export type Point = z.infer<typeof PointSchema>;
