/**
 * The typed API the renderer sees (`window.kvscope`), the IPC envelope, the app events pushed to
 * the renderer, and the engine's query/reply messages (beside the sweep requests and events of
 * ./schemas.ts). Everything that crosses a process boundary has a schema here or there.
 */
import { z } from 'zod';
import {
  OnnxLayoutSchema,
  OnnxSweepResultSchema,
  type CapacityAnswer,
  type CapacityRequest,
  type OnnxCapacityAnswer,
  type OnnxCapacityRequest,
  type OnnxSweepResult,
  type OpenedOnnx,
} from './planner-api.js';
import { ComparedRowSchema, type ComparedRow, type ExportRequest, type HistoryEntry, type OpenedReport } from './reports-api.js';
import type { MenuCommand } from './routes.js';
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

export * from './planner-api.js';
export * from './reports-api.js';

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
  /** Published parameter counts (the planner's first screen picks a preset whose weights fit); absent from older engines. */
  params: z.object({ total: z.number(), active: z.number() }).optional(),
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
  form: true,
  prefillBlock: true,
  layers: true,
  layersNote: true,
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
  /** How the layers per graph are set, in words (a fixed count, or what "auto" chose and why); absent from older engines. */
  layersNote: z.string().optional(),
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
    // Comparing is linear but its bootstraps take up to about a second: off Electron's main thread.
    z.object({ kind: z.literal('compare'), reports: z.array(ReportSchema).min(2).max(16) }),
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

/** The result schema of each query kind: the client checks every reply against its query's. */
export const EngineQueryResultSchemas = {
  describe: SystemInfoSchema,
  presets: z.array(PresetInfoSchema),
  plan: PlanSummarySchema,
  'onnx-inspect': OnnxLayoutSchema,
  'onnx-sweep': OnnxSweepResultSchema,
  compare: z.array(ComparedRowSchema),
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
    /** Reads the KV layout of an ONNX decoder by token; null = main's open dialog (null answer when closed). */
    inspect(token: string | null): Promise<OpenedOnnx | null>;
    sweep(token: string, pasts: number[]): Promise<OnnxSweepResult>;
    /** A dropped .onnx's token (main checks the file); null where the window cannot see its path. */
    drop(file: File): Promise<string | null>;
  };
  /** Subscribes to engine events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** Subscribes to the application menu's commands (none where there is no menu: the e2e bridge); returns the unsubscribe function. */
  onMenu(listener: (command: MenuCommand) => void): () => void;
}
