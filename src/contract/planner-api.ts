/**
 * What the planner side of the API carries: the capacity request and answer (one shape for the
 * app, the e2e bridge and `kvscope plan --json`), and an imported ONNX decoder's layout,
 * capacity and sweep (re-exported by ./api.ts).
 */
import { z } from 'zod';
import { ANALYTIC_DTYPES, type AnalyticDtypeName } from './lists.js';
import { ParallelRequestSchema, PerGpuAnswerSchema } from './parallel-api.js';
import { IntervalSchema } from './reports-api.js';
import { LayerKindSchema, PagingSchema } from './layers-schema.js';
import { AttentionSpecSchema } from './schemas.js';

export * from './parallel-api.js';

export const AnalyticDtypeSchema = z.enum(ANALYTIC_DTYPES);
export type { AnalyticDtypeName };

export const CapacityRequestSchema = z.object({
  model: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('preset'), id: z.string().min(1).max(100) }),
    z.object({ kind: z.literal('hf-config'), name: z.string().max(300), config: z.record(z.string(), z.unknown()) }),
  ]),
  /** Bytes; null = the memory detected free on this machine now. */
  memoryBytes: z.number().positive().max(1e18).nullable(),
  weightDtype: AnalyticDtypeSchema,
  cacheDtype: AnalyticDtypeSchema,
  context: z.number().int().min(1).max(1e9),
  batch: z.number().int().min(1).max(1e6),
  gqaGroups: z.number().int().min(1).max(1024),
  /** Latent rank (d_c) of the MLA what-if for a model that is not MLA; absent = 4 x head dim. */
  mlaRank: z.number().int().min(1).max(1_048_576).optional(),
  /** The paged figure's assumption (absent: PLAN_DEFAULTS, 16-token pages, windowed layers keep their window). */
  paging: PagingSchema.optional(),
  /** A multi-GPU layout: the answer gains per-GPU figures (perGpu). */
  parallel: ParallelRequestSchema.optional(),
});
export type CapacityRequest = z.infer<typeof CapacityRequestSchema>;

export const VariantCapacityInfoSchema = z.object({
  variant: z.string(),
  /** The attention dims the row is computed for, e.g. "32 heads x 128, 8 K/V heads", "MLA d_c 512 + d_R 64". */
  shape: z.string(),
  isModel: z.boolean(),
  /** Bytes per cached token of one attention layer, and summed over the attention layers (what a token costs while it is within every window). */
  kvBytesPerTokenPerLayer: z.number(),
  kvBytesPerToken: z.number(),
  /** Ideal: the exact sum over layers at the context (windows and chunks capped, stateful layers' state), for the batch. */
  cacheBytesAtContext: z.number(),
  largestContext: z.number().nullable(),
  largestBatch: z.number(),
  /** What a paged serving engine reserves under the answer's `paging` assumption. */
  paged: z.object({ cacheBytesAtContext: z.number(), largestContext: z.number().nullable(), largestBatch: z.number() }),
  vsMha: z.number(),
  measured: z.object({ perLayerMs: z.number(), modelMs: z.number(), measuredDeltaBytes: z.number().nullable(), context: z.number() }).optional(),
  estimate: z.object({ tokensPerSecond: z.number(), weightsMs: z.number(), attentionMs: z.number(), basis: z.string() }).optional(),
});
export type VariantCapacityInfo = z.infer<typeof VariantCapacityInfoSchema>;

const MemorySourceSchema = z.enum(['detected', 'entered']);

