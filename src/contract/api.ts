/**
 * The typed API the renderer sees (`window.kvscope`), the IPC envelope, the app events pushed to
 * the renderer, and the engine's query/reply messages (beside the sweep requests and events of
 * ./schemas.ts). Everything that crosses a process boundary has a schema here or there.
 */
import { z } from 'zod';
import { ANALYTIC_DTYPES, type AnalyticDtypeName } from './lists.js';
import {
  AttentionSpecSchema,
  MachineSchema,
  ModelSummarySchema,
  PointSchema,
  ProviderSchema,
  ReportSchema,
  SweepConfigSchema,
  type EngineEvent,
  type Report,
  type SweepConfigInput,
} from './schemas.js';

/** One execution provider as detected by opening a tiny session on it. */
export const ProviderStatusSchema = z.object({
  name: ProviderSchema,
  /** Compiled into this onnxruntime-node build. */
  compiledIn: z.boolean(),
  /** A tiny session opened and ran on it. */
  works: z.boolean(),
  /** Why it does not work, when it does not. */
  reason: z.string().optional(),
  probeMs: z.number().optional(),
});
export type ProviderStatus = z.infer<typeof ProviderStatusSchema>;

/** Answer of `system:describe`. */
export const SystemInfoSchema = z.object({
  machine: MachineSchema,
  providers: z.array(ProviderStatusSchema),
  /** What `provider: 'auto'` resolves to here. */
  autoProvider: ProviderSchema,
  /** Engine process id (the utility process in Electron, a child process in the e2e bridge). */
  enginePid: z.number().int(),
});
export type SystemInfo = z.infer<typeof SystemInfoSchema>;

/** Answer of `presets:list`. */
export const PresetInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  source: z.string(),
  attention: AttentionSpecSchema,
  numLayers: z.number().int(),
  maxContext: z.number().int().nullable(),
});
export type PresetInfo = z.infer<typeof PresetInfoSchema>;

/** A planned point: the point's identity and analytic figures, plus the fit check. */
export const PlannedPointSummarySchema = PointSchema.pick({
  id: true,
  variant: true,
  mode: true,
  context: true,
  cacheTokens: true,
  batch: true,
  dtype: true,
  kvBytesPerTokenPerLayer: true,
  modelCacheBytes: true,
  hypothetical: true,
  reason: true,
}).extend({ predictedBytes: z.number(), fits: z.boolean() });
export type PlannedPointSummary = z.infer<typeof PlannedPointSummarySchema>;

/** Answer of `sweep:plan`: what would run, before anything runs. */
export const PlanSummarySchema = z.object({
  /** `warnings`: what a config.json import only approximated (unknown model_type, Gemma-2 windows). */
  model: ModelSummarySchema.extend({ warnings: z.array(z.string()).optional() }),
  provider: ProviderSchema,
  points: z.array(PlannedPointSummarySchema),
  availableBytes: z.number(),
  budgetBytes: z.number(),
  /** How the budget was made, e.g. "80% of 22.9 GiB available" or "... free webgpu device memory". */
  budgetNote: z.string(),
  estimatedSeconds: z.number(),
  largestContextThatFits: z.record(z.string(), z.number().nullable()),
});
export type PlanSummary = z.infer<typeof PlanSummarySchema>;

/** A config.json picked through the file dialog. */
export const OpenedConfigSchema = z.object({ path: z.string(), name: z.string(), config: z.record(z.string(), z.unknown()) });
export type OpenedConfig = z.infer<typeof OpenedConfigSchema>;

/** Why the engine process went away (Electron's child-process-gone reasons, or a signal). */
export const EngineGoneReasonSchema = z.enum([
  'clean-exit',
  'abnormal-exit',
  'killed',
  'crashed',
  'oom',
  'launch-failed',
  'integrity-failure',
  'ready-timeout',
  'unknown',
]);
export type EngineGoneReason = z.infer<typeof EngineGoneReasonSchema>;

/** Engine lifecycle, pushed to the renderer beside the engine's own events. */
export const EngineLifecycleSchema = z.object({
  type: z.literal('engine-gone'),
  /** The run that was going on, if any: its points already received are still valid. */
  runId: z.string().nullable(),
  reason: EngineGoneReasonSchema,
  exitCode: z.number().int().nullable(),
  /** Human sentence for the UI. */
  message: z.string(),
  /**
   * The run's report rebuilt by the engine client from the last snapshot and the points received
   * (complete: false, incompleteReason "engine crashed: ..."); null when no run was going or no
   * point had arrived.
   */
  partial: ReportSchema.nullable(),
});
export type EngineLifecycle = z.infer<typeof EngineLifecycleSchema>;

