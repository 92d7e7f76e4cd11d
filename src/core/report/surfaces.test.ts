/**
 * One per-point registry (src/present/fields.ts) and one answer (src/present/answer.ts) behind
 * every surface: the CLI table, the CSV, the HTML report and the app's results.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Point } from '@/contract/schemas.js';
import { answer as cliAnswer, summaryTable } from '@/cli/format.js';
import { answer } from '@/present/answer.js';
import { CSV_ORDER, FIELDS } from '@/present/fields.js';
import { savingsVsMha } from '@/present/savings.js';
import { point, report } from '@/testing/fixtures.js';
import { TWICE_CONTEXT as twice, withField } from '@/testing/fields.js';
import { CSV_COLUMNS, parseCsv, toCsv } from './csv.js';
import { escapeHtml, htmlTable, toHtml } from './html.js';
import { parseReport } from './report.js';

const h200 = parseReport(readFileSync(new URL('../../../docs/measurements/h200-webgpu.json', import.meta.url), 'utf8'));
const sweep = report([64, 128].flatMap((c) => [point({ variant: 'mha', context: c }), point({ variant: 'mla-absorbed', context: c })]));

// The app's surface (its results table's column model) is checked with the same field in
// src/renderer/src/lib/table.test.ts: tsconfig keeps the renderer and Node code apart.
describe('a field added to the registry', () => {
  const onSurfaces = () => {
    const cli = summaryTable(sweep).split('\n');
    const [csvHead, ...csvRows] = parseCsv(toCsv(sweep));
    const html = toHtml([sweep]);
    return {
      cli: cli[0]!.includes('twice ctx') && cli.slice(1).every((l, i) => l.includes(`twice=${sweep.points[i]!.context * 2}`)),
      csv: csvHead!.at(-1) === 'twice_context_tokens' && csvRows.every((r, i) => r.at(-1) === String(sweep.points[i]!.context * 2)),
      html: html.includes('<th>twice ctx</th>') && html.includes('<td>twice=128</td>') && html.includes('<td>twice=256</td>'),
    };
  };

  it('is absent before', () => {
    expect(onSurfaces()).toEqual({ cli: false, csv: false, html: false });
  });

  it('shows on the CLI table, the CSV and the HTML table with no other edit (one registry entry; the code that measures it is the other file)', () => {
    withField(FIELDS, twice, () => {
      expect(onSurfaces()).toEqual({ cli: true, csv: true, html: true });
      // the CSV grows at the end only: every column users' parsers know keeps its place
      expect(parseCsv(toCsv(sweep))[0]!.slice(0, -1)).toEqual(CSV_COLUMNS.map(([n]) => n));
    });
    expect(onSurfaces()).toEqual({ cli: false, csv: false, html: false });
  });

  it('shows where its surfaces say, and nowhere else', () => {
    withField(FIELDS, { ...twice, surfaces: ['app'] }, () => {
      expect(summaryTable(sweep)).not.toContain('twice');
      expect(toCsv(sweep)).not.toContain('twice');
      expect(htmlTable(sweep)).not.toContain('twice');
    });
  });
});

describe('the registry', () => {
  it('keeps the CSV columns and their order exactly as before the registry', () => {
    expect(CSV_COLUMNS.map(([n]) => n)).toEqual(CSV_ORDER);
    expect(new Set(FIELDS.map((f) => f.id)).size).toBe(FIELDS.length);
  });
  it('gives every field a label, a title and a getter, and every CSV field a column name', () => {
    for (const f of FIELDS) {
      expect(f.label.length, f.id).toBeGreaterThan(0);
      expect(f.title.length, f.id).toBeGreaterThan(0);
      if (f.surfaces.includes('csv')) expect(f.csv, f.id).toMatch(/^[a-z0-9_]+$/);
    }
  });
  it('puts the same header and cell text on the CLI and the HTML table', () => {
    const cli = summaryTable(h200).split('\n');
    const head = cli[0]!.split(/ {2,}/);
    const row = cli.find((l) => l.startsWith('decode mla-absorbed fp32 b1 T=131072 '))!.split(/ {2,}/);
    const html = htmlTable(h200);
    for (const id of ['perLayerMs', 'efficiency', 'memorySaved', 'speedup']) {
      const f = FIELDS.find((x) => x.id === id)!;
      expect(html).toContain(`<th>${escapeHtml(f.label)}</th>`);
      expect(html).toContain(`<td>${escapeHtml(row[head.indexOf(f.label)]!)}</td>`);
    }
  });
});

describe('savings against MHA: one definition, one direction', () => {
  it('is MHA over the variant, matched on mode, dtype, batch and context', () => {
    const mha = (over: Partial<Point>) => point({ variant: 'mha', context: 256, ...over });
    const points = [
      mha({}),
      point({ variant: 'mqa', context: 256 }),
      // same context, another batch or dtype or mode: never the MHA point to compare with
      point({ variant: 'mqa', context: 256, batch: 2, id: 'decode/mqa/fp32/b2/t256' }),
      point({ variant: 'mqa', context: 256, dtype: 'fp16', id: 'decode/mqa/fp16/b1/t256' }),
      point({ variant: 'mqa', context: 256, mode: 'prefill', id: 'prefill/mqa/fp32/b1/t256' }),
    ];
    const s = savingsVsMha(points);
    // the fixture: MHA 512 B/token/layer against 128, the step time equal at the same context
    expect(s.get('decode/mqa/fp32/b1/t256')).toEqual({ memory: 4, speed: 1 });
    expect(s.get('decode/mha/fp32/b1/t256')).toEqual({ memory: 1, speed: 1 });
    expect(s.has('decode/mqa/fp32/b2/t256')).toBe(false);
    expect(s.has('decode/mqa/fp16/b1/t256')).toBe(false);
    expect(s.has('prefill/mqa/fp32/b1/t256')).toBe(false);
    // a hybrid model's prefill: a sliding layer's point is compared with MHA's sliding point, never the whole-model one
    const within = { kind: 'sliding' as const, size: 128 };
    const group = { layers: 2, kind: '2 sliding (window 128)', primary: false };
    const pre = [
      { ...point({ variant: 'mha', context: 256, mode: 'prefill', id: 'prefill/mha/fp32/b1/t256' }) },
      { ...point({ variant: 'mha', context: 256, mode: 'prefill', id: 'prefill/mha/fp32/b1/t256/window128' }), attendWithin: within, layerGroup: group },
      { ...point({ variant: 'mqa', context: 256, mode: 'prefill', id: 'prefill/mqa/fp32/b1/t256/window128' }), attendWithin: within, layerGroup: group },
    ];
    pre[1]!.timing = { ...pre[1]!.timing!, medianMs: pre[2]!.timing!.medianMs * 3 };
    expect(savingsVsMha(pre).get('prefill/mqa/fp32/b1/t256/window128')).toEqual({ memory: 4, speed: 3 });
    const slowMha = [mha({ timing: { ...point({ variant: 'mha', context: 512 }).timing! } }), point({ variant: 'mqa', context: 256 })];
    expect(savingsVsMha(slowMha).get('decode/mqa/fp32/b1/t256')!.speed).toBeCloseTo(2, 10);
  });
  it('reads "× smaller / × faster" on the H200 report: MLA 71.1× less cache, 2.31× faster at 128K', () => {
    const cli = summaryTable(h200).split('\n');
    const head = cli[0]!.split(/ {2,}/);
    const row = cli.find((l) => l.startsWith('decode mla-absorbed fp32 b1 T=131072 '))!.split(/ {2,}/);
    expect(row[head.indexOf('KV saved vs MHA')]).toBe('71.1×');
    expect(row[head.indexOf('speed vs MHA')]).toBe('2.31×');
  });
});

describe('the answer on every surface', () => {
  for (const [name, r] of [
    ['the H200 report', h200],
    ['a fixture sweep', sweep],
  ] as const) {
    it(`says the same sentences in the CLI and at the top of the HTML report (${name})`, () => {
      const sentences = answer(r);
      expect(sentences.length).toBeGreaterThan(0);
      expect(cliAnswer(r).split('\n').slice(0, sentences.length)).toEqual(sentences);
      const html = toHtml([r]);
      const top = html.slice(html.indexOf('<section class="answer"'), html.indexOf('<div class="charts">'));
      expect(top).toBe(`<section class="answer" aria-label="Answer">\n${sentences.map((s) => `<p>${escapeHtml(s)}</p>`).join('\n')}\n</section>\n`);
      // the app's answer card: src/renderer/src/lib/answer-card.test.ts
    });
  }
  it('escapes what the report says in the HTML answer', () => {
    const evil = { ...sweep, model: { ...sweep.model, name: '<img src=x onerror=alert(1)>' } };
    expect(answer(evil)[0]).toContain('<img');
    expect(toHtml([evil])).not.toContain('<img src=x');
  });
});
