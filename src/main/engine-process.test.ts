/**
 * Crash attribution of the utility-process launcher: each instance has its own service name and
 * takes only the 'child-process-gone' report that names it, in whichever order that report and its
 * 'exit' arrive.
 */
import type { EventEmitter } from 'node:events';
import type { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { ExitInfo } from '@/engine/client';

const electron = vi.hoisted(() => ({ forks: [] as { serviceName: string; child: unknown }[], app: null as unknown }));
vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  const { PassThrough: Pass } = await import('node:stream');
  const app = new Emitter();
  electron.app = app;
  return {
    app,
    utilityProcess: {
      fork: (_entry: string, _args: string[], opts: { serviceName: string }) => {
        const child = Object.assign(new Emitter(), {
          pid: 1000 + electron.forks.length,
          stdout: new Pass(),
          stderr: new Pass(),
          postMessage: () => undefined,
          kill: () => undefined,
        });
        electron.forks.push({ serviceName: opts.serviceName, child });
        return child;
      },
    },
  };
});

const { exitJoin, utilityLauncher } = await import('./engine-process');

type FakeChild = EventEmitter & { stdout: PassThrough };

function launchTwo(): { exits: ExitInfo[][]; names: string[]; children: FakeChild[]; logs: string[] } {
  const logs: string[] = [];
  const launch = utilityLauncher('/engine.js', (l) => logs.push(l));
  const exits: ExitInfo[][] = [[], []];
  const first = electron.forks.length;
  launch().onExit((i) => exits[0]!.push(i));
  launch().onExit((i) => exits[1]!.push(i));
  const forks = electron.forks.slice(first);
  return { exits, names: forks.map((f) => f.serviceName), children: forks.map((f) => f.child as FakeChild), logs };
}

const gone = (name: string, reason: string, exitCode: number): void => {
  (electron.app as EventEmitter).emit('child-process-gone', {}, { type: 'Utility', name, serviceName: 'node.mojom.NodeService', reason, exitCode });
};

describe('utility-process engine launcher', () => {
  it('gives each instance its own service name and attributes a crash to the instance it names', () => {
    const { exits, names, children } = launchTwo();
    expect(names[0]).not.toBe(names[1]);
    // The second crashes (report before exit); the first exits cleanly afterwards.
    gone(names[1]!, 'oom', 9);
    children[1]!.emit('exit', 9);
    children[0]!.emit('exit', 0);
    expect(exits).toEqual([[{ code: 0, reason: 'clean-exit' }], [{ code: 9, reason: 'oom' }]]);
  });

  it('a report that arrives after the exit still goes to its own instance, and one for another name changes nothing', () => {
    const { exits, names, children } = launchTwo();
    children[0]!.emit('exit', 11);
    children[1]!.emit('exit', 3);
    expect(exits).toEqual([[], []]);
    gone('kvscope-engine-elsewhere', 'crashed', 11);
    gone(names[1]!, 'abnormal-exit', 3);
    gone(names[0]!, 'crashed', 11);
    expect(exits).toEqual([[{ code: 11, reason: 'crashed' }], [{ code: 3, reason: 'abnormal-exit' }]]);
    // Done instances stop listening.
    expect((electron.app as EventEmitter).listenerCount('child-process-gone')).toBe(0);
  });

  it('ends a non-zero exit whose report never comes after the bound, once', async () => {
    const infos: ExitInfo[] = [];
    const join = exitJoin((i) => infos.push(i), 20);
    join.exit(5);
    await new Promise((r) => setTimeout(r, 200));
    join.gone('crashed', 5);
    expect(infos).toEqual([{ code: 5, reason: 'abnormal-exit' }]);
    const other: ExitInfo[] = [];
    exitJoin((i) => other.push(i)).gone('something-new', 1);
    expect(other).toEqual([{ code: 1, reason: 'unknown' }]);
  });

  it("forwards the process's output as whole lines, a UTF-8 character cut between chunks intact", () => {
    const { children, logs } = launchTwo();
    const bytes = Buffer.from('naïve 🙂 ready\nnext\n');
    const cut = bytes.indexOf(Buffer.from('🙂')) + 2;
    children[0]!.stdout.write(bytes.subarray(0, cut));
    children[0]!.stdout.write(bytes.subarray(cut));
    expect(logs).toEqual([
      `[engine ${(children[0] as unknown as { pid: number }).pid}] naïve 🙂 ready`,
      `[engine ${(children[0] as unknown as { pid: number }).pid}] next`,
    ]);
  });
});
