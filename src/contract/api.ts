/**
 * The typed API the renderer sees (`window.kvscope`), the IPC envelope, the app events pushed to
 * the renderer, and the engine's query/reply messages (beside the sweep requests and events of
 * ./schemas.ts). Everything that crosses a process boundary has a schema here or there.
 */
import { z } from 'zod';
import {
  AttentionSpecSchema,
  DtypeSchema,
  EngineEventSchema,
  MachineSchema,
  ModeSchema,
  ModelSummarySchema,
  ProviderSchema,
  SweepConfigSchema,
  VariantSchema,
  type EngineEvent,
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

export const PlannedPointSummarySchema = z.object({
  id: z.string(),
  variant: VariantSchema,
  mode: ModeSchema,
  context: z.number().int(),
  cacheTokens: z.number().int(),
  batch: z.number().int(),
  dtype: DtypeSchema,
  kvBytesPerTokenPerLayer: z.number(),
  modelCacheBytes: z.number(),
  predictedBytes: z.number(),
  fits: z.boolean(),
  hypothetical: z.boolean(),
  reason: z.string().optional(),
});
export type PlannedPointSummary = z.infer<typeof PlannedPointSummarySchema>;

/** Answer of `sweep:plan`: what would run, before anything runs. */
export const PlanSummarySchema = z.object({
  model: ModelSummarySchema,
  provider: ProviderSchema,
  points: z.array(PlannedPointSummarySchema),
  availableBytes: z.number(),
  budgetBytes: z.number(),
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
  ]),
});
export type EngineQuery = z.infer<typeof EngineQuerySchema>;
export type EngineQueryKind = EngineQuery['query']['kind'];

/** The result type of each query kind. */
export interface EngineQueryResults {
  describe: SystemInfo;
  presets: PresetInfo[];
  plan: PlanSummary;
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

/** Argument schemas of the invoke channels (validated in main and in the e2e bridge). */
export const ArgSchemas = {
  sweepPlan: SweepConfigSchema,
  sweepStart: SweepConfigSchema,
  sweepCancel: z.string().min(1).max(100),
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
  };
  /** Subscribes to engine events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
}
