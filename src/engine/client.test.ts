/**
 * The host-side engine client against the real engine (a Node child process running the
 * TypeScript sources with tsx), and against a fake child for the ready timeout.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../contract/api';
import { SystemInfoSchema } from '../contract/api';
import { EngineClient, type EngineChild, type ExitInfo } from './client';
import { exitReason, nodeLauncher } from './node-launcher';

const entry = join(import.meta.dirname, 'index.ts');
let client: EngineClient | null = null;
afterEach(() => client?.dispose());

describe('engine client (real engine child process)', () => {
  it('handshakes, answers queries, reports a kill and starts a fresh engine', async () => {
    const events: AppEvent[] = [];
    client = new EngineClient({ launch: nodeLauncher({ entry, execArgv: ['--import', 'tsx'] }), onEvent: (e) => events.push(e), readyTimeoutMs: 60_000 });
    const pid = await client.ensure();
    expect(pid).toBe(client.pid);
    const presets = await client.query({ kind: 'presets' });
    expect(presets.map((p) => p.id)).toContain('deepseek-v3');
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
      { type: 'engine-gone', runId: null, reason: 'ready-timeout', exitCode: null, message: 'The engine did not become ready in time and was stopped.' },
    ]);
  });

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
