/**
 * ONNX files main chose (its open dialog, or a dropped file the preload named and main checked),
 * each behind an opaque random token: the renderer names a file by token only, so no path it made
 * up reaches the engine. Tokens live in this process's memory: a restarted main knows none.
 */
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { extname, isAbsolute } from 'node:path';

export class OnnxFileError extends Error {
  override name = 'OnnxFileError';
}

/** Tokens kept; the oldest go first (one per import, so this is many sessions' worth). */
const MAX_FILES = 256;

export class OnnxFiles {
  #paths = new Map<string, string>();

  /** A new token for a path main chose. */
  grant(path: string): string {
    const token = randomUUID();
    this.#paths.set(token, path);
    if (this.#paths.size > MAX_FILES) this.#paths.delete(this.#paths.keys().next().value!);
    return token;
  }

  /** A token for a dropped file's path, once it is an absolute path to a regular .onnx file. */
  grantDropped(path: string): string {
    if (!isAbsolute(path) || extname(path).toLowerCase() !== '.onnx') throw new OnnxFileError(`${path}: not an .onnx file`);
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) throw new OnnxFileError(`${path}: not a regular file`);
    return this.grant(path);
  }

  /** The path behind a token; an unknown token is refused. */
  path(token: string): string {
    const path = this.#paths.get(token);
    if (path === undefined) throw new OnnxFileError('unknown ONNX file token: open or drop the file again');
    return path;
  }
}
