import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { point, report } from '@/testing/fixtures.js';
import { chromiumPath } from './chromium.js';
import { CHART_IDS, exportPngs } from './png.js';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-png-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
