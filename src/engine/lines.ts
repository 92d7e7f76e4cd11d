/** Output of a child process as whole lines, whatever the chunking. */
import { StringDecoder } from 'node:string_decoder';

export interface LineReader {
  write(chunk: Buffer | string): void;
  /** Flushes what is left (a last line without a newline). */
  end(): void;
}

/**
 * Splits a byte stream into lines: a StringDecoder keeps a UTF-8 character cut between two chunks
 * whole, and a line cut between two chunks is held until its end arrives. Blank lines are skipped.
 */
export function lineReader(onLine: (line: string) => void): LineReader {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const emit = (text: string): void => {
    const lines = (rest + text).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line.replace(/\r$/, ''));
  };
  return {
    write: (chunk) => emit(typeof chunk === 'string' ? chunk : decoder.write(chunk)),
    end: () => {
      emit(decoder.end());
      if (rest.trim()) onLine(rest);
      rest = '';
    },
  };
}

/** Forwards a readable's lines to `log`, prefixed. */
export function forwardLines(stream: NodeJS.ReadableStream | null | undefined, log: (line: string) => void, prefix: () => string): void {
  if (!stream) return;
  const reader = lineReader((line) => log(`${prefix()} ${line}`));
  stream.on('data', (chunk: Buffer) => reader.write(chunk));
  stream.on('end', () => reader.end());
}
