import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeStaleScratch, SCRATCH_HOST, scratchDir } from './resident.js';

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
