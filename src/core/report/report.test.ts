import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report, SweepConfigInput } from '@/contract/schemas.js';
import { CHROMIUM_ARGS } from '@/cli/chromium.js';
import { runSweep } from '../measure/runner.js';
import { testProviders } from '../testing/providers.js';
import { point as fixturePoint, report as fixtureReport } from '@/testing/fixtures.js';
import { changeText, intervalText, noiseSummary } from '@/present/timing.js';
import { compareReports } from './compare.js';
import { CSV_COLUMNS, parseCsv, toCsv } from './csv.js';
import { escapeHtml, jsonForScript, toHtml } from './html.js';
import { MAX_REPORT_BYTES, parseReport, readReport, ReportError, writeReport } from './report.js';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const probes = { bandwidthGBs: 10, gflops: 50, bandwidthMethod: 'test', gflopsMethod: 'test', emptyRunMs: 0.01 };
const config = (provider: 'cpu' | 'webgpu'): SweepConfigInput => ({
  model: { source: 'custom', name: 'tiny <b>model</b>', attention: { kind: 'gqa', numHeads: 8, numKvHeads: 2, headDim: 32 }, numLayers: 4, maxContext: null },
  variants: ['mha', 'gqa', 'mla-absorbed'],
  contexts: [128, 512],
  provider,
  budgetSeconds: 0.05,
});

let cpu: Report;
beforeAll(async () => {
  cpu = await runSweep(config('cpu'), { runId: 'a', probes, onEvent: () => {} });
});

describe('round trips', () => {
  it('sweep -> JSON -> reopen gives identical figures', () => {
    const path = join(dir, 'r.json');
    writeReport(path, cpu);
    expect(readReport(path)).toEqual(cpu);
    expect(existsSync(`${path}.${process.pid}.tmp`)).toBe(false);
  });
  it('CSV parses back to the same numbers, one row per point, units in the column names', () => {
    const rows = parseCsv(toCsv(cpu));
    expect(rows[0]).toEqual(CSV_COLUMNS.map(([n]) => n));
    expect(rows[0]).toContain('median_ms');
    expect(rows).toHaveLength(cpu.points.length + 1);
    const col = (name: string): number => rows[0]!.indexOf(name);
    cpu.points.forEach((p, i) => {
      const r = rows[i + 1]!;
      expect(r[col('id')]).toBe(p.id);
      expect(Number(r[col('median_ms')])).toBe(p.timing!.medianMs);
      expect(Number(r[col('measured_delta_bytes')])).toBe(p.memory!.measuredDeltaBytes);
      expect(Number(r[col('roofline_efficiency')])).toBe(p.roofline!.efficiency);
    });
  });
  it('CSV quotes commas and quotes, and defuses formula cells', () => {
    const hostile = { ...cpu, points: [{ ...cpu.points[0]!, status: 'failed' as const, reason: '=HYPERLINK("x"), "quoted"\nline' }] };
    const rows = parseCsv(toCsv(hostile));
    expect(rows[1]![rows[0]!.indexOf('reason')]).toBe('\'=HYPERLINK("x"), "quoted"\nline');
  });
});

