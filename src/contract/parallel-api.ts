/**
 * The planner's multi-GPU layout (tensor, pipeline, data and decode context parallelism) and its
 * per-GPU answer: one shape for the app's planner, the e2e bridge and `kvscope plan --json`
 * (`perGpu`). Computed by src/core/plan/parallel.ts; re-exported by ./planner-api.ts.
 */
import { z } from 'zod';
import { PARALLEL_DEFAULTS, PARALLEL_RANGES } from './parallel-ranges.js';

export { PARALLEL_DEFAULTS, PARALLEL_RANGES };

const count = (r: { min: number; max: number }) => z.number().int().min(r.min).max(r.max);
const rate = (r: { min: number; max: number }) => z.number().positive().max(r.max);

export const ParallelRequestSchema = z.object({
  tp: count(PARALLEL_RANGES.tp),
  pp: count(PARALLEL_RANGES.pp),
  dp: count(PARALLEL_RANGES.dp),
  /** Decode context parallelism: the cached tokens split across this many ranks of the TP group (divides tp). */
  dcp: count(PARALLEL_RANGES.dcp),
  /** DP attention: the dp ranks share one model (its other weights split over tp x dp), attention and cache by sequence. */
  dpAttention: z.boolean(),
  /** GPUs in the deployment (must equal tp x pp x dp); null = tp x pp x dp. */
  gpuCount: count(PARALLEL_RANGES.gpuCount).nullable(),
  /** Memory of each GPU in bytes; null = the request's memoryBytes (or the memory detected here). */
  gpuMemoryBytes: z.number().positive().max(1e18).nullable(),
  /** GB/s of the link the TP all-reduce runs over. */
  linkGBs: rate(PARALLEL_RANGES.linkGBs),
  /** GB/s of each GPU's memory, for an analytic roofline estimate; null = the measured report's bandwidth (no estimate without one). */
  hbmGBs: rate(PARALLEL_RANGES.hbmGBs).nullable(),
});
export type ParallelRequest = z.infer<typeof ParallelRequestSchema>;

export const PerGpuEstimateSchema = z.object({
  tokensPerSecond: z.number(),
  stepMs: z.number(),
  weightsMs: z.number(),
  attentionMs: z.number(),
  allReduceMs: z.number(),
  /** How the attention time was made for this variant (measured step scaled, or bytes / bandwidth). */
  attentionBasis: z.string(),
});

export const PerGpuVariantSchema = z.object({
  variant: z.string(),
  isModel: z.boolean(),
  shape: z.string(),
  /** How this variant's cache is placed on the ranks, in words (split, replicated, by token). */
  rule: z.string(),
  /** K/V heads each GPU holds; null for the MLA latent (no heads to split). */
  kvHeadsPerGpu: z.number().nullable(),
  /** Copies of each cached element across the TP group (1: no duplication). */
  copies: z.number(),
  /** Cache bytes one GPU holds per token of a sequence's context (its stage's layers, its head share, its token share). */
  kvBytesPerToken: z.number(),
  /** The whole model's bytes per token on one GPU (no parallelism), for comparison. */
  modelKvBytesPerToken: z.number(),
  /** Cache bytes on one GPU at the context for the sequences it serves. */
  cacheBytesAtContext: z.number(),
  /** Whether the weights and this variant's cache at the context and batch fit on every GPU. */
  fits: z.boolean(),
  /** Largest context per sequence at the request's batch (null: any, behind a window). */
  largestContext: z.number().nullable(),
  /** Largest batch over the whole deployment at the context. */
  largestBatch: z.number(),
  estimate: PerGpuEstimateSchema.optional(),
});
export type PerGpuVariant = z.infer<typeof PerGpuVariantSchema>;

/** `perGpu` of the capacity answer: the figures of one GPU of the stage that binds first (analytic; the decode figure is an estimate). */
export const PerGpuAnswerSchema = z.object({
  analytic: z.literal(true),
  tp: z.number(),
  pp: z.number(),
  dp: z.number(),
  dcp: z.number(),
  dpAttention: z.boolean(),
  gpus: z.number(),
  gpuMemoryBytes: z.number(),
  /** Layers per pipeline stage, first stage first. */
  stageLayers: z.array(z.number()),
  /** The stage the per-GPU figures are of (the one that binds first). */
  stage: z.number(),
  /** Sequences each GPU serves (batch split by dp). */
  sequencesPerGpu: z.number(),
  weightsBytes: z.number(),
  freeForCacheBytes: z.number(),
  fitsAtAll: z.boolean(),
  /** The layout's rules in words: how weights, layers and sequences split. */
  rules: z.array(z.string()),
  variants: z.array(PerGpuVariantSchema),
  /** What-if variants this layout cannot place, and why. */
  skipped: z.array(z.object({ variant: z.string(), reason: z.string() })),
  /** The decode estimate: its basis and interconnect assumption, or why there is none. */
  estimate: z.object({
    label: z.literal('estimate'),
    basis: z.string().nullable(),
    interconnect: z.string(),
    /** Bytes of one all-reduce (sequences per GPU x hidden x activation bytes). */
    allReduceBytes: z.number(),
    missing: z.string().nullable(),
  }),
});
export type PerGpuAnswer = z.infer<typeof PerGpuAnswerSchema>;
