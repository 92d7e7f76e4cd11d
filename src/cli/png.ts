/**
 * PNG export of a report's charts: the standalone HTML report (the app's charts and colours)
 * rendered in a local headless Chromium (playwright-core drives it; no browser is downloaded),
 * each chart screenshotted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Report } from '@/contract/schemas.js';
import { REPORT_CHARTS } from '@/present/chart-report.js';
import { toHtml } from '@/core/report/html.js';
import { UsageError } from './args.js';
import { CHROMIUM_LAUNCH, chromiumPath } from './chromium.js';

/** File suffixes: the report's chart canvases (chart-memory, chart-decode, chart-savings). */
export const CHART_IDS: readonly string[] = REPORT_CHARTS.map(({ canvas }) => canvas.replace(/^chart-/, ''));

export function findChromium(): string {
  const found = chromiumPath();
  if (found) return found;
  throw new UsageError('PNG export renders the charts in Chromium, and none was found: install chromium or set KVSCOPE_CHROMIUM, or export --format html');
}

/** Writes `<base>-memory.png`, `<base>-decode.png`, `<base>-savings.png`; returns the paths. */
export async function exportPngs(reports: Report[], base: string): Promise<string[]> {
  const executablePath = findChromium();
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'kvscope-png-'));
  const browser = await chromium.launch({ executablePath, ...CHROMIUM_LAUNCH }).catch((err: unknown) => {
    if (!CHROMIUM_LAUNCH.chromiumSandbox) throw err;
    throw new Error(`${(err as Error).message}\nChromium did not start with its sandbox; where it cannot have one, set KVSCOPE_CHROMIUM_NO_SANDBOX=1`);
  });
  try {
    const html = join(dir, 'report.html');
    writeFileSync(html, toHtml(reports));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 2 });
    await page.route(/^(?!file:)/, (route) => route.abort()); // offline: nothing but the file itself
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-charts-ready="true"]', { timeout: 15000 });
    const out: string[] = [];
    for (const id of CHART_IDS) {
      const path = `${base.replace(/\.png$/i, '')}-${id}.png`;
      // the chart's card: its title and the plot
      await page.locator('.chart', { has: page.locator(`#chart-${id}`) }).screenshot({ path });
      out.push(path);
    }
    return out;
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
