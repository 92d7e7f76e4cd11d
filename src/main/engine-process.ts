/**
 * Launches the engine in an Electron utility process. Each instance gets its own service name
 * (kvscope-engine-<n>): app 'child-process-gone' names the process that went (details.name), so a
 * crash is matched to its instance, as VS Code's UtilityProcess does, whatever the order in which
 * that report and the process's own 'exit' (which only gives a code) arrive.
 */
import { app, utilityProcess, type UtilityProcess } from 'electron';
import type { EngineGoneReason } from '@/contract/api.js';
import type { EngineChild, ExitInfo } from '@/engine/client.js';
import { forwardLines } from '@/engine/lines.js';

const KNOWN: readonly EngineGoneReason[] = ['clean-exit', 'abnormal-exit', 'killed', 'crashed', 'oom', 'launch-failed', 'integrity-failure'];

/** Electron's reason string in the contract's vocabulary. */
export function goneReason(reason: string): EngineGoneReason {
  return (KNOWN as readonly string[]).includes(reason) ? (reason as EngineGoneReason) : 'unknown';
}

/**
 * Joins a process's 'exit' and its own 'child-process-gone' into one ExitInfo. Chromium reports
 * every end but a normal one (exit code 0) as gone, with the reason: so exit 0 ends at once, a
 * gone report ends at once, and a non-zero exit waits for its gone report. `missingGoneMs` only
 * bounds that wait should the report never come; it attributes nothing.
 */
export function exitJoin(emit: (info: ExitInfo) => void, missingGoneMs = 5_000): { exit(code: number): void; gone(reason: string, code: number): void } {
  let done = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const end = (info: ExitInfo): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    emit(info);
  };
  return {
    exit: (code) => {
      if (code === 0) return end({ code, reason: 'clean-exit' });
      timer ??= setTimeout(() => end({ code, reason: 'abnormal-exit' }), missingGoneMs);
    },
    gone: (reason, code) => end({ code, reason: goneReason(reason) }),
  };
}

let instances = 0;

export function utilityLauncher(entry: string, log: (line: string) => void): () => EngineChild {
  return () => {
    const serviceName = `kvscope-engine-${++instances}`;
    const child: UtilityProcess = utilityProcess.fork(entry, [], { serviceName, stdio: 'pipe' });
    const prefix = (): string => `[engine ${child.pid ?? '?'}]`;
    forwardLines(child.stdout, log, prefix);
    forwardLines(child.stderr, log, prefix);
    const exitListeners: ((info: ExitInfo) => void)[] = [];
    const join = exitJoin((info) => {
      app.off('child-process-gone', onGone);
      for (const fn of exitListeners) fn(info);
    });
    function onGone(_event: Electron.Event, details: Electron.Details): void {
      if (details.type === 'Utility' && details.name === serviceName) join.gone(details.reason, details.exitCode);
    }
    app.on('child-process-gone', onGone);
    child.on('exit', (code) => join.exit(code));
    return {
      get pid() {
        return child.pid;
      },
      postMessage: (m) => child.postMessage(m),
      onMessage: (fn) => {
        child.on('message', fn);
      },
      onExit: (fn) => {
        exitListeners.push(fn);
      },
      kill: () => {
        child.kill();
      },
    };
  };
}
