/**
 * Ctrl-C during a sweep: the first stops it after the current step (the points measured so far
 * are written, exit 130), a second leaves at once.
 */
import type { Io } from './io.js';

export interface Interrupt {
  signal: AbortSignal;
  readonly interrupted: boolean;
  /** Stops listening for Ctrl-C. */
  release(): void;
}

export function onInterrupt(io: Io): Interrupt {
  const controller = new AbortController();
  let interrupted = false;
  const handler = (): void => {
    if (interrupted) process.exit(130); // second Ctrl-C: leave now
    interrupted = true;
    io.err('\ninterrupted: finishing the current step, then writing the points measured so far (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    get interrupted() {
      return interrupted;
    },
    release: () => process.off('SIGINT', handler),
  };
}
