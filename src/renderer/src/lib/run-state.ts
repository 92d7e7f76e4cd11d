/** The run's state and how each engine event changes it. Pure: the store wraps it in runes. */
import type { AppEvent } from '@/contract/api';
import type { Point, Report } from '@/contract/schemas';

export type Phase = 'idle' | 'starting' | 'running' | 'done' | 'cancelled' | 'failed';

export interface Progress {
  done: number;
  total: number;
  current: string;
  etaSeconds: number | null;
}

export interface RunState {
  phase: Phase;
  runId: string | null;
  points: Point[];
  progress: Progress | null;
  report: Report | null;
  /** What went wrong (engine error, crash), shown beside the points already measured. */
  error: string | null;
  cancelRequested: boolean;
}

export function initialRun(): RunState {
  return { phase: 'idle', runId: null, points: [], progress: null, report: null, error: null, cancelRequested: false };
}

export function startRun(): RunState {
  return { ...initialRun(), phase: 'starting' };
}

/**
 * The run state a finished live run would leave, for a report opened from a file or history: its
 * progress is the report's points, all done (no "waiting for the first point" under a finished report).
 */
export function runFromReport(report: Report): RunState {
  const n = report.points.length;
  return { ...initialRun(), phase: 'done', points: report.points, report, progress: { done: n, total: n, current: '', etaSeconds: 0 } };
}

/** Adds or replaces points by id, keeping arrival order. Returns a new array. */
export function upsertPoints(points: readonly Point[], incoming: readonly Point[]): Point[] {
  if (incoming.length === 0) return points as Point[];
  const index = new Map(points.map((p, i) => [p.id, i]));
  const out = points.slice();
  for (const p of incoming) {
    const i = index.get(p.id);
    if (i === undefined) {
      index.set(p.id, out.length);
      out.push(p);
    } else out[i] = p;
  }
  return out;
}

/** A run that ended in an error or a crash, keeping the partial report where one came. */
function failed(s: RunState, partial: Report | null, message: string): RunState {
  return { ...s, points: partial ? upsertPoints(s.points, partial.points) : s.points, report: partial ?? s.report, phase: 'failed', error: message };
}

/** Applies a batch of events in order. Events of another run are ignored. */
export function applyEvents(state: RunState, events: readonly AppEvent[]): RunState {
  let s = state;
  let newPoints: Point[] = [];
  const flush = (): void => {
    if (newPoints.length) s = { ...s, points: upsertPoints(s.points, newPoints) };
    newPoints = [];
  };
  for (const e of events) {
    if (e.type === 'ready' || e.type === 'timing' || e.type === 'snapshot') continue;
    if (e.type === 'engine-gone') {
      if (e.runId === null || e.runId !== s.runId || (s.phase !== 'running' && s.phase !== 'starting')) continue;
      flush();
      // The engine client rebuilt the report so far (complete: false, "engine crashed: ..."):
      // it can be saved and exported like any other.
      s = failed(s, e.partial, e.message);
      continue;
    }
    if (e.runId !== s.runId) continue;
    switch (e.type) {
      case 'progress':
        if (s.phase === 'starting') s = { ...s, phase: 'running' };
        s = { ...s, progress: { done: e.done, total: e.total, current: e.current, etaSeconds: e.etaSeconds } };
        break;
      case 'point':
      case 'point-update':
        if (s.phase === 'starting') s = { ...s, phase: 'running' };
        newPoints.push(e.point);
        break;
      case 'done': {
        flush();
        const complete = e.report.complete;
        s = {
          ...s,
          points: upsertPoints(s.points, e.report.points),
          report: e.report,
          phase: complete ? 'done' : s.cancelRequested ? 'cancelled' : 'failed',
          error: complete || s.cancelRequested ? null : (e.report.incompleteReason ?? 'the sweep stopped early'),
          progress: s.progress ? { ...s.progress, etaSeconds: 0 } : null,
        };
        break;
      }
      case 'error':
        flush();
        s = failed(s, e.partial, e.message);
        break;
    }
  }
  flush();
  return s;
}

/** Fraction done, 0..1. */
export function fractionDone(p: Progress | null): number {
  if (!p || p.total <= 0) return 0;
  return Math.min(1, Math.max(0, p.done / p.total));
}
