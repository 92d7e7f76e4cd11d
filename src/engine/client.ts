/**
 * The host's side of the engine: spawns it through an injected launcher (Electron's
 * utilityProcess in main, child_process.fork in the e2e bridge and tests), waits for the ready
 * handshake with a timeout, answers queries by id, tracks the running sweep, and when the engine
 * goes away reports why and starts a fresh one on the next call.
 *
 * The running sweep's last 'snapshot' (the report header, sent after each point) and its points
 * are kept here, so a crash still yields the partial report (on 'engine-gone'). Nothing the engine
 * sends is dropped silently: a malformed event of the running sweep ends it with an 'error' event
 * (and asks the engine to cancel it), a malformed reply rejects its query, anything else is logged.
 */
import { randomUUID } from 'node:crypto';
import {
  type AppEvent,
  EngineQueryResultSchemas,
  EngineReplySchema,
  toSerializedError,
  type EngineQuery,
  type EngineQueryKind,
  type EngineQueryResults,
} from '@/contract/api.js';
import { EngineEventSchema, type SweepConfig } from '@/contract/schemas.js';
import { describeExit, EngineError, partialReport, type EngineChild, type EngineClientOptions, type ExitInfo, type RunTrack } from './engine-child.js';

export { describeExit, EngineError, type EngineChild, type EngineClientOptions, type ExitInfo } from './engine-child.js';

interface Live {
  child: EngineChild;
  ready: Promise<number>;
  /** Queries awaiting their reply, with their kind (whose schema the reply's result must match). */
  pending: Map<number, { kind: EngineQueryKind; resolve: (v: unknown) => void; reject: (e: Error) => void }>;
  failReady: (e: Error) => void;
  gone: boolean;
  /** Settles when the process has actually ended (after `gone` when the client stopped it itself). */
  exited: Promise<ExitInfo>;
}

export class EngineClient {
  #opts: Required<Omit<EngineClientOptions, 'log'>> & Pick<EngineClientOptions, 'log'>;
  #live: Live | null = null;
  #nextId = 1;
  #run: RunTrack | null = null;
  /** A run this client ended itself (malformed event): what the engine still sends of it is not forwarded. */
  #stopped: string | null = null;
  #disposed = false;
  #disposing: Promise<ExitInfo | null> | null = null;

  constructor(opts: EngineClientOptions) {
    this.#opts = { readyTimeoutMs: 30_000, shutdownGraceMs: 3_000, ...opts };
  }

  /** The run in progress, if any. */
  get runId(): string | null {
    return this.#run?.id ?? null;
  }

  get pid(): number | undefined {
    return this.#live?.child.pid;
  }

