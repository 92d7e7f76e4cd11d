/**
 * File input and output that can neither lose data nor be made to hang or blow up memory
 * (pure Node, unit-tested in files.test.ts).
 *
 * - writeFileAtomic: a temp file in the destination's folder, fsync, rename, fsync the folder.
 *   A crash leaves the old file or the new one, never half of one; a failure removes the temp
 *   file; errors name the destination and the OS code.
 * - readBoundedFile: stat the opened file before reading; anything that is not a regular file
 *   (a FIFO, /dev/zero, a directory) is refused, and so is a file over the limit of its kind,
 *   before a byte is read.
 *
 * Documented limits per kind of file (a report's is MAX_REPORT_BYTES in src/core/report/report.ts):
 * - MAX_CONFIG_BYTES, 16 MiB: a Hugging Face config.json or a kvscope custom-model file is a few KiB.
 * - MAX_ONNX_BYTES, 2 GiB: protobuf caps a serialized message (the .onnx file) at 2 GiB; larger
 *   models keep their weights as external data next to it, which kvscope never reads itself.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Largest config.json (or kvscope custom-model JSON) kvscope reads. */
export const MAX_CONFIG_BYTES = 16 * 2 ** 20;
/** Largest .onnx file kvscope reads: protobuf's 2 GiB message limit. */
export const MAX_ONNX_BYTES = 2 * 2 ** 30;

/** A read or write that failed; the message names the file (never a temp file) and the reason. */
export class FileError extends Error {
  override name = 'FileError';
  constructor(
    message: string,
    readonly path: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const codeOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;
const reasonOf = (e: unknown): string => codeOf(e) ?? (e as Error).message;

/** Folder fsync is refused on some platforms (Windows, some network file systems): nothing more to do there. */
const FOLDER_FSYNC_UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'ENOTSUP', 'EBADF']);

function fsyncFolder(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (e) {
    if (FOLDER_FSYNC_UNSUPPORTED.has(codeOf(e) ?? '')) return;
    throw e;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    if (!FOLDER_FSYNC_UNSUPPORTED.has(codeOf(e) ?? '')) throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a file atomically and durably: the temp file sits in the same folder (a rename across
 * file systems is not atomic), is fsynced before the rename, and the folder is fsynced after it
 * so the rename itself survives a power cut. Throws FileError "cannot write <path>: <code>".
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  // a name that stays under NAME_MAX (255) whatever the destination is called
  const tmp = join(dir, `.${basename(path).slice(0, 200)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | null = null;
  let renamed = false;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let off = 0; off < bytes.byteLength;) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
    renamed = true;
    fsyncFolder(dir);
  } catch (e) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the write error below is the one to report
      }
    }
    if (!renamed) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // nothing more can be done; the write error below is the one to report
      }
    }
    throw new FileError(`cannot write ${path}: ${reasonOf(e)}`, path, codeOf(e), { cause: e });
  }
}

function whatIs(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 3 : 1)} MiB`;

/** Reads until `buf` is full or the file ends; returns the bytes read. */
function readFully(fd: number, buf: Buffer): number {
  let n = 0;
  while (n < buf.length) {
    const got = readSync(fd, buf, n, buf.length - n, null);
    if (got === 0) break;
    n += got;
  }
  return n;
}

export interface BoundedRead {
  /** Largest size accepted, in bytes; a larger file is refused before it is read. */
  maxBytes: number;
  /** What the file should be, for messages: "report", "config file", "ONNX model". */
  kind: string;
  /** How messages name the file (default: its path). */
  label?: string;
}

/**
 * Reads a whole regular file of at most `maxBytes`. The file is opened without blocking (a FIFO
 * cannot hang the open), checked with fstat on that same descriptor (no swap between the check
 * and the read), and read with a hard cap, so a file that grows meanwhile is refused too.
 * Throws FileError naming the file, and for a size refusal its size, the limit and the kind.
 */
export function readBoundedFile(path: string, opts: BoundedRead): Buffer {
  const label = opts.label ?? path;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new FileError(`cannot read ${opts.kind} ${label}: ${reasonOf(e)}`, path, codeOf(e), { cause: e });
  }
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) {
      throw new FileError(`cannot read ${opts.kind} ${label}: it is ${whatIs(s)}, not a regular file`, path, undefined);
    }
    const tooBig = (size: number): FileError =>
      new FileError(
        `${opts.kind} ${label} is ${size} bytes (${mib(size)}), over the ${opts.kind} limit of ${opts.maxBytes} bytes (${mib(opts.maxBytes)})`,
        path,
        undefined,
      );
    if (s.size > opts.maxBytes) throw tooBig(s.size);
    // One byte more than the stat size tells a file that grew since the fstat from one that did not.
    const first = Buffer.allocUnsafe(Math.min(opts.maxBytes, s.size) + 1);
    const n = readFully(fd, first);
    if (n < first.length) return first.subarray(0, n);
    const chunks = [first];
    let total = n;
    while (total <= opts.maxBytes) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const got = readFully(fd, chunk);
      chunks.push(chunk.subarray(0, got));
      total += got;
      if (got < chunk.length) break;
    }
    if (total > opts.maxBytes) throw tooBig(total);
    return Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new FileError(`cannot read ${opts.kind} ${label}: ${reasonOf(e)}`, path, codeOf(e), { cause: e });
  } finally {
    closeSync(fd);
  }
}
