/** What the host and the engine child process say to each other. */
import { z } from 'zod';
import { SweepConfigSchema } from './config.js';
import { PointSchema } from './point.js';
import { ReportHeaderSchema, ReportSchema } from './report.js';

/** Engine -> host events, each tagged with the run. */
export const EngineEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({
    type: z.literal('progress'),
    runId: z.string(),
    done: z.number().int(),
    total: z.number().int(),
    current: z.string(),
    /** Seconds to the end: each point's expectation from the probes, corrected by the points measured so far. */
    etaSeconds: z.number().nullable(),
    /** Seconds the current point should take (in etaSeconds), so a UI can count down within it; absent: not known. */
    pointSeconds: z.number().nonnegative().nullable().optional(),
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
