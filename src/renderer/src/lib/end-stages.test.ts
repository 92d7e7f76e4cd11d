import { describe, expect, it } from 'vitest';
import type { AppEvent } from '@/contract/api';
import { point } from '@/testing/fixtures';
import { REVEAL, revealInStages, splitAtEnd } from './end-stages';

const pt = (context: number): AppEvent => ({ type: 'point', runId: 'r', point: point({ variant: 'mha', context }) });
const progress: AppEvent = { type: 'progress', runId: 'r', done: 2, total: 2, current: 'mha@64', etaSeconds: null };

describe("a run's end, spread over tasks", () => {
  it('applies the points before the end first, and the end (with what follows) later', () => {
    const done = { type: 'done', runId: 'r' } as unknown as AppEvent;
    const split = splitAtEnd([pt(64), progress, done, progress]);
    expect(split?.now.map((e) => e.type)).toEqual(['point', 'progress']);
    expect(split?.later.map((e) => e.type)).toEqual(['done', 'progress']);
  });

  it('leaves a batch alone when it starts with the end or has none', () => {
    const gone: AppEvent = { type: 'engine-gone', message: 'x' } as unknown as AppEvent;
    expect(splitAtEnd([gone, pt(64)])).toBeNull();
    expect(splitAtEnd([pt(64), progress])).toBeNull();
    expect(splitAtEnd([])).toBeNull();
  });

  it('reveals the answer, then the notes, then refreshes the history, one stage per task', () => {
    const tasks: (() => void)[] = [];
    const stages: number[] = [];
    let refreshed = 0;
    revealInStages(
      (s) => stages.push(s),
      (fn) => tasks.push(fn),
      () => refreshed++,
    );
    expect(stages).toEqual([REVEAL.none]);
    const runTask = (): void => tasks.shift()!();
    runTask();
    expect(stages).toEqual([REVEAL.none, REVEAL.answer]);
    expect(refreshed).toBe(0);
    runTask();
    expect(stages.at(-1)).toBe(REVEAL.notes);
    expect(refreshed).toBe(0);
    runTask();
    expect(stages.at(-1)).toBe(REVEAL.all);
    expect(refreshed).toBe(1);
    expect(tasks).toHaveLength(0);
  });

  it('jumps to the end when finished early (a new run or an opened report takes over), refreshing the history once', () => {
    const tasks: (() => void)[] = [];
    const stages: number[] = [];
    let refreshed = 0;
    const r = revealInStages(
      (s) => stages.push(s),
      (fn) => tasks.push(fn),
      () => refreshed++,
    );
    tasks.shift()!();
    r.finish();
    while (tasks.length) tasks.shift()!();
    r.finish();
    expect(stages).toEqual([REVEAL.none, REVEAL.answer, REVEAL.all]);
    expect(refreshed).toBe(1);
  });
});
