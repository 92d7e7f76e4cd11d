/**
 * A live run's end, spread over several short main-thread tasks. The 'done' event brings the whole
 * report, and rendering everything it changes in one flush (the last points, the answer, the
 * notes, the table with the final figures, the history) made the one task over 50 ms the e2e
 * frame budget kept catching on two cores. So the store applies the events before the end in one
 * task, the end itself in the next, and then reveals what only the end adds, one stage per task:
 * the answer, the notes with the probes' figures, and last the history refresh.
 * Pure: the scheduler is injected (tests drive it by hand).
 */
import type { AppEvent } from '@/contract/api';

/** Events that end a run (flush-gate.ts renders them at once). */
export const TERMINAL_EVENTS: ReadonlySet<AppEvent['type']> = new Set(['done', 'error', 'engine-gone']);

/**
 * Splits a batch at its first terminal event, when events come before it: those are applied now
 * and the rest (the end and anything after) in a later task. Null where nothing needs splitting.
 */
export function splitAtEnd(events: readonly AppEvent[]): { now: AppEvent[]; later: AppEvent[] } | null {
  const cut = events.findIndex((e) => TERMINAL_EVENTS.has(e.type));
  if (cut <= 0) return null;
  return { now: events.slice(0, cut), later: events.slice(cut) };
}

/** What a finished run shows, by stage: the answer from 1, the end's notes from 2; the history is refreshed at ALL. */
export const REVEAL = { none: 0, answer: 1, notes: 2, all: 3 } as const;

/**
 * Steps `set` from REVEAL.none to REVEAL.all, one stage per task (`next` schedules a task), and
 * calls `last` with the final stage. `finish()` jumps to the end at once (a new run starts, a
 * report is opened): `last` still runs exactly once, so the history is never left stale.
 */
export function revealInStages(set: (stage: number) => void, next: (fn: () => void) => void, last: () => void): { finish(): void } {
  let live = true;
  const step = (stage: number): void => {
    if (!live) return;
    set(stage);
    if (stage < REVEAL.all) next(() => step(stage + 1));
    else {
      live = false;
      last();
    }
  };
  set(REVEAL.none);
  next(() => step(REVEAL.answer));
  return { finish: () => step(REVEAL.all) };
}
