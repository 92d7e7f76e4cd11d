/**
 * Launches the engine as a plain Node child process (child_process.fork with an IPC channel):
 * the e2e bridge and the tests use it; Electron main uses utilityProcess instead.
 */
import { fork } from 'node:child_process';
import type { EngineChild, ExitInfo } from './client.js';
import { forwardLines } from './lines.js';

/** Exit reason from a child process's exit code and signal, in Electron's vocabulary. */
export function exitReason(code: number | null, signal: NodeJS.Signals | null): ExitInfo['reason'] {
  if (signal === 'SIGKILL') return 'killed';
  if (signal === 'SIGSEGV' || signal === 'SIGABRT' || signal === 'SIGBUS' || signal === 'SIGILL' || signal === 'SIGFPE') return 'crashed';
  if (signal) return 'killed';
  if (code === 0) return 'clean-exit';
  return 'abnormal-exit';
}

export interface NodeLaunchOptions {
  /** The engine entry: a built .js file, or src/engine/index.ts with tsx. */
  entry: string;
  /** Extra node flags, e.g. ['--import', 'tsx'] to run the TypeScript sources. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the engine's stdout/stderr lines go (prefixed with its pid). */
  log?: (line: string) => void;
}

export function nodeLauncher(opts: NodeLaunchOptions): () => EngineChild {
  return () => {
    const child = fork(opts.entry, [], {
      execArgv: opts.execArgv ?? [],
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const log = (line: string): void => opts.log?.(line);
    const prefix = (): string => `[engine ${child.pid ?? '?'}]`;
    forwardLines(child.stdout, log, prefix);
    forwardLines(child.stderr, log, prefix);
    return {
      get pid() {
        return child.pid;
      },
      postMessage: (m) => {
        if (child.connected) child.send(m as object);
      },
      onMessage: (fn) => {
        child.on('message', fn);
      },
      onExit: (fn) => {
        // 'error' without 'exit' when the spawn failed; once either way.
        let ended = false;
        const end = (info: ExitInfo): void => {
          if (ended) return;
          ended = true;
          fn(info);
        };
        child.on('exit', (code, signal) => end({ code, reason: exitReason(code, signal) }));
        child.on('error', () => {
          if (child.exitCode === null && child.signalCode === null && child.pid === undefined) end({ code: null, reason: 'launch-failed' });
        });
      },
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}
