/**
 * The standalone HTML report's charts: the app's chart code bundled in (offline, no external
 * script), the app's colours, ratios on a log axis, MHA matched per batch. The Chromium test
 * opens the file headless and reads what chart.js drew (data attributes on each canvas).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS } from '@/cli/chromium.js';
import type { ChartInputs } from '@/present/chart-data.js';
import { REPORT_CHARTS, reportCharts } from '@/present/chart-report.js';
import { VARIANT_COLORS } from '@/present/colors.js';
import { VARIANT_LABELS } from '@/present/variants.js';
import { point, report } from '@/testing/fixtures.js';
import { toHtml } from './html.js';
import { reportChartsScript, scriptSafe } from './report-charts.js';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** MHA and GQA at two batches over three contexts; GQA is 2x faster at b1 and 4x at b4. */
function twoBatches(): ReturnType<typeof report> {
  const points = [1, 4].flatMap((batch) =>
    [256, 1024, 4096].flatMap((context) =>
      (['mha', 'gqa'] as const).map((variant) => {
        const p = point({ variant, context, batch, id: `decode/${variant}/fp32/b${batch}/t${context}` });
        const ms = (context / 1000) * batch * (variant === 'mha' ? 1 : batch === 1 ? 0.5 : 0.25);
        return { ...p, timing: { ...p.timing!, medianMs: ms, perLayerMs: ms, modelMs: ms * 8, samplesMs: [ms] } };
      }),
    ),
  );
  return { ...report(points), model: { ...report([]).model, name: '</script><script>alert(1)</script>' } };
}

describe('HTML report charts', () => {
  const html = toHtml([twoBatches()]);

  it('inlines the bundled chart code: no external script, no network source', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1]!.trim());
    expect(scripts).toEqual(['type="application/json" id="kvscope-data"', '']);
    expect(html).not.toMatch(/\bsrc\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toContain(reportChartsScript());
    // the app's chart code, not a hand-written copy: its error-bar plugin and chart titles
    expect(reportChartsScript()).toContain('kvscopeErrorBars');
    expect(reportChartsScript()).toContain('Savings vs MHA');
    for (const { canvas } of REPORT_CHARTS) expect(html).toContain(`<canvas id="${canvas}"`);
    // one script element for all of it (about chart.js's own size, not several copies)
    expect(html.length).toBeLessThan(400_000);
  });

  it('a hostile report string stays data: escaped in the page, inert in the JSON', () => {
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    // exactly the two closing tags of the two script elements
    expect(html.match(/<\/script/gi)).toHaveLength(2);
  });

  it('the embedded inputs give each batch its own ratio vs MHA (2x at b1, 4x at b4), not one per context', () => {
    const json = /<script type="application\/json" id="kvscope-data">(.*?)<\/script>/s.exec(html)![1]!;
    const { charts } = JSON.parse(json) as { charts: ChartInputs[] };
    const savings = reportCharts(charts).find((c) => c.canvas === 'chart-savings')!.model;
    expect(savings.series.find((s) => s.label === 'GQA b1 speed ×')!.data.map((d) => d.y)).toEqual([2, 2, 2]);
    expect(savings.series.find((s) => s.label === 'GQA b4 speed ×')!.data.map((d) => d.y)).toEqual([4, 4, 4]);
    // no raw samples in the page: they stay in the JSON report
    expect(charts[0]!.points.every((p) => p.timing?.samplesMs === null)).toBe(true);
  });

  it('scriptSafe leaves no way out of the script element', () => {
    expect(scriptSafe('a="</script><!--"')).toBe('a="\\x3C/script>\\x3C!--"');
    expect(scriptSafe('x="</SCRIPT>"')).not.toMatch(/<\/script/i);
    // and the code means the same: in strings, templates and regular expressions (even /u)
    const code = 'return ["</script>", `<!--`, /<\\/script>/u.test("</script>"), /a<!--/.test("a<!--")]';
    expect(new Function(scriptSafe(code))()).toEqual(new Function(code)());
  });

  it.skipIf(!existsSync(process.env.KVSCOPE_CHROMIUM ?? '/usr/bin/chromium'))(
    "renders the app's charts in Chromium: app colours, a log ratio axis, one ratio per batch",
    async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: process.env.KVSCOPE_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const requests: string[] = [];
        const errors: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        page.on('pageerror', (e) => errors.push(e.message));
        await page.route(/^(?!file:)/, (route) => route.abort());
        const path = join(dir, 'report.html');
        writeFileSync(path, html);
        await page.goto(`file://${path}`);
        await page.waitForSelector('body[data-charts-ready="true"]', { timeout: 10_000 });
        expect(errors).toEqual([]);
        expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);

        const read = (id: string) =>
          page.$eval(`#${id}`, (c) => {
            const el = c as unknown as { dataset: Record<string, string | undefined>; toDataURL(): string };
            return { values: el.dataset.values, yScale: el.dataset.yScale, series: el.dataset.series, png: el.toDataURL().length };
          });
        for (const { canvas } of REPORT_CHARTS) {
          const c = await read(canvas);
          expect(Number(c.values), canvas).toBeGreaterThan(0);
          expect(c.png, canvas).toBeGreaterThan(3000);
        }
        const titles = await page.$$eval('.chart-title', (ts) => ts.map((t) => t.textContent));
        expect(titles).toEqual([
          'KV-cache memory vs context (whole model)',
          'Decode step time vs context (scaled to all layers)',
          'Savings vs MHA (memory ratio, speed ratio)',
        ]);

        const savings = await read('chart-savings');
        expect(savings.yScale).toBe('logarithmic');
        const series = JSON.parse(savings.series!) as [string, string][];
        expect(series).toEqual(
          expect.arrayContaining([
            ['GQA b1 speed ×', VARIANT_COLORS.light.gqa],
            ['GQA b4 speed ×', VARIANT_COLORS.light.gqa],
          ]),
        );
        // the colours are the app's, per variant (GQA does not take MHA's)
        const step = JSON.parse((await read('chart-decode')).series!) as [string, string][];
        expect(step).toEqual([
          [`${VARIANT_LABELS.mha} b1`, VARIANT_COLORS.light.mha],
          [`${VARIANT_LABELS.mha} b4`, VARIANT_COLORS.light.mha],
          [`${VARIANT_LABELS.gqa} b1`, VARIANT_COLORS.light.gqa],
          [`${VARIANT_LABELS.gqa} b4`, VARIANT_COLORS.light.gqa],
        ]);
        // a dark system theme: the dark set of the same colours
        const dark = await browser.newPage({ colorScheme: 'dark' });
        await dark.route(/^(?!file:)/, (route) => route.abort());
        await dark.goto(`file://${path}`);
        await dark.waitForSelector('body[data-charts-ready="true"]', { timeout: 10_000 });
        const darkStep = JSON.parse((await dark.$eval('#chart-decode', (c) => (c as unknown as { dataset: { series: string } }).dataset.series)) ?? '[]') as [
          string,
          string,
        ][];
        expect(darkStep.map(([, color]) => color)).toEqual([
          VARIANT_COLORS.dark.mha,
          VARIANT_COLORS.dark.mha,
          VARIANT_COLORS.dark.gqa,
          VARIANT_COLORS.dark.gqa,
        ]);
      } finally {
        await browser.close();
      }
    },
  );
});
