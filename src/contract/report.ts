/** The report a sweep writes (version REPORT_SCHEMA_VERSION): the machine, probes, model and points. */
import { z } from 'zod';
import { AttentionSpecSchema, ProviderSchema, SweepConfigSchema } from './config.js';
import { LayerKindSchema } from './layers-schema.js';
import { LoadSchema, PointSchema } from './point.js';

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
  /** The one window every layer has (Mistral v0.1), else null: per-layer windows are in layerKinds. */
  slidingWindow: z.number().int().nullable(),
  /** What each layer caches (global, sliding W, chunked C, stateful); absent in reports written before layer kinds: every layer global, or behind slidingWindow (layersOf). */
  layerKinds: z.array(LayerKindSchema).optional(),
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
  /**
   * Layers measured in each graph and the model's count the figures are scaled to. measuredLayers:
   * the layers every graph held; null where the planner chose different counts per point (each point's layers).
   */
  scaling: z.object({ measuredLayers: z.number().int().nullable(), modelLayers: z.number().int(), note: z.string() }),
  probes: ProbesSchema.nullable(),
  /**
   * A reference read (the same small bandwidth probe) before each pass over the points: pass 1
   * takes every point's first round, later passes one more round of the points not settled. Its
   * spread says how far the machine's speed moved while the sweep ran (absent: not taken).
   */
  passes: z.array(z.object({ pass: z.number().int().positive(), referenceGBs: z.number().positive() })).optional(),
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
