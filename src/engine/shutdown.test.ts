/**
 * Graceful shutdown against real child processes: dispose asks the engine to leave, waits for its
 * exit, and kills one that ignores the request once the bound has passed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineClient } from './client';
import { nodeLauncher } from './node-launcher';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** A stand-in engine: says ready, logs what it is asked (an emoji cut across two writes), and leaves on shutdown or not. */
function script(name: string, leaves: boolean): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `const emoji = Buffer.from('🙂');
process.on('message', (m) => {
  if (m.type !== 'shutdown') return;
  process.stdout.write(Buffer.concat([Buffer.from('asked to shut down '), emoji.subarray(0, 2)]));
  setTimeout(() => {
    process.stdout.write(Buffer.concat([emoji.subarray(2), Buffer.from(${JSON.stringify(leaves ? ': leaving\n' : ': ignoring it\n')})]));
    ${leaves ? 'setTimeout(() => process.exit(0), 20);' : ''}
  }, 20);
});
setInterval(() => undefined, 1000);
process.send({ type: 'ready', pid: process.pid });
`,
  );
  return path;
}

async function run(
  leaves: boolean,
  graceMs: number,
): Promise<{ info: Awaited<ReturnType<EngineClient['dispose']>>; logs: string[]; ms: number; events: unknown[] }> {
  const logs: string[] = [];
  const events: unknown[] = [];
  const client = new EngineClient({
    launch: nodeLauncher({ entry: script(`engine-${leaves ? 'leaves' : 'stays'}.cjs`, leaves), log: (l) => logs.push(l) }),
    onEvent: (e) => events.push(e),
    readyTimeoutMs: 20_000,
    shutdownGraceMs: graceMs,
    log: (l) => logs.push(l),
  });
  await client.ensure();
  const t0 = performance.now();
  const info = await client.dispose();
  return { info, logs, ms: performance.now() - t0, events };
}

describe('engine shutdown (real child processes)', () => {
  it('asks, and an engine that leaves is not killed', async () => {
    const { info, logs, events } = await run(true, 10_000);
    expect(info).toEqual({ code: 0, reason: 'clean-exit' });
    expect(logs.some((l) => l.endsWith('asked to shut down 🙂: leaving'))).toBe(true);
    expect(logs.some((l) => l.includes('killing it'))).toBe(false);
    // Its own shutdown is no 'engine-gone' for the UI.
    expect(events).toEqual([]);
  }, 30_000);

  it('asks, waits for the bound, then kills an engine that ignores the request', async () => {
    const { info, logs, ms } = await run(false, 1_000);
    expect(info).toEqual({ code: null, reason: 'killed' });
    expect(logs.some((l) => l.endsWith('asked to shut down 🙂: ignoring it'))).toBe(true);
    expect(logs.some((l) => /still running 1000 ms after the shutdown request; killing it/.test(l))).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(15_000);
  }, 30_000);
});