/** Answer of `planner:capacity` and `kvscope plan --json` (analytic, with measured figures where a report of the model exists): src/core/plan/capacity.ts capacityAnswer. */
export const CapacityAnswerSchema = z.object({
  model: z.object({
    name: z.string(),
    modelType: z.string(),
    attention: AttentionSpecSchema,
    numLayers: z.number(),
    hiddenSize: z.number(),
    maxContext: z.number().nullable(),
    slidingWindow: z.number().nullable(),
    /** What each layer caches, and the same in words ("21 sliding (window 4096): layers 0, 2 … 40; ..."). */
    layerKinds: z.array(LayerKindSchema),
    layers: z.string(),
    derivedFrom: z.record(z.string(), z.string()),
    /** What a config.json import only approximated. */
    warnings: z.array(z.string()).optional(),
  }),
  params: z.object({ total: z.number(), active: z.number(), source: z.string() }),
  memoryBytes: z.number(),
  memorySource: MemorySourceSchema,
  /** The request's context and batch. */
  context: z.number(),
  batch: z.number(),
  /** The model's own variant at the top (model.attention; its row in variants): for scripts reading `kvscope plan --json`. */
  spec: AttentionSpecSchema,
  kvBytesPerToken: z.number(),
  cacheBytesAtContext: z.number(),
  largestContext: z.number().nullable(),
  largestBatch: z.number(),
  analytic: z.literal(true),
  weightsBytes: z.number(),
  activeWeightBytes: z.number(),
  /** Where the parameter count comes from ("published", "estimated from config.json", ...). */
  paramsSource: z.string(),
  cacheTokens: z.number(),
  /** Bytes per element of the cache dtype (a stateful layer's state is held in it). */
  cacheBytesPerElement: z.number(),
  /** What the ideal figures (`cacheBytesAtContext`, `largestContext`, `largestBatch`) are, in words. */
  idealNote: z.string(),
  /** The paged figure's assumption, and it in words. */
  paging: PagingSchema.extend({ note: z.string() }),
  /** The model's own variant, paged (as `cacheBytesAtContext` etc. are its ideal figures). */
  paged: z.object({ cacheBytesAtContext: z.number(), largestContext: z.number().nullable(), largestBatch: z.number() }),
  freeForCacheBytes: z.number(),
  fitsAtAll: z.boolean(),
  variants: z.array(VariantCapacityInfoSchema),
  /** The report the measured figures come from (the app: newest history entry of the same model; the CLI: --report). */
  measuredFrom: z.object({ id: z.string(), createdAt: z.string(), provider: z.string() }).nullable(),
  /** What that report is where it is not exactly this model (same dims, another name or layer count); null otherwise. */
  reportNote: z.string().nullable(),
  /** Per-GPU figures of the request's multi-GPU layout (src/core/plan/parallel.ts), where it has one. */
  perGpu: PerGpuAnswerSchema.optional(),
});
export type CapacityAnswer = z.infer<typeof CapacityAnswerSchema>;

/** Answer of `onnx:inspect`. */
export const OnnxLayoutSchema = z.object({
  path: z.string(),
  name: z.string(),
  layers: z.number(),
  numKvHeads: z.number(),
  headDim: z.number(),
  dtype: z.string(),
  kvBytesPerToken: z.number(),
  otherInputs: z.array(z.string()),
  /** Parameters (elements of all initializers) and their bytes as stored in the file. */
  params: z.number(),
  weightBytes: z.number(),
});
export type OnnxLayout = z.infer<typeof OnnxLayoutSchema>;

/** An ONNX file main chose, named by the opaque token main keeps its path under. */
export const OnnxTokenSchema = z.uuid();

/** Answer of `onnx:inspect`: the layout and the file's token (what `onnx:sweep` takes). */
export const OpenedOnnxSchema = OnnxLayoutSchema.extend({ token: OnnxTokenSchema });
export type OpenedOnnx = z.infer<typeof OpenedOnnxSchema>;

/** Argument of `planner:onnx`: the capacity of an imported ONNX decoder (its layout as read). */
export const OnnxCapacityRequestSchema = z.object({
  layout: z.object({
    layers: z.number().int().min(1).max(100_000),
    numKvHeads: z.number().int().min(1).max(100_000),
    headDim: z.number().int().min(1).max(100_000),
    dtype: z.enum(['fp32', 'fp16']),
    weightBytes: z.number().min(0).max(1e18),
  }),
  /** Bytes; null = the memory detected free on this machine now. */
  memoryBytes: z.number().positive().max(1e18).nullable(),
  context: z.number().int().min(1).max(1e9),
  batch: z.number().int().min(1).max(1e6),
  /** Absent = the file's own cache dtype. */
  cacheDtype: AnalyticDtypeSchema.optional(),
});
export type OnnxCapacityRequest = z.infer<typeof OnnxCapacityRequestSchema>;

/** Answer of `planner:onnx` (analytic; no what-if variants: the graph does not say how many query heads it has). */
export const OnnxCapacityAnswerSchema = z.object({
  analytic: z.literal(true),
  weightsBytes: z.number(),
  kvBytesPerToken: z.number(),
  cacheBytesAtContext: z.number(),
  freeForCacheBytes: z.number(),
  largestContext: z.number(),
  largestBatch: z.number(),
  memoryBytes: z.number(),
  memorySource: MemorySourceSchema,
});
export type OnnxCapacityAnswer = z.infer<typeof OnnxCapacityAnswerSchema>;

/** Answer of `onnx:sweep`. */
export const OnnxSweepResultSchema = z.object({
  layout: OnnxLayoutSchema,
  points: z.array(
    z.object({
      past: z.number(),
      medianMs: z.number(),
      /** 95% interval of the median, and why the timing is noisy (empty when it is not). */
      ci95Ms: IntervalSchema,
      noise: z.array(z.string()),
      p95Ms: z.number(),
      analyticPresentBytes: z.number(),
      measuredPresentBytes: z.number(),
      rssDeltaBytes: z.number(),
    }),
  ),
});
export type OnnxSweepResult = z.infer<typeof OnnxSweepResultSchema>;