/** Everything pushed on `engine:event` (each part validated where it is made: the engine's events by the client). */
export type AppEvent = EngineEvent | EngineLifecycle;

/** Host -> engine queries (answered by one EngineReply with the same id). */
export const EngineQuerySchema = z.object({
  type: z.literal('query'),
  id: z.number().int(),
  query: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('describe') }),
    z.object({ kind: z.literal('presets') }),
    z.object({ kind: z.literal('plan'), config: SweepConfigSchema }),
    z.object({ kind: z.literal('onnx-inspect'), path: z.string().min(1).max(4096) }),
    z.object({ kind: z.literal('onnx-sweep'), path: z.string().min(1).max(4096), pasts: z.array(z.number().int().min(0).max(1_048_576)).min(1).max(64) }),
  ]),
});
export type EngineQuery = z.infer<typeof EngineQuerySchema>;
export type EngineQueryKind = EngineQuery['query']['kind'];

/** Host -> engine: leave (cancel what runs, then exit). The host kills an engine that has not left in time. */
export const EngineShutdownSchema = z.object({ type: z.literal('shutdown') });

export const SerializedErrorSchema = z.object({ name: z.string(), message: z.string() });
export type SerializedError = z.infer<typeof SerializedErrorSchema>;

/** A reply's envelope; its result is checked against its query kind's schema (EngineQueryResultSchemas) by the client, which knows the kind. */
export const EngineReplySchema = z.union([
  z.object({ type: z.literal('reply'), id: z.number().int(), result: z.unknown() }),
  z.object({ type: z.literal('reply'), id: z.number().int(), error: SerializedErrorSchema }),
]);
export type EngineReply = { type: 'reply'; id: number; result: unknown } | { type: 'reply'; id: number; error: SerializedError };

/** Every IPC answer crosses in this envelope; the preload rethrows `error` as a real Error. */
export type Envelope<T> = { result: T } | { error: SerializedError };

export function toSerializedError(err: unknown): SerializedError {
  if (err instanceof z.ZodError) {
    const issue = err.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { name: 'ValidationError', message: `${where}${issue?.message ?? err.message}` };
  }
  if (err instanceof Error) return { name: err.name || 'Error', message: err.message };
  return { name: 'Error', message: String(err) };
}

/** A report with where it came from (file, history entry, dropped file). */
export const OpenedReportSchema = z.object({
  source: z.enum(['file', 'history', 'dropped']),
  name: z.string(),
  path: z.string().nullable(),
  report: ReportSchema,
});
export type OpenedReport = { source: 'file' | 'history' | 'dropped'; name: string; path: string | null; report: Report };

/** Whether a report's step differs from the first report's: the ratio's 95% interval lies beyond 1 +/- the noise threshold. */
export const VerdictSchema = z.enum(['faster', 'slower', 'no significant difference']);
export type Verdict = z.infer<typeof VerdictSchema>;

const Interval = z.tuple([z.number(), z.number()]);

/** A point's change against the first report: the ratio's bootstrap interval and the verdict, or why there is none. */
export const ChangeSchema = z.union([
  z.object({
    /** Ratio of the medians of the kept raw samples (a report keeps the last 1,000 per point, so this can differ from the ratio of the medians over all runs). */
    ratio: z.number(),
    ratioCi95: Interval,
    verdict: VerdictSchema,
  }),
  z.object({ ratioCi95: z.null(), verdict: z.null(), why: z.string() }),
]);
export type Change = z.infer<typeof ChangeSchema>;

/** One row of `report:compare`: a point aligned across reports, ratios to the first. */
export const ComparedRowSchema = z.object({
  key: z.string(),
  /** Median step (ms) per report, null where that report has no measured point. */
  medians: z.array(z.number().nullable()),
  /** Each median's 95% interval, null where missing (reports migrated from version 1 have none). */
  ci95: z.array(Interval.nullable()),
  /** Each report's median / the first report's (null where either is missing). */
  ratios: z.array(z.number().nullable()),
  /** Per report: the change against the first (null for the first itself and where a point is missing). */
  changes: z.array(ChangeSchema.nullable()),
  /** Cache bytes per token per layer per report (analytic). */
  kvBytes: z.array(z.number().nullable()),
});
export type ComparedRow = z.infer<typeof ComparedRowSchema>;

/** One session kept in the app's data folder. */
export const HistoryEntrySchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  model: z.string(),
  provider: z.string(),
  machine: z.string(),
  points: z.number().int(),
  complete: z.boolean(),
  /** Why an incomplete run stopped (cancelled, failed: ..., engine crashed: ...). */
  incompleteReason: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const ExportFormatSchema = z.enum(['csv', 'html', 'png']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/=]+$/;