describe('HTML report', () => {
  it('escapes every string and embeds inert JSON', () => {
    const evil = {
      ...cpu,
      model: { ...cpu.model, name: '<script>alert(1)</script>' },
      incompleteReason: '</script><img src=x onerror=alert(2)>',
      complete: false,
    };
    const html = toHtml([evil]);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain("default-src 'none'");
    expect(jsonForScript({ a: '</script><!--' })).toBe('{"a":"\\u003c/script\\u003e\\u003c!--"}');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
  it('renders its charts in Chromium with the network disabled (screenshot in test-results/)', async (ctx) => {
    const chromium = process.env.KVSCOPE_CHROMIUM ?? '/usr/bin/chromium';
    if (!existsSync(chromium)) {
      if (process.env.CI === 'true') throw new Error(`CI needs Chromium at ${chromium}`);
      ctx.skip();
    }
    const { chromium: pw } = await import('playwright-core');
    const browser = await pw.launch({
      executablePath: chromium,
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.route(/^(?!file:)/, (route) => route.abort());
      const path = join(dir, 'report.html');
      writeFileSync(path, toHtml([cpu]));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${path}`);
      await page.waitForSelector('body[data-charts-ready="true"]', { timeout: 15000 });
      // each canvas has pixels drawn
      const drawn = await page.$$eval('canvas', (cs) => cs.map((c) => (c as unknown as { toDataURL(): string }).toDataURL().length));
      expect(drawn).toHaveLength(3);
      for (const n of drawn) expect(n).toBeGreaterThan(3000);
      expect(await page.locator('tbody tr').count()).toBe(cpu.points.length);
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      await page.screenshot({ path: join('test-results', 'html-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

describe('compare', () => {
  it('aligns real CPU and WebGPU reports point by point, with ratios', async () => {
    const providers = await testProviders();
    const other = providers.includes('webgpu')
      ? await runSweep(config('webgpu'), { runId: 'b', probes, onEvent: () => {} })
      : await runSweep(config('cpu'), { runId: 'b', probes, onEvent: () => {} });
    expect(other.provider.name).toBe(providers.includes('webgpu') ? 'webgpu' : 'cpu');
    const rows = compareReports([cpu, other]);
    expect(rows.map((r) => r.key)).toEqual(cpu.points.map((p) => `${p.mode} ${p.variant} ${p.dtype} b${p.batch} T=${p.context}`));
    for (const r of rows) {
      expect(r.medians.every((m) => m !== null && m > 0)).toBe(true);
      expect(r.ratios[0]).toBe(1);
      expect(r.ratios[1]).toBeCloseTo(r.medians[1]! / r.medians[0]!, 12);
      expect(r.kvBytes[0]).toBe(r.kvBytes[1]);
    }
    const html = toHtml([cpu, other]);
    expect(html).toContain('kvscope comparison of 2 reports');
  });
  it('BAD CALL - needs two reports', () => {
    expect(() => compareReports([cpu])).toThrow(/at least two reports/);
  });
});

describe('BAD CALL - broken and hostile report files', () => {
  const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(cpu));
  const cases: [string, () => string, RegExp][] = [
    ['empty file', () => '', /is not valid JSON .*truncated/],
    ['truncated', () => JSON.stringify(cpu).slice(0, 500), /is not valid JSON .*truncated/],
    ['not an object', () => '[1,2,3]', /not a kvscope report/],
    ['null', () => 'null', /not a kvscope report/],
    ["another tool's JSON", () => JSON.stringify({ name: 'x', version: 1 }), /not a kvscope report \(no "schema": "kvscope.report"\)/],
    ['newer version', () => JSON.stringify({ ...good(), version: 3 }), /report version 3; this kvscope reads versions up to 2: update kvscope/],
    ['version missing', () => JSON.stringify({ ...good(), version: undefined }), /report version undefined/],
    ['points not an array', () => JSON.stringify({ ...good(), points: 'lots' }), /points: .*expected array/],
    [
      'wrong type deep inside',
      () => {
        const g = good();
        (g.points as { context: unknown }[])[0]!.context = 'big';
        return JSON.stringify(g);
      },
      /points\.0\.context: .*expected number/,
    ],
    ['huge number (overflows to Infinity)', () => JSON.stringify(good()).replace(/"medianMs":[0-9.e-]+/, '"medianMs":1e999'), /points\.0\.timing\.medianMs/],
    [
      'unknown status',
      () => {
        const g = good();
        (g.points as { status: unknown }[])[0]!.status = 'great';
        return JSON.stringify(g);
      },
      /points\.0\.status/,
    ],
    ['script where a provider name goes', () => JSON.stringify({ ...good(), provider: { name: '<script>alert(1)</script>', options: {} } }), /provider\.name/],
    ['larger than any report', () => ' '.repeat(MAX_REPORT_BYTES + 1), /more than a report can be/],
  ];
  it.each(cases)('%s', (_, text, message) => {
    let err: unknown;
    try {
      parseReport(text(), 'r.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReportError);
    expect((err as Error).message).toMatch(message);
  });
  it('a missing file says so', () => {
    expect(() => readReport(join(dir, 'none.json'))).toThrow(/cannot read .*none\.json: ENOENT/);
  });
  it('unknown keys (prototype tricks included) are dropped, not trusted', () => {
    const text = JSON.stringify(good()).replace('{"schema"', '{"__proto__":{"polluted":true},"extra":1,"schema"');
    const r = parseReport(text) as unknown as Record<string, unknown>;
    expect(r.extra).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('HTML of a GPU report', () => {
  it('carries the notes the CLI and the app show', () => {
    const report = parseReport(readFileSync(new URL('../../../docs/measurements/h200-webgpu.json', import.meta.url), 'utf8'));
    const html = toHtml([report]);
    expect(html).toContain('<p class="note">Note: 3 point(s) beat their roofline (up to 392%, decode/mha/fp32/b1/t131072)');
    expect(html).toContain('<p class="note">Note: 14 decode point(s), up to 32768 tokens, take mostly what the same graph takes at 16 cached tokens');
  });
});

describe('CSV of a GPU report', () => {
  it('carries the device memory and its source (H200, docs/measurements)', () => {
    const report = parseReport(readFileSync(new URL('../../../docs/measurements/h200-webgpu.json', import.meta.url), 'utf8'));
    const [head, ...rows] = parseCsv(toCsv(report));
    const col = (name: string) => head!.indexOf(name);
    const mha = rows.find((r) => r[col('id')] === 'decode/mha/fp32/b1/t131072')!;
    expect(Number(mha[col('device_used_bytes')])).toBe(21645754368);
    expect(mha[col('device_memory_source')]).toBe('nvidia-smi --query-compute-apps (reserved by this process)');
    expect(Number(mha[col('analytic_cache_bytes')])).toBe(20480 * 2 ** 20);
  });
});

describe('report version 1, migrated on load (a real v1 report: the H200 sweep)', () => {
  const text = readFileSync(new URL('../../../docs/measurements/h200-webgpu.json', import.meta.url), 'utf8');
  it('is a version 1 file on disk', () => {
    expect((JSON.parse(text) as { version: number }).version).toBe(1);
  });
  const r = parseReport(text, 'h200-webgpu.json');
  it('opens as the current version, marked as migrated, samples shown as missing', () => {
    expect(r.version).toBe(2);
    expect(r.migratedFrom).toBe(1);
    const t = r.points.find((p) => p.timing)!.timing!;
    expect(t.samplesMs).toBeNull();
    expect(t.ci95Ms).toBeNull();
    expect(t.noisy).toBeNull();
    expect(intervalText(t)).toBe('n/a');
    expect(noiseSummary(r.points)).toMatch(/before version 2: no raw samples/);
  });
  it('compares without a verdict, and says why', () => {
    const rows = compareReports([r, r]);
    const timed = rows.find((x) => x.medians[0] !== null)!;
    expect(timed.ratios[1]).toBe(1);
    expect(timed.changes[1]).toEqual({ ratioCi95: null, verdict: null, why: expect.stringMatching(/raw samples missing/) });
    expect(changeText(timed.ratios[1]!, timed.changes[1]!)).toMatch(/^1\.00× \(no verdict: raw samples missing/);
  });
  it('exports as CSV and HTML, and saves as version 2', () => {
    expect(toCsv(r).split('\r\n')[0]).toMatch(/,median_ci95_lo_ms,median_ci95_hi_ms,/);
    expect(toHtml([r])).toMatch(/n\/a/);
    const reparsed = parseReport(JSON.stringify(r));
    expect(reparsed).toEqual(r);
  });
});

describe('comparisons say what is significant', () => {
  it('a report against itself: no significant difference on every timed point', () => {
    const rows = compareReports([cpu, cpu]).filter((x) => x.medians[0] !== null);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.changes[1]?.verdict).toBe('no significant difference');
  });
  it('a copy whose samples are 1.5x: slower on every timed point', () => {
    // A report whose rounds agree (fixtures: one round of 20 runs within +/-2%). A real sweep's
    // points here can have rounds far apart (tiny steps, 0.05 s budgets), and then 1.5x is,
    // rightly, not always significant.
    const base = fixtureReport([64, 128, 256].flatMap((c) => [fixturePoint({ variant: 'mha', context: c }), fixturePoint({ variant: 'mqa', context: c })]));
    const scaled = (r: Report, k: number): Report => ({
      ...r,
      points: r.points.map((p) =>
        p.timing ? { ...p, timing: { ...p.timing, medianMs: p.timing.medianMs * k, samplesMs: p.timing.samplesMs!.map((x) => x * k) } } : p,
      ),
    });
    const slow = scaled(base, 1.5);
    const rows = compareReports([base, slow]);
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row.changes[1]?.verdict).toBe('slower');
      expect(row.ratios[1]).toBeCloseTo(1.5, 6);
    }
    expect(compareReports([slow, base]).every((row) => row.changes[1]?.verdict === 'faster')).toBe(true);
    expect(toHtml([base, slow])).toMatch(/1\.50× \[1\.\d\d, 1\.\d\d\] slower/);
    // the real sweep: the ratio is exact, and the verdict is never 'faster'
    for (const row of compareReports([cpu, scaled(cpu, 1.5)]).filter((x) => x.medians[0] !== null)) {
      expect(row.ratios[1]).toBeCloseTo(1.5, 6);
      expect(row.changes[1]?.verdict).not.toBe('faster');
    }
  });
  it('is linear: two reports of 20,000 points each compare in well under a second', () => {
    const many = { ...cpu, points: Array.from({ length: 20000 }, (_, i) => ({ ...cpu.points[0]!, id: `p${i}`, context: i + 1 })) };
    const t = performance.now();
    const rows = compareReports([many, many]);
    expect(rows).toHaveLength(20000);
    expect(rows[0]!.changes[1]).toMatchObject({ verdict: null, why: expect.stringMatching(/too many samples in all/) });
    expect(performance.now() - t).toBeLessThan(5000);
  });
});
