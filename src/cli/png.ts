/**
 * PNG export of a report's charts: the standalone HTML report rendered in a local headless
 * Chromium (playwright-core drives it; no browser is downloaded), each chart screenshotted.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Report } from '../contract/schemas.js';
import { toHtml } from '../core/report/html.js';
import { UsageError } from './args.js';

export const CHART_IDS = ['memory', 'decode', 'savings'] as const;

export function findChromium(): string {
  const candidates = [
    process.env.KVSCOPE_CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new UsageError('PNG export renders the charts in Chromium, and none was found: install chromium or set KVSCOPE_CHROMIUM, or export --format html');
}

/** Writes `<base>-memory.png`, `<base>-decode.png`, `<base>-savings.png`; returns the paths. */
export async function exportPngs(reports: Report[], base: string): Promise<string[]> {
  const executablePath = findChromium();
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'kvscope-png-'));
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
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
      await page.locator(`#chart-${id}`).locator('..').screenshot({ path });
      out.push(path);
    }
    return out;
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
