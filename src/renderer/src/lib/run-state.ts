/** The run's state and how each engine event changes it. Pure: the store wraps it in runes. */
import type { AppEvent } from '@/contract/api';
import type { Point, Report } from '@/contract/schemas';

export type Phase = 'idle' | 'starting' | 'running' | 'done' | 'cancelled' | 'failed';

export interface Progress {
  done: number;
  total: number;
  current: string;
  etaSeconds: number | null;
  /** Seconds the current point should take (part of etaSeconds); null: not known. */
  pointSeconds: number | null;
  /** When the event arrived (ms, the store's clock): the card counts down from there. */
  at: number;
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
  /** Points the sweep planned (the first progress event's total): a run that ends says its points against it. */
  planned: number | null;
}

export function initialRun(): RunState {
  return { phase: 'idle', runId: null, points: [], progress: null, report: null, error: null, cancelRequested: false, planned: null };
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
  return { ...initialRun(), phase: 'done', points: report.points, report, planned: n, progress: ended(n, n) };
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
  const points = partial ? upsertPoints(s.points, partial.points) : s.points;
  return {
    ...s,
    points,
    report: partial ?? s.report,
    phase: 'failed',
    error: message,
    progress: s.progress ? ended(points.length, s.planned ?? points.length) : null,
  };
}

/** A run's progress once it ended: the points it has, of those planned. */
const ended = (done: number, total: number): Progress => ({ done, total: Math.max(done, total), current: '', etaSeconds: 0, pointSeconds: null, at: 0 });

/**
 * Applies a batch of events in order. Events of another run are ignored. `arrived` says when an
 * event reached the store (events are batched before they are applied).
 */
export function applyEvents(state: RunState, events: readonly AppEvent[], arrived: (e: AppEvent) => number = () => 0): RunState {
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
        s = {
          ...s,
          planned: s.planned ?? e.total,
          progress: { done: e.done, total: e.total, current: e.current, etaSeconds: e.etaSeconds, pointSeconds: e.pointSeconds ?? null, at: arrived(e) },
        };
        break;
      case 'point':
      case 'point-update':
        if (s.phase === 'starting') s = { ...s, phase: 'running' };
        newPoints.push(e.point);
        break;
      case 'done': {
        flush();
        const complete = e.report.complete;
        const points = upsertPoints(s.points, e.report.points);
        s = {
          ...s,
          points,
          report: e.report,
          phase: complete ? 'done' : s.cancelRequested ? 'cancelled' : 'failed',
          error: complete || s.cancelRequested ? null : (e.report.incompleteReason ?? 'the sweep stopped early'),
          // the points it has of those planned: a point finished after the last progress event counts
          progress: ended(points.length, s.planned ?? points.length),
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

/**
 * The ETA `nowMs` after its progress event arrived: it counts down within the current point;
 * once the point runs past what it should take, `over` says so and the ETA is the rest after it
 * (never a figure frozen at "3 s" for a point that takes 12).
 */
export function etaNow(p: Progress | null, nowMs: number): { seconds: number | null; over: boolean } {
  if (!p || p.etaSeconds === null) return { seconds: null, over: false };
  const elapsed = Math.max(0, (nowMs - p.at) / 1000);
  const own = p.pointSeconds ?? p.etaSeconds;
  if (elapsed > own) return { seconds: Math.max(0, p.etaSeconds - own), over: true };
  return { seconds: Math.max(0, p.etaSeconds - elapsed), over: false };
}
