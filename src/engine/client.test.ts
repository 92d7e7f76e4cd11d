/**
 * The host-side engine client against the real engine (a Node child process running the
 * TypeScript sources with tsx), and against a fake child for the ready timeout.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '@/contract/api';
import { SystemInfoSchema } from '@/contract/api';
import { point, report } from '@/testing/fixtures';
import { ReportSchema, SweepConfigSchema } from '@/contract/schemas';
import { compareReports } from '@/core/report/compare';
import { EngineClient, type EngineChild, type ExitInfo } from './client';
import { reportHeader } from './host';
import { exitReason, nodeLauncher } from './node-launcher';

const config = SweepConfigSchema.parse({ model: { source: 'preset', preset: 'llama-3.1-8b' }, variants: ['mha', 'gqa'], contexts: [64, 128] });

/** A child the test drives: what the client posts to it, and a way to answer as the engine. */
function fakeEngine(): { child: EngineChild; posted: unknown[]; send: (m: unknown) => void; exit: (i: ExitInfo) => void } {
  const posted: unknown[] = [];
  let onMessage: (m: unknown) => void = () => undefined;
  let onExit: (i: ExitInfo) => void = () => undefined;
  const child: EngineChild = {
    pid: 4242,
    postMessage: (m) => posted.push(m),
    onMessage: (fn) => (onMessage = fn),
    onExit: (fn) => (onExit = fn),
    kill: () => onExit({ code: null, reason: 'killed' }),
  };
  return { child, posted, send: (m) => onMessage(m), exit: (i) => onExit(i) };
}

/** A client on a fake engine that has said ready, with a sweep started. */
async function started(): Promise<{ c: EngineClient; engine: ReturnType<typeof fakeEngine>; events: AppEvent[]; runId: string; logs: string[] }> {
  const engine = fakeEngine();
  const events: AppEvent[] = [];
  const logs: string[] = [];
  const c = new EngineClient({ launch: () => engine.child, onEvent: (e) => events.push(e), log: (l) => logs.push(l), shutdownGraceMs: 50 });
  client = c;
  const ready = c.ensure();
  engine.send({ type: 'ready', pid: 4242 });
  await ready;
  const runId = await c.start(config);
  return { c, engine, events, runId, logs };
}

const entry = join(import.meta.dirname, 'index.ts');
let client: EngineClient | null = null;
afterEach(async () => {
  await client?.dispose();
});

describe('engine client (real engine child process)', () => {
  it('handshakes, answers queries, reports a kill and starts a fresh engine', async () => {
    const events: AppEvent[] = [];
    client = new EngineClient({ launch: nodeLauncher({ entry, execArgv: ['--import', 'tsx'] }), onEvent: (e) => events.push(e), readyTimeoutMs: 60_000 });
    const pid = await client.ensure();
    expect(pid).toBe(client.pid);
    const presets = await client.query({ kind: 'presets' });
    expect(presets.map((p) => p.id)).toContain('deepseek-v3');
    // The engine compares (off Electron's main thread) exactly as compareReports does.
    const a = report([point({ variant: 'mha', context: 64 }), point({ variant: 'gqa', context: 64 })]);
    const slow = point({ variant: 'mha', context: 64 });
    const t = slow.timing!;
    const b = report([
      { ...slow, timing: { ...t, medianMs: t.medianMs * 2, samplesMs: t.samplesMs!.map((x) => x * 2) } },
      point({ variant: 'gqa', context: 64 }),
    ]);
    const rows = await client.query({ kind: 'compare', reports: [a, b] });
    expect(rows).toEqual(compareReports([a, b]));
    expect(rows.length).toBe(2);
    const plan = client.query({ kind: 'plan', config: { model: { source: 'preset', preset: 'nope' }, variants: ['mha'], contexts: [64] } as never });
    await expect(plan).rejects.toMatchObject({ name: 'SpecError', message: expect.stringContaining('unknown preset "nope"') });

    process.kill(pid, 'SIGKILL');
    await expect.poll(() => events.find((e) => e.type === 'engine-gone')).toMatchObject({ type: 'engine-gone', reason: 'killed', runId: null });
    const pid2 = await client.ensure();
    expect(pid2).not.toBe(pid);
    const info = SystemInfoSchema.parse(await client.query({ kind: 'describe' }));
    expect(info.enginePid).toBe(pid2);
    expect(info.providers.find((p) => p.name === 'cpu')?.works).toBe(true);
  }, 120_000);
});

