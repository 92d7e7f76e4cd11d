import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { point, report } from '@/testing/fixtures.js';
import { chromiumLaunchOptions, chromiumPath, needsNoSandbox } from './chromium.js';
import { CHART_IDS, exportPngs } from './png.js';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-png-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("PNG export's Chromium sandbox", () => {
  it('is off only as root or when KVSCOPE_CHROMIUM_NO_SANDBOX=1', () => {
    expect(needsNoSandbox(0, {})).toBe(true);
    expect(needsNoSandbox(1000, { KVSCOPE_CHROMIUM_NO_SANDBOX: '1' })).toBe(true);
    expect(needsNoSandbox(1000, {})).toBe(false);
    expect(needsNoSandbox(1000, { KVSCOPE_CHROMIUM_NO_SANDBOX: '0' })).toBe(false);
    // Windows has no uid: sandboxed.
    expect(needsNoSandbox(undefined, {})).toBe(false);
  });

  it('keeps the sandbox in the launch options unless it must go (Playwright drops it unless chromiumSandbox is true)', () => {
    const sandboxed = chromiumLaunchOptions(false);
    expect(sandboxed.chromiumSandbox).toBe(true);
    expect(sandboxed.args).not.toContain('--no-sandbox');
    expect(sandboxed.args).toContain('--disable-gpu');
    const root = chromiumLaunchOptions(true);
    expect(root.chromiumSandbox).toBe(false);
    expect(root.args).toEqual(['--no-sandbox', ...sandboxed.args]);
  });
});

describe('PNG export', () => {
  it('names one file per chart of the HTML report', () => {
    expect(CHART_IDS).toEqual(['memory', 'decode', 'savings']);
  });

  it.skipIf(chromiumPath() === null)("screenshots each chart's card of the HTML report", async () => {
    const pts = [64, 256, 1024].flatMap((c) => [point({ variant: 'mha', context: c }), point({ variant: 'mla-absorbed', context: c })]);
    const files = await exportPngs([report(pts)], join(dir, 'r.png'));
    expect(files).toEqual(CHART_IDS.map((id) => join(dir, `r-${id}.png`)));
    for (const f of files) {
      const png = readFileSync(f);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      // the card at 2x: title and plot, not the bare canvas box (about 300 px tall at 1x)
      expect(png.readUInt32BE(20)).toBeGreaterThan(2 * 320);
      expect(existsSync(f)).toBe(true);
    }
  });
});
