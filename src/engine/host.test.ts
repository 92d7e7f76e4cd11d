import { describe, expect, it } from 'vitest';
import { point, report } from '@/testing/fixtures';
import type { EngineEvent, Report, SweepConfig } from '@/contract/schemas';
import { SweepConfigSchema } from '@/contract/schemas';
import { createEngineHost, type EngineDeps, type Outgoing, type RunSweep } from './host';

const config: SweepConfig = SweepConfigSchema.parse({ model: { source: 'preset', preset: 'llama-3.1-8b' }, variants: ['mha'], contexts: [64] });
const fakeReport = (complete: boolean): Report => ({ complete }) as unknown as Report;

function setup(runSweep: RunSweep, over: Partial<EngineDeps> = {}): { out: Outgoing[]; host: ReturnType<typeof createEngineHost> } {
  const out: Outgoing[] = [];
  const host = createEngineHost(
    {
      runSweep,
      describe: () => Promise.reject(new Error('not in this test')),
      presets: () => [],
      plan: () => Promise.reject(new Error('unused')),
      ...over,
    },
    (m) => out.push(m),
  );
  return { out, host };
}

describe('engine host', () => {
  it("holds a comparison while a sweep's round is timed and answers it once the timed window ends", async () => {
    let endTimed: () => void = () => undefined;
    const rows = [{ key: 'k' }] as unknown as ReturnType<NonNullable<EngineDeps['compare']>>;
    const { out, host } = setup(
      (_c, opts) =>
        new Promise((resolve) => {
          opts.onEvent({ type: 'timing', runId: 'r1', active: true });
          endTimed = () => {
            opts.onEvent({ type: 'timing', runId: 'r1', active: false });
            resolve(fakeReport(true));
          };
        }),
      { compare: () => rows },
    );
    host.handle({ type: 'start', runId: 'r1', config });
    host.handle({
      type: 'query',
      id: 7,
      query: { kind: 'compare', reports: [report([point({ variant: 'mha', context: 64 })]), report([point({ variant: 'mha', context: 64 })])] },
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(out.filter((m) => m.type === 'reply')).toEqual([]);
    endTimed();
    await host.idle();
    await new Promise((r) => setTimeout(r, 0));
    expect(out.filter((m) => m.type === 'reply')).toEqual([{ type: 'reply', id: 7, result: rows }]);
    // without a timed window it answers at once
    host.handle({
      type: 'query',
      id: 8,
      query: { kind: 'compare', reports: [report([point({ variant: 'mha', context: 64 })]), report([point({ variant: 'mha', context: 64 })])] },
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(out.filter((m) => m.type === 'reply').map((m) => (m as { id: number }).id)).toEqual([7, 8]);
  });

  it('runs a sweep: events tagged with the run, then done with the report', async () => {
    const { out, host } = setup(async (_c, opts) => {
      opts.onEvent({ type: 'progress', runId: 'whatever', done: 0, total: 1, current: 'x', etaSeconds: 1 });
      return fakeReport(true);
    });
    host.handle({ type: 'start', runId: 'r1', config });
    expect(host.active()).toEqual(['r1']);
    await host.idle();
    expect(out.map((m) => [m.type, 'runId' in m ? m.runId : null])).toEqual([
      ['progress', 'r1'],
      ['done', 'r1'],
    ]);
    expect(host.active()).toEqual([]);
  });

  it('cancel aborts the run signal; the runner resolves with an incomplete report', async () => {
    let seen: AbortSignal | undefined;
    const { out, host } = setup(
      (_c, opts) =>
        new Promise((resolve) => {
          seen = opts.signal;
          opts.signal?.addEventListener('abort', () => resolve(fakeReport(false)));
        }),
    );
    host.handle({ type: 'start', runId: 'r1', config });
    host.handle({ type: 'cancel', runId: 'r1' });
    await host.idle();
    expect(seen?.aborted).toBe(true);
    expect(out).toEqual([{ type: 'done', runId: 'r1', report: fakeReport(false) }]);
  });

  it('stop cancels the running sweep and resolves once it has settled', async () => {
    let reason: unknown;
    const { out, host } = setup(
      (_c, opts) =>
        new Promise((resolve) => {
          opts.signal?.addEventListener('abort', () => {
            reason = opts.signal?.reason;
            resolve(fakeReport(false));
          });
        }),
    );
    host.handle({ type: 'start', runId: 'r1', config });
    await host.stop();
    expect((reason as Error).message).toBe('the engine is shutting down');
    expect(host.active()).toEqual([]);
    expect(out).toEqual([{ type: 'done', runId: 'r1', report: fakeReport(false) }]);
  });

  it("sends each snapshot as the report's header only (its points went out as 'point' events)", async () => {
    const p = point({ variant: 'mha', context: 64 });
    const { out, host } = setup(async (_c, opts) => {
      opts.onEvent({ type: 'point', runId: 'x', point: p });
      opts.onSnapshot?.(report([p], false));
      return report([p]);
    });
    host.handle({ type: 'start', runId: 'r1', config });
    await host.idle();
    expect(out.map((m) => m.type)).toEqual(['point', 'snapshot', 'done']);
    const snap = out[1]!;
    expect(snap).toMatchObject({ type: 'snapshot', runId: 'r1', header: { complete: false, model: { name: 'm' } } });
    expect('header' in snap && 'points' in snap.header).toBe(false);
  });

  it('a start while a cancelled sweep winds down waits for it, then runs; a cancel while waiting ends it', async () => {
    const finish: ((r: Report) => void)[] = [];
    const { out, host } = setup(
      (_c, opts) =>
        new Promise((resolve) => {
          finish.push(resolve);
          opts.onEvent({ type: 'progress', runId: '', done: 0, total: 1, current: 'x', etaSeconds: null });
        }),
    );
    host.handle({ type: 'start', runId: 'r1', config });
    // The client stopped r1 (a malformed event) and asks to cancel it; its current point has not ended yet.
    host.handle({ type: 'cancel', runId: 'r1' });
    host.handle({ type: 'start', runId: 'r2', config });
    expect(out.filter((m) => m.type === 'error')).toEqual([]);
    expect(host.active()).toEqual(['r1', 'r2']);
    finish[0]!(fakeReport(false));
    await new Promise((r) => setTimeout(r, 0));
    expect(host.active()).toEqual(['r2']);
    expect(out.map((m) => [m.type, 'runId' in m ? m.runId : null])).toEqual([
      ['progress', 'r1'],
      ['done', 'r1'],
      ['progress', 'r2'],
    ]);

    // r2 cancelled, r3 waits, and is cancelled before it starts.
    host.handle({ type: 'cancel', runId: 'r2' });
    host.handle({ type: 'start', runId: 'r3', config });
    host.handle({ type: 'cancel', runId: 'r3' });
    expect(out.at(-1)).toEqual({ type: 'error', runId: 'r3', message: 'cancelled before it started', partial: null });
    finish[1]!(fakeReport(false));
    await host.idle();
    expect(finish).toHaveLength(2);
    expect(host.active()).toEqual([]);
  });

  it('one sweep at a time', async () => {
    let finish: (r: Report) => void = () => undefined;
    const { out, host } = setup(() => new Promise((resolve) => (finish = resolve)));
    host.handle({ type: 'start', runId: 'r1', config });
    host.handle({ type: 'start', runId: 'r2', config });
    expect(out[0]).toMatchObject({ type: 'error', runId: 'r2', message: expect.stringContaining('another sweep (r1) is running') });
    finish(fakeReport(true));
    await host.idle();
  });

  it('a runner that throws becomes an error event; one that reported an error sends no done', async () => {
    const a = setup(() => Promise.reject(new Error('provider webgpu does not work here')));
    a.host.handle({ type: 'start', runId: 'r1', config });
    await a.host.idle();
    expect(a.out).toEqual([{ type: 'error', runId: 'r1', message: 'provider webgpu does not work here', partial: null }]);

    const b = setup(async (_c, opts) => {
      const e: EngineEvent = { type: 'error', runId: 'r2', message: 'failed', partial: null };
      opts.onEvent(e);
      return fakeReport(false);
    });
    b.host.handle({ type: 'start', runId: 'r2', config });
    await b.host.idle();
    expect(b.out.map((m) => m.type)).toEqual(['error']);
  });

  it('BAD CALL - malformed requests are answered with a validation error', () => {
    const { out, host } = setup(() => Promise.resolve(fakeReport(true)));
    host.handle({ type: 'start', runId: 'r1', config: { variants: [] } });
    host.handle('nonsense');
    expect(out[0]).toMatchObject({ type: 'error', runId: 'r1', message: expect.stringMatching(/model/) });
    expect(out[1]).toMatchObject({ type: 'error', runId: '' });
  });

  it('answers queries by id, errors in the envelope', async () => {
    const { out, host } = setup(() => Promise.resolve(fakeReport(true)), {
      presets: () => [{ id: 'p', title: 'P', source: 's', attention: { kind: 'mqa', numHeads: 2, numKvHeads: 1, headDim: 4 }, numLayers: 1, maxContext: null }],
      plan: () => Promise.reject(Object.assign(new Error('GQA groups (4) must divide the 6 query heads'), { name: 'SpecError' })),
    });
    host.handle({ type: 'query', id: 1, query: { kind: 'presets' } });
    host.handle({ type: 'query', id: 2, query: { kind: 'plan', config } });
    host.handle({ type: 'query', id: 3, query: { kind: 'nope' } });
    await new Promise((r) => setTimeout(r, 10));
    expect(out.find((m) => m.type === 'reply' && m.id === 1)).toMatchObject({ result: [{ id: 'p' }] });
    expect(out.find((m) => m.type === 'reply' && m.id === 2)).toEqual({
      type: 'reply',
      id: 2,
      error: { name: 'SpecError', message: 'GQA groups (4) must divide the 6 query heads' },
    });
    expect(out.find((m) => m.type === 'reply' && m.id === 3)).toMatchObject({ error: { name: 'ValidationError' } });
  });
});
