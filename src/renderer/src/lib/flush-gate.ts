/**
 * When the app may render engine events: at most once per `intervalMs`, and never while the engine
 * says a point is being timed (its 'timing' events), so chart redraws and table re-sorts fall
 * between points instead of competing with the measurement for the CPU. A run's end (done, error,
 * engine gone) renders at once; a deferral lasts `maxDeferMs` at most so the screen never freezes.
 * Pure: timers and the clock are injected (tests drive them by hand).
 */
import type { AppEvent } from '@/contract/api';
import { TERMINAL_EVENTS } from './end-stages';

export interface GateTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export class FlushGate {
  #timingActive = false;
  #pending = false;
  #lastFlush = -Infinity;
  #timer: unknown = null;
  #deferTimer: unknown = null;

  constructor(
    private readonly flush: () => void,
    private readonly timers: GateTimers,
    private readonly intervalMs = 150,
    private readonly maxDeferMs = 2000,
  ) {}

  /** Whether the engine is timing a point now (the last 'timing' event said so). */
  get timing(): boolean {
    return this.#timingActive;
  }

  /** Called for every event after it is queued; decides when the queue is rendered. */
  note(e: AppEvent): void {
    if (e.type === 'timing') {
      this.#timingActive = e.active;
      if (!e.active && this.#pending && this.#deferTimer !== null) this.#release(false);
      return;
    }
    if (TERMINAL_EVENTS.has(e.type)) {
      this.#timingActive = false;
      this.#clear();
      this.#pending = false;
      this.#fire();
      return;
    }
    if (this.#pending) return;
    this.#pending = true;
    if (this.#timingActive) this.#defer();
    else this.#schedule();
  }

  /** Holds the render until timing stops, or maxDeferMs at most. */
  #defer(): void {
    this.#deferTimer = this.timers.setTimeout(() => this.#release(true), this.maxDeferMs);
  }

  /** Ends a deferral: timing stopped, or (overdue) it lasted maxDeferMs and the render goes ahead anyway. */
  #release(overdue: boolean): void {
    if (this.#deferTimer !== null) this.timers.clearTimeout(this.#deferTimer);
    this.#deferTimer = null;
    this.#schedule(overdue);
  }

  #schedule(overdue = false): void {
    const wait = Math.max(0, this.#lastFlush + this.intervalMs - this.timers.now());
    this.#timer = this.timers.setTimeout(() => {
      this.#timer = null;
      // a point's timing began while this waited: hold the render until it ends (bounded)
      if (this.#timingActive && !overdue) {
        this.#defer();
        return;
      }
      this.#pending = false;
      this.#fire();
    }, wait);
  }

  #fire(): void {
    this.#lastFlush = this.timers.now();
    this.flush();
  }

  #clear(): void {
    if (this.#timer !== null) this.timers.clearTimeout(this.#timer);
    if (this.#deferTimer !== null) this.timers.clearTimeout(this.#deferTimer);
    this.#timer = null;
    this.#deferTimer = null;
  }
}
