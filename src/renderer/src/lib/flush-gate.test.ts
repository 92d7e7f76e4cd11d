import { describe, expect, it } from 'vitest';
import type { AppEvent } from '@/contract/api';
import { point } from '@/testing/fixtures';
import { FlushGate, type GateTimers } from './flush-gate';

/** Hand-driven timers: advance(ms) runs what falls due. */
function fakeTimers(): GateTimers & { advance(ms: number): void } {
  let t = 0;
  let next = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => t,
    setTimeout: (fn, ms) => {
      due.set(++next, { at: t + ms, fn });
      return next;
    },
    clearTimeout: (h) => void due.delete(h as number),
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const first = [...due.entries()].filter(([, d]) => d.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!first) break;
        due.delete(first[0]);
        t = first[1].at;
        first[1].fn();
      }
      t = end;
    },
  };
}

const pointEvent: AppEvent = { type: 'point', runId: 'r', point: point({ variant: 'mha', context: 64 }) };
const timing = (active: boolean): AppEvent => ({ type: 'timing', runId: 'r', active });

describe("the renderer's flush gate", () => {
  it('renders a point soon when nothing is being timed', () => {
    const timers = fakeTimers();
    let flushes = 0;
    const g = new FlushGate(() => flushes++, timers);
    g.note(pointEvent);
    timers.advance(1);
    expect(flushes).toBe(1);
  });
  it('holds renders while a point is timed and renders when timing stops', () => {
    const timers = fakeTimers();
    let flushes = 0;
    const g = new FlushGate(() => flushes++, timers);
    g.note(timing(true));
    g.note(pointEvent);
    timers.advance(1000);
    expect(flushes).toBe(0);
    g.note(timing(false));
    timers.advance(1);
    expect(flushes).toBe(1);
  });
  it('a render due when timing starts waits for the end of that timing', () => {
    const timers = fakeTimers();
    let flushes = 0;
    const g = new FlushGate(() => flushes++, timers, 150);
    g.note(pointEvent);
    timers.advance(1); // first flush
    g.note(pointEvent); // due at 150 ms
    g.note(timing(true));
    timers.advance(500);
    expect(flushes).toBe(1);
    g.note(timing(false));
    timers.advance(1);
    expect(flushes).toBe(2);
  });
  it('never defers longer than maxDeferMs, and a run end renders at once', () => {
    const timers = fakeTimers();
    let flushes = 0;
    const g = new FlushGate(() => flushes++, timers, 150, 2000);
    g.note(timing(true));
    g.note(pointEvent);
    timers.advance(2001);
    expect(flushes).toBe(1);
    g.note(timing(true));
    g.note({ type: 'engine-gone', runId: 'r', message: 'crashed' } as AppEvent);
    expect(flushes).toBe(2);
    expect(g.timing).toBe(false);
  });
});
