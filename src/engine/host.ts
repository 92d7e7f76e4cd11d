/**
 * The engine's message loop, independent of how messages travel (Electron utility process or a
 * Node child process): sweep requests in, engine events out, one AbortController per run, plus
 * the queries the UI needs (describe, presets, plan, ONNX inspect and sweep, report comparison)
 * answered by id.
 */
import {
  EngineQuerySchema,
  toSerializedError,
  type ComparedRow,
  type EngineQueryResults,
  type EngineReply,
  type OnnxLayout,
  type OnnxSweepResult,
  type PlanSummary,
  type PresetInfo,
  type SystemInfo,
} from '@/contract/api.js';
import { EngineRequestSchema, type EngineEvent, type Report, type ReportHeader, type SweepConfig } from '@/contract/schemas.js';

/** The runner's signature (src/core/measure/runner.ts), injected so the loop is testable. */
export type RunSweep = (
  config: SweepConfig,
  opts: { runId: string; signal?: AbortSignal; onEvent: (e: EngineEvent) => void; workDir?: string; onSnapshot?: (partial: Report) => void },
) => Promise<Report>;

/** A report without its points (the 'snapshot' event's header). */
export function reportHeader(report: Report): ReportHeader {
  const { points: _points, ...header } = report;
  return header;
}

export interface EngineDeps {
  runSweep: RunSweep;
  describe(): Promise<SystemInfo>;
  presets(): PresetInfo[] | Promise<PresetInfo[]>;
  plan(config: SweepConfig): Promise<PlanSummary>;
  onnxInspect?(path: string): Promise<OnnxLayout>;
  onnxSweep?(path: string, pasts: number[]): Promise<OnnxSweepResult>;
  compare?(reports: Report[]): ComparedRow[];
  workDir?: string;
}

export type Outgoing = EngineEvent | EngineReply;

export interface EngineHost {
  /** Handles one incoming message (any shape: it is validated here). */
  handle(raw: unknown): void;
  /** Run ids in progress. */
  active(): string[];
  /** Resolves when every run in progress has settled (for tests and shutdown). */
  idle(): Promise<void>;
  /** Cancels every run (and every start waiting for the slot), then resolves once all have settled. */
  stop(): Promise<void>;
}

export function createEngineHost(deps: EngineDeps, post: (m: Outgoing) => void): EngineHost {
  const runs = new Map<string, { controller: AbortController; settled: Promise<void> }>();
  /** Starts waiting for a cancelled sweep to wind down (its current point ends first). */
  const waiting = new Set<string>();
  // A comparison (up to about a second of bootstraps on this one thread) waits while a sweep's
  // round is being timed, so its work never lands inside a timed window: it runs between rounds.
  let timing = false;
  const deferred: (() => void)[] = [];
  const setTiming = (active: boolean): void => {
    timing = active;
    if (!active) for (const fn of deferred.splice(0)) fn();
  };
  const whenUntimed = (fn: () => void): void => {
    if (timing) deferred.push(fn);
    else fn();
  };

  function start(runId: string, config: SweepConfig): void {
    if (runs.has(runId) || waiting.has(runId)) {
      post({ type: 'error', runId, message: `run ${runId} is already in progress`, partial: null });
      return;
    }
    // onnxruntime sessions are heavy and measurements interfere: one sweep at a time.
    const busy = [...runs.entries()][0];
    if (busy !== undefined) {
      const [busyId, { controller, settled }] = busy;
      // A cancelled sweep (by the user, or by the host after a malformed event) no longer holds
      // the slot: the new one starts as soon as it has wound down.
      if (controller.signal.aborted && waiting.size === 0) {
        waiting.add(runId);
        void settled.then(() => {
          if (waiting.delete(runId)) start(runId, config);
        });
        return;
      }
      post({ type: 'error', runId, message: `another sweep (${busyId}) is running; cancel it or wait for it to finish`, partial: null });
      return;
    }
    const controller = new AbortController();
    let errored = false;
    const settled = (async (): Promise<void> => {
      try {
        const report = await deps.runSweep(config, {
          runId,
          signal: controller.signal,
          workDir: deps.workDir,
          // The header only: the points went out one by one as 'point' events.
          onSnapshot: (partial) => post({ type: 'snapshot', runId, header: reportHeader(partial) }),
          // Tag events with this run whatever the runner emits, and never let it post 'done'
          // twice: the resolved report is the one 'done'.
          onEvent: (e) => {
            if (e.type === 'ready' || e.type === 'done') return;
            if (e.type === 'error') errored = true;
            if (e.type === 'timing') setTiming(e.active);
            post({ ...e, runId });
          },
        });
        // A runner that reported an error has already sent its partial report with it.
        if (!errored) post({ type: 'done', runId, report });
      } catch (err) {
        post({ type: 'error', runId, message: toSerializedError(err).message, partial: null });
      } finally {
        runs.delete(runId);
        setTiming(false);
      }
    })();
    runs.set(runId, { controller, settled });
  }

  async function answer(id: number, work: () => unknown): Promise<void> {
    try {
      post({ type: 'reply', id, result: await work() });
    } catch (err) {
      post({ type: 'reply', id, error: toSerializedError(err) });
    }
  }

  function handle(raw: unknown): void {
    const kind = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    if (kind === 'query') {
      const parsed = EngineQuerySchema.safeParse(raw);
      const id = typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : -1;
      if (!parsed.success) {
        void answer(id, () => {
          throw parsed.error;
        });
        return;
      }
      const q = parsed.data.query;
      const work = (): Promise<EngineQueryResults[typeof q.kind]> | EngineQueryResults[typeof q.kind] => {
        switch (q.kind) {
          case 'describe':
            return deps.describe();
          case 'presets':
            return deps.presets();
          case 'plan':
            return deps.plan(q.config);
          case 'onnx-inspect':
            if (!deps.onnxInspect) throw new Error('this engine cannot read ONNX models');
            return deps.onnxInspect(q.path);
          case 'onnx-sweep':
            if (!deps.onnxSweep) throw new Error('this engine cannot sweep ONNX models');
            return deps.onnxSweep(q.path, q.pasts);
          case 'compare':
            if (!deps.compare) throw new Error('this engine cannot compare reports');
            return deps.compare(q.reports);
        }
      };
      if (q.kind === 'compare') whenUntimed(() => void answer(parsed.data.id, work));
      else void answer(parsed.data.id, work);
      return;
    }
    const parsed = EngineRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const runId = typeof (raw as { runId?: unknown } | null)?.runId === 'string' ? (raw as { runId: string }).runId : '';
      post({ type: 'error', runId, message: toSerializedError(parsed.error).message, partial: null });
      return;
    }
    const req = parsed.data;
    if (req.type === 'start') start(req.runId, req.config);
    else if (waiting.delete(req.runId)) post({ type: 'error', runId: req.runId, message: 'cancelled before it started', partial: null });
    else runs.get(req.runId)?.controller.abort(new Error('cancelled by the user'));
  }

  const idle = async (): Promise<void> => {
    while (runs.size > 0) await Promise.all([...runs.values()].map((r) => r.settled));
  };
  return {
    handle,
    active: () => [...runs.keys(), ...waiting],
    idle,
    stop: async () => {
      for (const runId of waiting) post({ type: 'error', runId, message: 'the engine is shutting down', partial: null });
      waiting.clear();
      for (const { controller } of runs.values()) controller.abort(new Error('the engine is shutting down'));
      await idle();
    },
  };
}
