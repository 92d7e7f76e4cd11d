/**
 * What the host's engine client deals in, beside the client itself: a launched engine process
 * and how it ended (with a sentence for the UI), the client's options and errors, and the sweep
 * in progress as far as the engine has told, which yields the partial report of a crash.
 */
import type { AppEvent, EngineGoneReason } from '@/contract/api.js';
import type { Point, Report, ReportHeader } from '@/contract/schemas.js';

/** How an engine process ended: the exit code where there is one, and why (a crash's reason, or a clean or abnormal exit). */
export interface ExitInfo {
  code: number | null;
  reason: EngineGoneReason;
}

/** A started engine process, whatever launched it. */
export interface EngineChild {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once, when the process has ended, with why (attributed to this instance by its launcher). */
  onExit(listener: (info: ExitInfo) => void): void;
  /** Ends the process now, without asking. */
  kill(): void;
}

export interface EngineClientOptions {
  launch: () => EngineChild;
  /** Every engine event and lifecycle change, for the renderer. */
  onEvent: (event: AppEvent) => void;
  /** How long to wait for {type:'ready'} (onnxruntime's load is slow on a cold disk). */
  readyTimeoutMs?: number;
  /** How long dispose waits for the engine to leave after asking it to, before it kills it. */
  shutdownGraceMs?: number;
  log?: (line: string) => void;
}

export class EngineError extends Error {
  constructor(
    message: string,
    readonly reason?: EngineGoneReason,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** The sweep in progress, as far as the engine has told. */
export interface RunTrack {
  id: string;
  /** The last snapshot's report header; null before the first point. */
  header: ReportHeader | null;
  /** Points by id, in arrival order. */
  points: Map<string, Point>;
}

/** The report so far of a run (complete: false), or null when there is nothing to keep. */
export function partialReport(run: RunTrack, reason: string): Report | null {
  if (!run.header || run.points.size === 0) return null;
  return { ...run.header, complete: false, incompleteReason: reason, points: [...run.points.values()] };
}

/** A sentence for the UI from an exit reason. */
export function describeExit(info: ExitInfo): string {
  const code = info.code === null ? '' : ` (exit code ${info.code})`;
  switch (info.reason) {
    case 'oom':
      return `The engine ran out of memory and was stopped${code}. Try shorter contexts, a smaller batch or fewer layers.`;
    case 'crashed':
      return `The engine crashed${code}, probably in native code (onnxruntime).`;
    case 'killed':
      return `The engine was killed${code}.`;
    case 'launch-failed':
      return `The engine could not be started${code}.`;
    case 'ready-timeout':
      return 'The engine did not become ready in time and was stopped.';
    case 'clean-exit':
      return `The engine exited${code}.`;
    default:
      return `The engine stopped unexpectedly${code}.`;
  }
}
