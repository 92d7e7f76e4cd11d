/**
 * How the engine talks to its host: Electron's utility-process parent port when there is one,
 * else Node's IPC channel (child_process.fork), so tests drive the same engine without Electron.
 */

/** The part of Electron's `process.parentPort` the engine uses (no electron import here). */
interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

export interface Transport {
  kind: 'utility-process' | 'child-process';
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

export function detectTransport(proc: NodeJS.Process = process): Transport {
  const port = (proc as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort;
  if (port) {
    return {
      kind: 'utility-process',
      post: (m) => port.postMessage(m),
      onMessage: (fn) => port.on('message', (e) => fn(e.data)),
    };
  }
  const send = proc.send?.bind(proc);
  if (send) {
    return {
      kind: 'child-process',
      post: (m) => {
        send(m);
      },
      onMessage: (fn) => {
        proc.on('message', fn);
      },
    };
  }
  throw new Error('the engine must be started as an Electron utility process or a Node child process with an IPC channel');
}
