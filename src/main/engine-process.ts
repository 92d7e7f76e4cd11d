/**
 * Launches the engine in an Electron utility process. Crash reasons come from
 * app 'child-process-gone' (the utility process's own 'exit' only gives a code).
 */
import { app, utilityProcess } from 'electron';
import type { EngineGoneReason } from '../contract/api.js';
import type { EngineChild } from '../engine/client.js';

const SERVICE_NAME = 'kvscope-engine';
let lastGone: { reason: EngineGoneReason; at: number } | null = null;
let listening = false;

const KNOWN: readonly EngineGoneReason[] = ['clean-exit', 'abnormal-exit', 'killed', 'crashed', 'oom', 'launch-failed', 'integrity-failure'];

function listenForGone(): void {
  if (listening) return;
  listening = true;
  app.on('child-process-gone', (_event, details) => {
    if (details.type !== 'Utility' || details.serviceName !== SERVICE_NAME) return;
    const reason = (KNOWN as readonly string[]).includes(details.reason) ? (details.reason as EngineGoneReason) : 'unknown';
    lastGone = { reason, at: Date.now() };
  });
}

export function utilityLauncher(entry: string, log: (line: string) => void): () => EngineChild {
  listenForGone();
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: SERVICE_NAME, stdio: 'pipe' });
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log(`[engine ${child.pid ?? '?'}] ${line}`);
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    return {
      get pid() {
        return child.pid;
      },
      postMessage: (m) => child.postMessage(m),
      onMessage: (fn) => {
        child.on('message', fn);
      },
      onExit: (fn) => {
        child.on('exit', (code) => {
          // 'child-process-gone' may arrive just after 'exit': give it a moment.
          setTimeout(() => {
            const gone = lastGone && Date.now() - lastGone.at < 3000 ? lastGone.reason : null;
            lastGone = null;
            fn({ code, reason: gone ?? (code === 0 ? 'clean-exit' : 'abnormal-exit') });
          }, 150);
        });
      },
      kill: () => {
        child.kill();
      },
    };
  };
}
