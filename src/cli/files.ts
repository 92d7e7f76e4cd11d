/** Files the CLI reads from its arguments, with errors that name the file (exit 2). */
import { MAX_CONFIG_BYTES, readBoundedFile } from '@/core/io/files.js';
import { UsageError } from './args.js';

/**
 * A file's bytes, or a UsageError naming the file and the OS's reason. Only regular files of
 * at most `maxBytes` are read (checked before reading): MAX_CONFIG_BYTES (16 MiB) for config
 * files, MAX_ONNX_BYTES (2 GiB) for ONNX models; see src/core/io/files.ts.
 */
export function readFileOrUsage(path: string, what: string, maxBytes: number): Buffer {
  try {
    return readBoundedFile(path, { maxBytes, kind: what });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function readJsonFile(path: string, what: string): unknown {
  const text = readFileOrUsage(path, what, MAX_CONFIG_BYTES).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}