  /** Starts the engine if none is alive and resolves with its pid once it is ready. */
  ensure(): Promise<number> {
    if (this.#disposed) return Promise.reject(new EngineError('the engine client was disposed'));
    if (this.#live && !this.#live.gone) return this.#live.ready;
    const child = this.#opts.launch();
    const pending: Live['pending'] = new Map();
    let markReady: (pid: number) => void = () => undefined;
    let failReady: (e: Error) => void = () => undefined;
    const ready = new Promise<number>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // Callers that only start the engine must not see an unhandled rejection.
    ready.catch(() => undefined);
    let markExited: (info: ExitInfo) => void = () => undefined;
    const exited = new Promise<ExitInfo>((resolve) => (markExited = resolve));
    const live: Live = { child, ready, pending, failReady, gone: false, exited };
    this.#live = live;
    const timer = setTimeout(() => {
      this.#log(`[engine ${child.pid ?? '?'}] not ready after ${this.#opts.readyTimeoutMs} ms; stopping it`);
      this.#goneWith(live, { code: null, reason: 'ready-timeout' });
      child.kill();
    }, this.#opts.readyTimeoutMs);
    child.onMessage((m) =>
      this.#onMessage(live, m, (pid) => {
        clearTimeout(timer);
        markReady(pid);
      }),
    );
    child.onExit((info) => {
      clearTimeout(timer);
      markExited(info);
      this.#goneWith(live, info);
    });
    return ready;
  }

  async query<K extends EngineQueryKind>(query: Extract<EngineQuery['query'], { kind: K }>): Promise<EngineQueryResults[K]> {
    await this.ensure();
    const live = this.#live;
    if (!live || live.gone) throw new EngineError('the engine is not running');
    const id = this.#nextId++;
    const msg: EngineQuery = { type: 'query', id, query };
    return new Promise<EngineQueryResults[K]>((resolve, reject) => {
      // The reply's result was checked against EngineQueryResultSchemas[query.kind] on arrival.
      live.pending.set(id, { kind: query.kind, resolve: (v) => resolve(v as EngineQueryResults[K]), reject });
      live.child.postMessage(msg);
    });
  }

  /** Starts a sweep; resolves with its run id. Events arrive through onEvent. */
  async start(config: SweepConfig): Promise<string> {
    if (this.#run) throw new EngineError(`a sweep (${this.#run.id}) is already running; cancel it first`);
    await this.ensure();
    const runId = randomUUID();
    this.#run = { id: runId, header: null, points: new Map() };
    this.#live?.child.postMessage({ type: 'start', runId, config });
    return runId;
  }

  cancel(runId: string): void {
    if (this.#run?.id !== runId) throw new EngineError(`no sweep ${runId} is running`);
    this.#live?.child.postMessage({ type: 'cancel', runId });
  }

  /**
   * Stops the engine for good (app quit): asks it to leave ({type:'shutdown'}: it cancels its
   * sweep and exits), waits up to shutdownGraceMs for its exit, then kills it. Resolves with how it
   * ended (null when none was running, or when it had not ended even after the kill).
   */
  dispose(): Promise<ExitInfo | null> {
    this.#disposing ??= this.#shutdown();
    return this.#disposing;
  }

  async #shutdown(): Promise<ExitInfo | null> {
    this.#disposed = true;
    const live = this.#live;
    if (!live || live.gone) return null;
    const within = (ms: number): Promise<ExitInfo | null> =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), ms);
        void live.exited.then((info) => {
          clearTimeout(timer);
          resolve(info);
        });
      });
    live.child.postMessage({ type: 'shutdown' });
    const left = await within(this.#opts.shutdownGraceMs);
    if (left) return left;
    this.#log(`[engine ${live.child.pid ?? '?'}] still running ${this.#opts.shutdownGraceMs} ms after the shutdown request; killing it`);
    live.child.kill();
    return within(this.#opts.shutdownGraceMs);
  }

  #log(line: string): void {
    this.#opts.log?.(line);
  }

  #onMessage(live: Live, raw: unknown, onReady: (pid: number) => void): void {
    if (live.gone) return;
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    if (type === 'reply') {
      const reply = EngineReplySchema.safeParse(raw);
      if (!reply.success) {
        const detail = toSerializedError(reply.error).message;
        this.#log(`[engine ${live.child.pid ?? '?'}] malformed reply: ${detail}`);
        const id = (raw as { id?: unknown }).id;
        const waiter = typeof id === 'number' ? live.pending.get(id) : undefined;
        if (waiter) {
          live.pending.delete(id as number);
          waiter.reject(new EngineError(`the engine sent a malformed reply (${detail})`));
        }
        return;
      }
      const waiter = live.pending.get(reply.data.id);
      live.pending.delete(reply.data.id);
      if (!waiter) return;
      if ('error' in reply.data) {
        const err = new Error(reply.data.error.message);
        err.name = reply.data.error.name;
        waiter.reject(err);
        return;
      }
      const result = EngineQueryResultSchemas[waiter.kind].safeParse(reply.data.result);
      if (result.success) return waiter.resolve(result.data);
      const detail = toSerializedError(result.error).message;
      this.#log(`[engine ${live.child.pid ?? '?'}] malformed '${waiter.kind}' reply: ${detail}`);
      waiter.reject(new EngineError(`the engine sent a malformed '${waiter.kind}' reply (${detail})`));
      return;
    }
    const parsed = EngineEventSchema.safeParse(raw);
    if (!parsed.success) return this.#malformed(live, raw, type, toSerializedError(parsed.error).message);
    const event = parsed.data;
    if (event.type === 'ready') {
      onReady(event.pid);
      return;
    }
    if (event.runId === this.#stopped) {
      // Its end was already reported; a second one would add a second history entry.
      if (event.type === 'done' || event.type === 'error') {
        this.#stopped = null;
        this.#log(`[engine ${live.child.pid ?? '?'}] '${event.type}' of run ${event.runId}, which was already stopped here: not forwarded`);
      }
      return;
    }
    const run = this.#run?.id === event.runId ? this.#run : null;
    if (event.type === 'snapshot') {
      // Kept for a crash; the renderer has the points already.
      if (run) run.header = event.header;
      return;
    }
    if ((event.type === 'point' || event.type === 'point-update') && run) run.points.set(event.point.id, event.point);
    if ((event.type === 'done' || event.type === 'error') && run) this.#run = null;
    this.#opts.onEvent(streamedToApp(event));
  }

  /**
   * An event that fails the contract (e.g. a non-finite figure): logged always; when it belongs to
   * the running sweep (or names no run), the sweep ends here with an 'error' event carrying the
   * points received so far, and the engine is asked to cancel it so that its one-sweep slot frees.
   */
  #malformed(live: Live, raw: unknown, type: unknown, detail: string): void {
    const what = typeof type === 'string' ? `'${type.slice(0, 40)}' event` : 'message without a type';
    this.#log(`[engine ${live.child.pid ?? '?'}] malformed ${what}: ${detail}`);
    const run = this.#run;
    const runId = typeof raw === 'object' && raw !== null ? (raw as { runId?: unknown }).runId : undefined;
    if (!run || (runId !== undefined && runId !== run.id)) return;
    this.#run = null;
    this.#stopped = run.id;
    live.child.postMessage({ type: 'cancel', runId: run.id });
    const message = `The engine sent a malformed ${what} (${detail}); the sweep was stopped.`;
    this.#opts.onEvent({ type: 'error', runId: run.id, message, partial: partialReport(run, `failed: ${message}`) });
  }

  #goneWith(live: Live, info: ExitInfo): void {
    if (live.gone) return;
    live.gone = true;
    const message = describeExit(info);
    this.#log(`[engine ${live.child.pid ?? '?'}] gone: ${info.reason} code=${info.code}`);
    live.failReady(new EngineError(message, info.reason));
    for (const [, w] of live.pending) w.reject(new EngineError(message, info.reason));
    live.pending.clear();
    const run = this.#run;
    this.#run = null;
    if (this.#disposed) return;
    const partial = run ? partialReport(run, `engine crashed: ${message}`) : null;
    this.#opts.onEvent({ type: 'engine-gone', runId: run?.id ?? null, reason: info.reason, exitCode: info.code, message, partial });
  }
}

/**
 * What the app is sent of an engine event: a streamed point (or its update after another round)
 * goes without its raw samples (`timing.samplesMs: null`). This client keeps every point whole for
 * a crash's partial report, and the 'done' report carries all the samples; the renderer draws and
 * tabulates the statistics only. Sending up to 1,000 numbers per point at every round made the
 * renderer parse and collect them (its garbage collector then took the CPU the app's own frames
 * needed on two cores).
 */
export function streamedToApp(event: AppEvent): AppEvent {
  if ((event.type !== 'point' && event.type !== 'point-update') || !event.point.timing || event.point.timing.samplesMs === null) return event;
  return { ...event, point: { ...event.point, timing: { ...event.point.timing, samplesMs: null } } };
}