export const ExportRequestSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal('csv'), report: ReportSchema }),
  z.object({ format: z.literal('html'), reports: z.array(ReportSchema).min(1).max(16), title: z.string().max(300).optional() }),
  z.object({
    format: z.literal('png'),
    report: ReportSchema,
    chartId: z.string().regex(/^[a-z0-9-]{1,40}$/),
    dataUrl: z
      .string()
      .max(32 * 2 ** 20)
      .regex(PNG_DATA_URL),
  }),
]);
export type ExportRequest = z.input<typeof ExportRequestSchema>;

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
});
export type CapacityRequest = z.infer<typeof CapacityRequestSchema>;

export const VariantCapacityInfoSchema = z.object({
  variant: z.string(),
  /** The attention dims the row is computed for, e.g. "32 heads x 128, 8 K/V heads", "MLA d_c 512 + d_R 64". */
  shape: z.string(),
  isModel: z.boolean(),
  kvBytesPerToken: z.number(),
  cacheBytesAtContext: z.number(),
  largestContext: z.number().nullable(),
  largestBatch: z.number(),
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
  freeForCacheBytes: z.number(),
  fitsAtAll: z.boolean(),
  variants: z.array(VariantCapacityInfoSchema),
  /** The report the measured figures come from (the app: newest history entry of the same model; the CLI: --report). */
  measuredFrom: z.object({ id: z.string(), createdAt: z.string(), provider: z.string() }).nullable(),
  /** What that report is where it is not exactly this model (same dims, another name or layer count); null otherwise. */
  reportNote: z.string().nullable(),
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
      ci95Ms: Interval,
      noise: z.array(z.string()),
      p95Ms: z.number(),
      analyticPresentBytes: z.number(),
      measuredPresentBytes: z.number(),
      rssDeltaBytes: z.number(),
    }),
  ),
});
export type OnnxSweepResult = z.infer<typeof OnnxSweepResultSchema>;

/** The result schema of each query kind: the client checks every reply against its query's. */
export const EngineQueryResultSchemas = {
  describe: SystemInfoSchema,
  presets: z.array(PresetInfoSchema),
  plan: PlanSummarySchema,
  'onnx-inspect': OnnxLayoutSchema,
  'onnx-sweep': OnnxSweepResultSchema,
} satisfies { [K in EngineQueryKind]: z.ZodType };
export type EngineQueryResults = { [K in EngineQueryKind]: z.output<(typeof EngineQueryResultSchemas)[K]> };

/** The one object the preload exposes as `window.kvscope`. */
export interface KvscopeApi {
  system: {
    describe(): Promise<SystemInfo>;
  };
  presets: {
    list(): Promise<PresetInfo[]>;
  };
  sweep: {
    plan(config: SweepConfigInput): Promise<PlanSummary>;
    /** Resolves with the run id once the engine accepted the sweep. */
    start(config: SweepConfigInput): Promise<string>;
    cancel(runId: string): Promise<void>;
  };
  files: {
    /** Null when the user closed the dialog. */
    openConfig(): Promise<OpenedConfig | null>;
    /** The path of a dropped file (Electron's webUtils); null in a plain browser. */
    pathOf(file: File): string | null;
  };
  reports: {
    /** Save dialog, JSON; the path written, null when the dialog was closed. */
    save(report: Report): Promise<string | null>;
    export(request: ExportRequest): Promise<string | null>;
    /** Open dialog; null when closed. Errors carry parseReport's message. */
    open(): Promise<OpenedReport | null>;
    /** Validates the text of a dropped file. */
    parse(name: string, text: string): Promise<OpenedReport>;
    /** Points aligned by variant, mode, dtype, batch and context; ratios to the first report. */
    compare(reports: Report[]): Promise<ComparedRow[]>;
  };
  history: {
    list(): Promise<HistoryEntry[]>;
    open(id: string): Promise<OpenedReport>;
    /** Deletes the entry's file from the data folder. */
    delete(id: string): Promise<void>;
  };
  planner: {
    capacity(request: CapacityRequest): Promise<CapacityAnswer>;
    /** Capacity of an imported ONNX decoder from its layout. */
    onnx(request: OnnxCapacityRequest): Promise<OnnxCapacityAnswer>;
  };
  onnx: {
    /** Reads the KV layout of an ONNX decoder; path null = open dialog (null answer when closed). */
    inspect(path: string | null): Promise<OnnxLayout | null>;
    sweep(path: string, pasts: number[]): Promise<OnnxSweepResult>;
  };
  /** Subscribes to engine events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
}
