/** Atomic writes and bounded reads (issue 11, items 4 and 10). */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { FileError, readBoundedFile, writeFileAtomic } from './files.js';

// fsyncSync is wrapped so the tests can see (and fail) the file and folder syncs.
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  return { ...real, fsyncSync: vi.fn(real.fsyncSync) };
});

const realFs = await vi.importActual<typeof fs>('node:fs');
const dir = mkdtempSync(join(tmpdir(), 'kvscope-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.mocked(fs.fsyncSync).mockClear());

const leftovers = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith('.tmp'));
const errorOf = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
};

describe('writeFileAtomic', () => {
  it('writes the file, fsyncs it and its folder, and leaves no temp file', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, 'old');
    writeFileAtomic(path, 'new contents');
    expect(readFileSync(path, 'utf8')).toBe('new contents');
    expect(leftovers(dir)).toEqual([]);
    expect(vi.mocked(fs.fsyncSync)).toHaveBeenCalledTimes(2); // the file, then the folder
  });
  it('a folder that refuses fsync (EINVAL, EISDIR, EPERM on some platforms) is not an error', () => {
    const path = join(dir, 'nofsync.json');
    vi.mocked(fs.fsyncSync)
      .mockImplementationOnce(realFs.fsyncSync)
      .mockImplementationOnce(() => {
        throw Object.assign(new Error('EINVAL: invalid argument, fsync'), { code: 'EINVAL' });
      });
    writeFileAtomic(path, 'x');
    expect(vi.mocked(fs.fsyncSync)).toHaveBeenCalledTimes(2);
    expect(readFileSync(path, 'utf8')).toBe('x');
  });
  it('a failed file fsync removes the temp file, keeps the old file, and names the destination', () => {
    const path = join(dir, 'eio.json');
    writeFileSync(path, 'old');
    vi.mocked(fs.fsyncSync).mockImplementationOnce(() => {
      throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    });
    const e = errorOf(() => writeFileAtomic(path, 'new'));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toBe(`cannot write ${path}: EIO`);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(leftovers(dir)).toEqual([]);
  });
  it('a failed rename (the destination is a folder) removes the temp file and names the destination', () => {
    const path = join(dir, 'a-folder');
    mkdirSync(join(path, 'inside'), { recursive: true });
    const e = errorOf(() => writeFileAtomic(path, 'x'));
    expect(e.message).toMatch(new RegExp(`^cannot write ${path}: E[A-Z]+$`));
    expect(e.message).not.toMatch(/\.tmp/);
    expect(leftovers(dir)).toEqual([]);
  });
  it.each([
    ['/proc/kvscope-x.json', 'ENOENT'],
    ['afile/x.json', 'ENOTDIR'], // the parent is a regular file: fails for root too
  ])('%s: "cannot write <destination>: %s"', (p, code) => {
    writeFileSync(join(dir, 'afile'), '');
    const path = p.startsWith('/') ? p : join(dir, p);
    if (p.startsWith('/proc') && process.platform !== 'linux') return;
    expect(errorOf(() => writeFileAtomic(path, 'x')).message).toBe(`cannot write ${path}: ${code}`);
  });
});

describe('readBoundedFile', () => {
  const limits = { maxBytes: 1024, kind: 'report' };
  it('reads a regular file within the limit', () => {
    const path = join(dir, 'small.txt');
    writeFileSync(path, 'hello');
    expect(readBoundedFile(path, limits).toString()).toBe('hello');
    writeFileSync(path, 'x'.repeat(1024));
    expect(readBoundedFile(path, limits).length).toBe(1024);
  });
  it('refuses a file over the limit before reading it, naming the file, size, limit and kind', () => {
    const path = join(dir, 'huge.json');
    writeFileSync(path, '');
    truncateSync(path, 8 * 2 ** 30); // sparse 8 GiB: reading it would take minutes and all memory
    const e = errorOf(() => readBoundedFile(path, { maxBytes: 64 * 2 ** 20, kind: 'report' }));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toBe(`report ${path} is 8589934592 bytes (8192.0 MiB), over the report limit of 67108864 bytes (64.0 MiB)`);
    rmSync(path);
  });
  it('refuses a directory', () => {
    expect(errorOf(() => readBoundedFile(dir, limits)).message).toBe(`cannot read report ${dir}: it is a directory, not a regular file`);
  });
  it.runIf(process.platform !== 'win32')('refuses /dev/zero without reading it', () => {
    expect(errorOf(() => readBoundedFile('/dev/zero', limits)).message).toBe('cannot read report /dev/zero: it is a character device, not a regular file');
  });
  it.runIf(process.platform !== 'win32')('refuses a FIFO without hanging (no writer ever opens it)', () => {
    const fifo = join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    expect(errorOf(() => readBoundedFile(fifo, limits)).message).toBe(`cannot read report ${fifo}: it is a FIFO, not a regular file`);
  });
  it('a missing file names the file and the OS code; a label replaces the path', () => {
    const path = join(dir, 'none.json');
    expect(errorOf(() => readBoundedFile(path, limits)).message).toBe(`cannot read report ${path}: ENOENT`);
    expect(errorOf(() => readBoundedFile(path, { ...limits, label: 'none.json' })).message).toBe('cannot read report none.json: ENOENT');
  });
});
