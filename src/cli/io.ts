/** The CLI's output streams; everything printed goes through sanitizedIo (see sanitize.ts). */
import { stripControl } from './sanitize.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Whether stderr is a terminal (progress bar redraws in place). */
  tty: boolean;
}

export const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  tty: process.stderr.isTTY === true,
};

/** The same streams with control characters stripped from everything written (\n and \t kept). */
export function sanitizedIo(io: Io): Io {
  return { tty: io.tty, out: (s) => io.out(stripControl(s)), err: (s) => io.err(stripControl(s)) };
}

/** What each command's action is given: the sanitized streams, the raw ones (for the progress line's redraw), and where its exit code goes. */
export interface CommandContext {
  io: Io;
  raw: Io;
  result: { code: number };
}
