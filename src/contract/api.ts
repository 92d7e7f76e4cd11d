/**
 * The typed API the renderer sees (`window.kvscope`), the IPC envelope, the app events pushed to
 * the renderer, and the engine's query/reply messages (beside the sweep requests and events of
 * ./schemas.ts). Everything that crosses a process boundary has a schema here or there.
 */
import { z } from 'zod';
import { ANALYTIC_DTYPES, type AnalyticDtypeName } from './lists.js';
import {
  AttentionSpecSchema,
  EngineEventSchema,
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

export { CHANNELS, type Channel } from './channels.js';

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

/** Everything pushed on `engine:event`. */
export const AppEventSchema = z.union([EngineEventSchema, EngineLifecycleSchema]);
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

/** The result type of each query kind. */
export interface EngineQueryResults {
  describe: SystemInfo;
  presets: PresetInfo[];
  plan: PlanSummary;
  'onnx-inspect': OnnxLayout;
  'onnx-sweep': OnnxSweepResult;
}

export const SerializedErrorSchema = z.object({ name: z.string(), message: z.string() });
export type SerializedError = z.infer<typeof SerializedErrorSchema>;

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
export type Verdict = 'faster' | 'slower' | 'no significant difference';

/** A point's change against the first report: the ratio's bootstrap interval and the verdict, or why there is none. */
export type Change =
  | {
      /** Ratio of the medians of the kept raw samples (a report keeps the last 1,000 per point, so this can differ from the ratio of the medians over all runs). */
      ratio: number;
      ratioCi95: [number, number];
      verdict: Verdict;
    }
  | { ratioCi95: null; verdict: null; why: string };

/** One row of `report:compare`: a point aligned across reports, ratios to the first. */
export interface ComparedRow {
  key: string;
  /** Median step (ms) per report, null where that report has no measured point. */
  medians: (number | null)[];
  /** Each median's 95% interval, null where missing (reports migrated from version 1 have none). */
  ci95: ([number, number] | null)[];
  /** Each report's median / the first report's (null where either is missing). */
  ratios: (number | null)[];
  /** Per report: the change against the first (null for the first itself and where a point is missing). */
  changes: (Change | null)[];
  /** Cache bytes per token per layer per report (analytic). */
  kvBytes: (number | null)[];
}

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

export interface VariantCapacityInfo {
  variant: string;
  /** The attention dims the row is computed for, e.g. "32 heads x 128, 8 K/V heads", "MLA d_c 512 + d_R 64". */
  shape: string;
  isModel: boolean;
  kvBytesPerToken: number;
  cacheBytesAtContext: number;
  largestContext: number | null;
  largestBatch: number;
  vsMha: number;
  measured?: { perLayerMs: number; modelMs: number; measuredDeltaBytes: number | null; context: number };
  estimate?: { tokensPerSecond: number; weightsMs: number; attentionMs: number; basis: string };
}

/** Answer of `planner:capacity` and `kvscope plan --json` (analytic, with measured figures where a report of the model exists): src/core/plan/capacity.ts capacityAnswer. */
export interface CapacityAnswer {
  model: {
    name: string;
    modelType: string;
    attention: z.infer<typeof AttentionSpecSchema>;
    numLayers: number;
    hiddenSize: number;
    maxContext: number | null;
    slidingWindow: number | null;
    derivedFrom: Record<string, string>;
    /** What a config.json import only approximated. */
    warnings?: string[];
  };
  params: { total: number; active: number; source: string };
  memoryBytes: number;
  memorySource: 'detected' | 'entered';
  /** The request's context and batch. */
  context: number;
  batch: number;
  /** The model's own variant at the top (model.attention; its row in variants): for scripts reading `kvscope plan --json`. */
  spec: z.infer<typeof AttentionSpecSchema>;
  kvBytesPerToken: number;
  cacheBytesAtContext: number;
  largestContext: number | null;
  largestBatch: number;
  analytic: true;
  weightsBytes: number;
  activeWeightBytes: number;
  /** Where the parameter count comes from ("published", "estimated from config.json", ...). */
  paramsSource: string;
  cacheTokens: number;
  freeForCacheBytes: number;
  fitsAtAll: boolean;
  variants: VariantCapacityInfo[];
  /** The report the measured figures come from (the app: newest history entry of the same model; the CLI: --report). */
  measuredFrom: { id: string; createdAt: string; provider: string } | null;
  /** What that report is where it is not exactly this model (same dims, another name or layer count); null otherwise. */
  reportNote: string | null;
}

/** Answer of `onnx:inspect`. */
export interface OnnxLayout {
  path: string;
  name: string;
  layers: number;
  numKvHeads: number;
  headDim: number;
  dtype: string;
  kvBytesPerToken: number;
  otherInputs: string[];
  /** Parameters (elements of all initializers) and their bytes as stored in the file. */
  params: number;
  weightBytes: number;
}

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
export interface OnnxCapacityAnswer {
  analytic: true;
  weightsBytes: number;
  kvBytesPerToken: number;
  cacheBytesAtContext: number;
  freeForCacheBytes: number;
  largestContext: number;
  largestBatch: number;
  memoryBytes: number;
  memorySource: 'detected' | 'entered';
}
export interface OnnxSweepResult {
  layout: OnnxLayout;
  points: {
    past: number;
    medianMs: number;
    /** 95% interval of the median, and why the timing is noisy (empty when it is not). */
    ci95Ms: [number, number];
    noise: string[];
    p95Ms: number;
    analyticPresentBytes: number;
    measuredPresentBytes: number;
    rssDeltaBytes: number;
  }[];
}

/** Argument schemas of the invoke channels (validated in main and in the e2e bridge). */
export const ArgSchemas = {
  sweepPlan: SweepConfigSchema,
  sweepStart: SweepConfigSchema,
  sweepCancel: z.string().min(1).max(100),
  reportSave: ReportSchema,
  reportExport: ExportRequestSchema,
  reportParse: z.object({ name: z.string().max(300), text: z.string() }),
  reportCompare: z.array(ReportSchema).min(2).max(16),
  historyOpen: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/),
  historyDelete: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/),
  plannerCapacity: CapacityRequestSchema,
  plannerOnnx: OnnxCapacityRequestSchema,
  onnxInspect: z.string().min(1).max(4096).nullable(),
  onnxSweep: z.object({ path: z.string().min(1).max(4096), pasts: z.array(z.number().int().min(0).max(1_048_576)).min(1).max(64) }),
} as const;

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
