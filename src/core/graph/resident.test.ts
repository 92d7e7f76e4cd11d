import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheFillValues, layoutResident, removeStaleScratch, SCRATCH_HOST, scratchDir, WRITE_CHUNK_BYTES, writeResidentFile } from './resident.js';

const root = mkdtempSync(join(tmpdir(), 'kvscope-stale-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string): string {
  const p = join(root, name);
  mkdirSync(p);
  writeFileSync(join(p, 'cache.bin'), Buffer.alloc(1024));
  return p;
}

describe('scratch folders', () => {
  it("removes folders of kvscope processes that died, and keeps live ones' and foreign ones", () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // has exited
    const stale = folder(`kvscope-run-${SCRATCH_HOST}-${dead}-AbC123`);
    const mine = folder(`kvscope-run-${SCRATCH_HOST}-${process.pid}-XyZ789`);
    const live = folder(`kvscope-probe-${SCRATCH_HOST}-1-Qwe456`); // pid 1 runs
    const otherHost = folder(`kvscope-run-othercontainer-${dead}-AbC123`); // another pid namespace
    const foreign = folder(`something-${dead}-else`);
    expect(removeStaleScratch([root])).toEqual([stale]);
    expect(existsSync(stale)).toBe(false);
    for (const kept of [mine, live, otherHost, foreign]) expect(existsSync(kept)).toBe(true);
  });
  it('names a new folder with its purpose and this pid', () => {
    const dir = scratchDir('test', 1024);
    try {
      expect(dir).toMatch(new RegExp(`[/\\\\]kvscope-test-${SCRATCH_HOST}-${process.pid}-[A-Za-z0-9]{6}$`));
      expect(existsSync(dir)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('transposed resident tensors', () => {
  // stored [n, j, i] of stored dims [N, a, b] holds the logical [n, i, j] (logical dims [N, b, a])
  const storedIndexOfLogical = (N: number, a: number, b: number): Int32Array => {
    const map = new Int32Array(N * a * b);
    for (let n = 0; n < N; n++) for (let i = 0; i < b; i++) for (let j = 0; j < a; j++) map[n * a * b + j * b + i] = n * a * b + i * a + j;
    return map;
  };

  it('an fp32 cache stored transposed holds the logical fill values, across write chunks', () => {
    // 2 x 128 stored rows of 10,000 fp32 values: 10.2 MB, more than one write chunk, rows not
    // aligned to it; a row repeats every 2,048 values (a = 128), so most of it is copied along
    const [N, a, b] = [2, 128, 10_000];
    expect(N * a * b * 4).toBeGreaterThan(WRITE_CHUNK_BYTES);
    const { tensors } = layoutResident([{ name: 'vt', role: 'cache', layer: 0, type: 'fp32', dims: [N, a, b], fillKey: 'cache/v/l0', transposed: true }]);
    const path = join(root, 'vt.bin');
    writeResidentFile(path, tensors, 7);
    const stored = new Float32Array(readFileSync(path).buffer.slice(0, N * a * b * 4));
    const logical = Float32Array.from(cacheFillValues('cache/v/l0', 0, N * a * b, 7));
    const map = storedIndexOfLogical(N, a, b);
    let wrong = 0;
    for (let k = 0; k < stored.length; k++) if (stored[k] !== logical[map[k]!]) wrong++;
    expect(wrong).toBe(0);
  });

  it.each([
    [2, 24, 3000], // a row's period (65,536 values) is longer than the row
    [2, 64, 9000], // the period (8,192) is shorter, and the row is not a whole number of them
  ])('an fp16 tensor stored transposed as [%i, %i, %i] is the transpose of the same tensor stored plainly', (N, a, b) => {
    const { tensors } = layoutResident([
      { name: 'plain', role: 'weight', layer: 0, type: 'fp16', dims: [N, b, a], fillKey: 'w/up' },
      { name: 't', role: 'weight', layer: 0, type: 'fp16', dims: [N, a, b], fillKey: 'w/up', transposed: true },
    ]);
    const path = join(root, 'w.bin');
    writeResidentFile(path, tensors, 3);
    const bytes = readFileSync(path);
    const at = (t: (typeof tensors)[number]): Uint16Array =>
      new Uint16Array(bytes.buffer.slice(bytes.byteOffset + t.offset, bytes.byteOffset + t.offset + t.length));
    const plain = at(tensors[0]!);
    const stored = at(tensors[1]!);
    const map = storedIndexOfLogical(N, a, b);
    let wrong = 0;
    for (let k = 0; k < stored.length; k++) if (stored[k] !== plain[map[k]!]) wrong++;
    expect(wrong).toBe(0);
    // and not trivially: the values vary
    expect(new Set(stored.subarray(0, 1000)).size).toBeGreaterThan(100);
  });
});
