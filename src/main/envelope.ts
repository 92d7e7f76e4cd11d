/** Runs an IPC handler and wraps its outcome in the contract's envelope. Pure, for tests. */
import { toSerializedError, type Envelope } from '@/contract/api.js';

export async function envelope<T>(work: () => T | Promise<T>): Promise<Envelope<T>> {
  try {
    return { result: await work() };
  } catch (err) {
    return { error: toSerializedError(err) };
  }
}