describe('engine client (fake child)', () => {
  it('stops an engine that never says ready, and says why', async () => {
    const events: AppEvent[] = [];
    let killed = false;
    let exit: (i: ExitInfo) => void = () => undefined;
    const child: EngineChild = {
      pid: 123,
      postMessage: () => undefined,
      onMessage: () => undefined,
      onExit: (fn) => (exit = fn),
      kill: () => {
        killed = true;
        exit({ code: null, reason: 'killed' });
      },
    };
    client = new EngineClient({ launch: () => child, onEvent: (e) => events.push(e), readyTimeoutMs: 50 });
    await expect(client.ensure()).rejects.toMatchObject({ name: 'EngineError', reason: 'ready-timeout' });
    expect(killed).toBe(true);
    expect(events).toEqual([
      {
        type: 'engine-gone',
        runId: null,
        reason: 'ready-timeout',
        exitCode: null,
        message: 'The engine did not become ready in time and was stopped.',
        partial: null,
      },
    ]);
  });

  it('an engine crash mid-sweep yields the partial report: the last snapshot header plus the points received', async () => {
    const { engine, events, runId } = await started();
    const a = point({ variant: 'mha', context: 64 });
    const b = point({ variant: 'gqa', context: 64 });
    const header = reportHeader({ ...report([], false), incompleteReason: 'in progress' });
    engine.send({ type: 'progress', runId, done: 0, total: 4, current: a.id, etaSeconds: 3 });
    engine.send({ type: 'point', runId, point: a });
    engine.send({ type: 'snapshot', runId, header });
    engine.send({ type: 'point', runId, point: b });
    engine.send({ type: 'snapshot', runId, header: { ...header, createdAt: '2026-11-28T00:00:01Z' } });
    engine.exit({ code: null, reason: 'killed' });

    // Snapshots stay in the client: the renderer already has the points.
    expect(events.map((e) => e.type)).toEqual(['progress', 'point', 'point', 'engine-gone']);
    // Streamed points reach the app without their raw samples; the partial report keeps them.
    expect(a.timing?.samplesMs?.length).toBeGreaterThan(0);
    const streamed = events.filter((e) => e.type === 'point');
    expect(streamed.map((e) => (e.type === 'point' ? e.point.timing?.samplesMs : undefined))).toEqual([null, null]);
    expect(streamed.map((e) => (e.type === 'point' ? { ...e.point, timing: { ...e.point.timing!, samplesMs: a.timing!.samplesMs } } : null))[0]).toEqual(a);
    const gone = events.at(-1)!;
    expect(gone).toMatchObject({ type: 'engine-gone', runId, reason: 'killed', message: 'The engine was killed.' });
    const partial = gone.type === 'engine-gone' ? gone.partial : null;
    expect(ReportSchema.parse(partial)).toEqual({
      ...header,
      createdAt: '2026-11-28T00:00:01Z',
      complete: false,
      incompleteReason: 'engine crashed: The engine was killed.',
      points: [a, b],
    });
  });

  it('an engine crash before the first point has no partial report', async () => {
    const { engine, events, runId } = await started();
    engine.exit({ code: 3, reason: 'abnormal-exit' });
    expect(events).toEqual([expect.objectContaining({ type: 'engine-gone', runId, partial: null })]);
  });

  it('BAD CALL - a malformed event ends the run with an error, the engine is told to cancel, and the next sweep starts', async () => {
    const { c, engine, events, runId, logs } = await started();
    const a = point({ variant: 'mha', context: 64 });
    engine.send({ type: 'point', runId, point: a });
    engine.send({ type: 'snapshot', runId, header: reportHeader(report([], false)) });
    // num_hidden_layers 0 made figures like this: Infinity fails the contract.
    const bad = point({ variant: 'gqa', context: 64 });
    engine.send({ type: 'point', runId, point: { ...bad, timing: { ...bad.timing!, modelMs: Infinity } } });

    expect(c.runId).toBeNull();
    expect(engine.posted.at(-1)).toEqual({ type: 'cancel', runId });
    const err = events.at(-1)!;
    expect(err).toMatchObject({
      type: 'error',
      runId,
      message: expect.stringMatching(/^The engine sent a malformed 'point' event \(point\.timing\.modelMs: .*Infinity\); the sweep was stopped\.$/),
    });
    const partial = err.type === 'error' ? err.partial : null;
    expect(partial).toMatchObject({ complete: false, incompleteReason: expect.stringMatching(/^failed: The engine sent a malformed/), points: [a] });
    expect(logs.some((l) => l.includes("malformed 'point' event"))).toBe(true);

    // The old run's late events (its cancelled 'done', malformed too) change nothing; a new sweep starts.
    engine.send({ type: 'done', runId, report: { bad: true } });
    engine.send({ type: 'progress', runId, done: 2, total: 4, current: 'x', etaSeconds: 1 });
    engine.send({ type: 'done', runId, report: report([a], false) });
    expect(events).toHaveLength(2);
    expect(logs.at(-1)).toMatch(/'done' of run .*, which was already stopped here: not forwarded/);
    const next = await c.start(config);
    expect(next).not.toBe(runId);
    expect(engine.posted.at(-1)).toMatchObject({ type: 'start', runId: next });
  });

  it('BAD CALL - a malformed message without a run id ends the running sweep too; one of another run is logged', async () => {
    const { c, engine, events, runId, logs } = await started();
    engine.send({ type: 'point', runId: 'some-old-run', point: { nope: 1 } });
    expect(c.runId).toBe(runId);
    expect(events).toEqual([]);
    expect(logs.at(-1)).toMatch(/malformed 'point' event/);
    engine.send('garbage');
    expect(c.runId).toBeNull();
    expect(events).toEqual([expect.objectContaining({ type: 'error', runId, message: expect.stringContaining('malformed message without a type') })]);
  });

  it('BAD CALL - a malformed reply rejects its query instead of leaving it pending', async () => {
    const { c, engine } = await started();
    const answer = c.query({ kind: 'presets' });
    await new Promise((r) => setTimeout(r, 0));
    const q = engine.posted.at(-1) as { id: number };
    engine.send({ type: 'reply', id: q.id, error: { name: 42 } });
    await expect(answer).rejects.toMatchObject({ name: 'EngineError', message: expect.stringMatching(/^the engine sent a malformed reply/) });
  }, 10_000);

  it("BAD CALL - a reply whose result does not match its query kind's schema is refused with a clear error", async () => {
    const { c, engine, logs } = await started();
    const answer = c.query({ kind: 'presets' });
    await new Promise((r) => setTimeout(r, 0));
    const q = engine.posted.at(-1) as { id: number };
    engine.send({ type: 'reply', id: q.id, result: [{ id: 'x', title: 'X' }] });
    await expect(answer).rejects.toMatchObject({
      name: 'EngineError',
      message: expect.stringMatching(/^the engine sent a malformed 'presets' reply \(0\.source: /),
    });
    expect(logs.at(-1)).toMatch(/malformed 'presets' reply/);
    // A well-formed one of the same kind goes through.
    const again = c.query({ kind: 'presets' });
    await new Promise((r) => setTimeout(r, 0));
    const q2 = engine.posted.at(-1) as { id: number };
    const preset = { id: 'x', title: 'X', source: 's', attention: { kind: 'gqa', numHeads: 8, numKvHeads: 2, headDim: 64 }, numLayers: 2, maxContext: null };
    engine.send({ type: 'reply', id: q2.id, result: [preset] });
    await expect(again).resolves.toEqual([preset]);
  }, 10_000);

  it('BAD CALL - cancel of an unknown run', () => {
    client = new EngineClient({ launch: () => ({}) as EngineChild, onEvent: () => undefined });
    expect(() => client!.cancel('r9')).toThrow('no sweep r9 is running');
  });

  it('maps exit codes and signals to reasons', () => {
    expect(exitReason(0, null)).toBe('clean-exit');
    expect(exitReason(3, null)).toBe('abnormal-exit');
    expect(exitReason(null, 'SIGKILL')).toBe('killed');
    expect(exitReason(null, 'SIGSEGV')).toBe('crashed');
  });
});
