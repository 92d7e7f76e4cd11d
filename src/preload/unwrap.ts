import type { Envelope } from '@/contract/api.js';

/** The answer of an envelope, or its error rethrown as a real Error (name and message kept). */
export function unwrap(answer: unknown): unknown {
  const a = answer as Envelope<unknown>;
  // `{ result: undefined }` reaches the bridge's page as `{}`.
  if (typeof a !== 'object' || a === null) throw new Error('malformed IPC answer');
  if ('error' in a) {
    const err = new Error(a.error.message);
    err.name = a.error.name;
    throw err;
  }
  return a.result;
}
