import { describe, expect, it } from 'vitest';
import { PointSchema, ReportSchema } from '@/contract/schemas';
import { point, report } from '@/testing/fixtures';
import { applyEvents, etaNow, fractionDone, runFromReport, startRun, upsertPoints, type Progress, type RunState } from './run-state';

const running = (): RunState => ({ ...startRun(), runId: 'r1' });

describe('run state', () => {
  it('fixtures are schema-valid', () => {
    expect(() => PointSchema.parse(point({ variant: 'mha', context: 64 }))).not.toThrow();
    expect(() => ReportSchema.parse(report([point({ variant: 'mha', context: 64 })]))).not.toThrow();
  });

  it('streams progress and points, then completes', () => {
    let s = applyEvents(running(), [
      { type: 'progress', runId: 'r1', done: 0, total: 2, current: 'a', etaSeconds: 10 },
      { type: 'point', runId: 'r1', point: point({ variant: 'mha', context: 64 }) },
    ]);
    expect(s.phase).toBe('running');
    expect(s.points).toHaveLength(1);
    expect(fractionDone(s.progress)).toBe(0);
    s = applyEvents(s, [{ type: 'progress', runId: 'r1', done: 1, total: 2, current: 'b', etaSeconds: 5 }]);
    expect(fractionDone(s.progress)).toBe(0.5);
    const final = report([point({ variant: 'mha', context: 64 }), point({ variant: 'gqa', context: 64 })]);
    s = applyEvents(s, [{ type: 'done', runId: 'r1', report: final }]);
    expect(s.phase).toBe('done');
    expect(s.points.map((p) => p.variant)).toEqual(['mha', 'gqa']);
    expect(s.error).toBeNull();
  });

  it('after a cancel the counts agree: the point finished after the last progress event counts, against the points planned', () => {
    const a = point({ variant: 'mha', context: 64 });
    const b = point({ variant: 'gqa', context: 64 });
    let s = applyEvents(running(), [
      { type: 'progress', runId: 'r1', done: 0, total: 28, current: 'probing', etaSeconds: 20 },
      { type: 'progress', runId: 'r1', done: 1, total: 28, current: b.id, etaSeconds: 18 },
      { type: 'point', runId: 'r1', point: a },
    ]);
    s = { ...s, cancelRequested: true };
    // b was being measured when the cancel came: it finished, then the sweep stopped
    s = applyEvents(s, [{ type: 'done', runId: 'r1', report: report([a, b], false) }]);
    expect(s.phase).toBe('cancelled');
    expect(s.progress).toMatchObject({ done: 2, total: 28 });
    expect(s.points.filter((p) => p.status === 'ok')).toHaveLength(s.progress!.done);
  });

  it('the ETA counts down within a point and says when the point runs longer than expected', () => {
    let s = applyEvents(running(), [{ type: 'progress', runId: 'r1', done: 3, total: 8, current: 'x', etaSeconds: 20, pointSeconds: 3 }], () => 1000);
    const p = s.progress as Progress;
    expect(p).toMatchObject({ etaSeconds: 20, pointSeconds: 3, at: 1000 });
    expect(etaNow(p, 1000)).toEqual({ seconds: 20, over: false });
    expect(etaNow(p, 3000)).toEqual({ seconds: 18, over: false });
    // 12 s into a point expected to take 3: not "3 s" any more, but the rest after it, marked over
    expect(etaNow(p, 13000)).toEqual({ seconds: 17, over: true });
    // no per-point figure (an older engine): counts down to 0, then over
    s = applyEvents(s, [{ type: 'progress', runId: 'r1', done: 4, total: 8, current: 'y', etaSeconds: 5 }], () => 0);
    expect(etaNow(s.progress, 2000)).toEqual({ seconds: 3, over: false });
    expect(etaNow(s.progress, 6000)).toEqual({ seconds: 0, over: true });
    expect(etaNow(null, 0)).toEqual({ seconds: null, over: false });
  });

  it('ignores events of other runs', () => {
    const s = applyEvents(running(), [{ type: 'point', runId: 'other', point: point({ variant: 'mha', context: 64 }) }]);
    expect(s.points).toHaveLength(0);
  });

  it('a cancelled sweep keeps its points', () => {
    let s = applyEvents(running(), [{ type: 'point', runId: 'r1', point: point({ variant: 'mha', context: 64 }) }]);
    s = { ...s, cancelRequested: true };
    s = applyEvents(s, [{ type: 'done', runId: 'r1', report: report([point({ variant: 'mha', context: 64 })], false) }]);
    expect(s.phase).toBe('cancelled');
    expect(s.points).toHaveLength(1);
    expect(s.error).toBeNull();
  });

  it('an engine crash fails the run with its reason and keeps the points', () => {
    let s = applyEvents(running(), [{ type: 'point', runId: 'r1', point: point({ variant: 'mha', context: 64 }) }]);
    s = applyEvents(s, [{ type: 'engine-gone', runId: 'r1', reason: 'oom', exitCode: null, message: 'The engine ran out of memory', partial: null }]);
    expect(s.phase).toBe('failed');
    expect(s.error).toBe('The engine ran out of memory');
    expect(s.points).toHaveLength(1);
  });

  it("an engine crash keeps the client's partial report, so it can be saved and exported", () => {
    const a = point({ variant: 'mha', context: 64 });
    let s = applyEvents(running(), [{ type: 'point', runId: 'r1', point: a }]);
    const partial = { ...report([a], false), incompleteReason: 'engine crashed: The engine was killed.' };
    s = applyEvents(s, [{ type: 'engine-gone', runId: 'r1', reason: 'killed', exitCode: null, message: 'The engine was killed.', partial }]);
    expect(s.phase).toBe('failed');
    expect(s.report).toEqual(partial);
    expect(s.points).toEqual([a]);
    // A crash of a run no longer shown changes nothing.
    const other = applyEvents(s, [{ type: 'engine-gone', runId: 'r0', reason: 'killed', exitCode: null, message: 'x', partial: report([], false) }]);
    expect(other).toBe(s);
  });

  it('an engine error keeps partial points', () => {
    const s = applyEvents(running(), [{ type: 'error', runId: 'r1', message: 'boom', partial: report([point({ variant: 'mqa', context: 64 })], false) }]);
    expect(s.phase).toBe('failed');
    expect(s.error).toBe('boom');
    expect(s.points).toHaveLength(1);
  });

  it('upserts by id in arrival order', () => {
    const a = point({ variant: 'mha', context: 64 });
    const b = point({ variant: 'gqa', context: 64 });
    const a2 = { ...a, status: 'failed' as const };
    expect(upsertPoints([a, b], [a2]).map((p) => [p.variant, p.status])).toEqual([
      ['mha', 'failed'],
      ['gqa', 'ok'],
    ]);
  });

  it('a report opened from a file or the history reads as a finished run', () => {
    const r = report([point({ variant: 'mla-absorbed', context: 64 })], false);
    const s = runFromReport(r);
    expect(s.phase).toBe('done');
    expect(s.points).toBe(r.points);
    expect(s.report).toBe(r);
    expect(s.runId).toBeNull();
    // a finished report's progress: every point done, nothing waited for
    expect(s.progress).toMatchObject({ done: r.points.length, total: r.points.length, current: '', etaSeconds: 0 });
    expect(fractionDone(s.progress)).toBe(1);
  });
});
