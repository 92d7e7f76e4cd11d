import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '@/core/report/csv.js';
import { parseReport } from '@/core/report/report.js';
import { point, report } from '@/testing/fixtures.js';
import { capacity, defaultReportName, exportBody, History, onnxCapacity, openReportFile, reportToKeep, saveReport } from './report-service.js';

const r = report([point({ variant: 'mha', context: 64 }), point({ variant: 'gqa', context: 64 })]);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'kvscope-rs-'));

describe('report service', () => {
  it('names files after model, provider and date', () => {
    expect(defaultReportName({ ...r, model: { ...r.model, name: 'DeepSeek V3' } }, 'json')).toBe('kvscope-deepseek-v3-cpu-2026-11-28.json');
    expect(defaultReportName(r, 'png', 'step-time')).toBe('kvscope-m-cpu-2026-11-28-step-time.png');
  });

  it('exports CSV with the stable header, HTML, and PNG bytes', () => {
    const csv = exportBody({ format: 'csv', report: r });
    expect(String(csv.data).split(/\r?\n/)[0]).toBe(CSV_COLUMNS.map((c) => c[0]).join(','));
    const html = exportBody({ format: 'html', reports: [r, r] });
    expect(html.name).toMatch(/^kvscope-compare-2-reports-.*\.html$/);
    expect(String(html.data)).toContain('<!doctype html>');
    const png = exportBody({ format: 'png', report: r, chartId: 'memory', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' });
    expect(Buffer.isBuffer(png.data) && png.data.subarray(1, 4).toString()).toBe('PNG');
    expect(() => exportBody({ format: 'png', report: r, chartId: '../x', dataUrl: 'data:image/png;base64,AA==' })).toThrow();
    expect(() => exportBody({ format: 'png', report: r, chartId: 'memory', dataUrl: 'data:text/html,<script>' })).toThrow();
  });

  it("saves and reopens a report with identical figures; a broken file gives parseReport's message", () => {
    const dir = tmp();
    const path = join(dir, 'a.json');
    saveReport(path, r);
    expect(openReportFile(path).report).toEqual(r);
    writeFileSync(join(dir, 'bad.json'), '{"schema":"kvscope.report","version":1');
    expect(() => openReportFile(join(dir, 'bad.json'))).toThrow(/bad\.json is not valid JSON.*truncated/);
    writeFileSync(join(dir, 'v9.json'), JSON.stringify({ ...r, version: 9 }));
    expect(() => openReportFile(join(dir, 'v9.json'))).toThrow(/version 9/);
  });

  it('keeps a history that a new instance (a restart) lists newest first, skipping broken files', () => {
    const dir = tmp();
    const h = new History(dir);
    const a = h.add(r);
    const b = h.add({ ...r, createdAt: '2026-11-29T10:00:00Z' });
    const c = h.add(r);
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    writeFileSync(join(dir, 'zz-broken.json'), 'not json');
    const again = new History(dir);
    const list = again.list();
    expect(list.map((e) => e.id)[0]).toBe(b.id);
    expect(list).toHaveLength(3);
    expect(again.open(a.id).report).toEqual(r);
    expect(() => again.open('../etc/passwd')).toThrow(/no history entry/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(parseReport(readFileSync(join(dir, `${a.id}.json`), 'utf8'))).toEqual(r);
  });

  it("keeps a crashed run's partial report in the history, marked with why it stopped", () => {
    const crashed = { ...report([point({ variant: 'mha', context: 64 })], false), incompleteReason: 'engine crashed: The engine was killed.' };
    const gone = { type: 'engine-gone', runId: 'r1', reason: 'killed', exitCode: null, message: 'The engine was killed.', partial: crashed } as const;
    expect(reportToKeep(gone)).toBe(crashed);
    expect(reportToKeep({ ...gone, partial: null })).toBeNull();
    expect(reportToKeep({ type: 'error', runId: 'r1', message: 'x', partial: { ...crashed, points: [] } })).toBeNull();
    expect(reportToKeep({ type: 'done', runId: 'r1', report: r })).toBe(r);
    expect(reportToKeep({ type: 'progress', runId: 'r1', done: 0, total: 1, current: 'x', etaSeconds: null })).toBeNull();

    const h = new History(tmp());
    const entry = h.add(crashed);
    h.add(r);
    expect(entry).toMatchObject({ complete: false, incompleteReason: 'engine crashed: The engine was killed.', points: 1 });
    expect(h.list().find((e) => e.id === entry.id)).toEqual(entry);
    expect(h.list().find((e) => e.id !== entry.id)).not.toHaveProperty('incompleteReason');
    expect(h.open(entry.id).report).toEqual(crashed);
  });

  it('plans capacity for a preset: llama-3.1-8b bf16 = 131072 B/token', () => {
    const a = capacity(
      { model: { kind: 'preset', id: 'llama-3.1-8b' }, memoryBytes: 80e9, weightDtype: 'bf16', cacheDtype: 'bf16', context: 8192, batch: 1, gqaGroups: 8 },
      1,
      null,
    );
    const own = a.variants.find((v) => v.isModel)!;
    expect(own.variant).toBe('gqa');
    expect(own.kvBytesPerToken).toBe(32 * 2 * 8 * 128 * 2);
    expect(own.cacheBytesAtContext).toBe(131072 * 8192);
    expect(a.memorySource).toBe('entered');
    expect(a.measuredFrom).toBeNull();
    const detected = capacity(
      { model: { kind: 'preset', id: 'llama-3.1-8b' }, memoryBytes: null, weightDtype: 'bf16', cacheDtype: 'bf16', context: 1, batch: 1, gqaGroups: 8 },
      123e9,
      null,
    );
    expect(detected.memoryBytes).toBe(123e9);
    expect(detected.memorySource).toBe('detected');
  });

  it('names the config field at fault', () => {
    const req = (config: Record<string, unknown>) => ({
      model: { kind: 'hf-config' as const, name: 'x', config },
      memoryBytes: 1e10,
      weightDtype: 'bf16' as const,
      cacheDtype: 'bf16' as const,
      context: 1,
      batch: 1,
      gqaGroups: 8,
    });
    expect(() => capacity(req({ model_type: 'llama', hidden_size: 64, num_attention_heads: 'four', num_hidden_layers: 2 }), 1, null)).toThrow(
      /num_attention_heads/,
    );
    const ok = capacity(
      req({
        model_type: 'llama',
        hidden_size: 4096,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        num_hidden_layers: 32,
        vocab_size: 128256,
        intermediate_size: 14336,
      }),
      1,
      null,
    );
    expect(ok.model.derivedFrom.num_key_value_heads).toBeTruthy();
    expect(ok.params.source).toBe('estimated from config.json');
  });

  it('uses the newest history report of the same model for measured figures', () => {
    const h = new History(tmp());
    const model = { ...r.model, name: 'llama-3.1-8b', numLayers: 32 };
    h.add({ ...r, model, points: [point({ variant: 'gqa', context: 64 })] });
    const a = capacity(
      { model: { kind: 'preset', id: 'llama-3.1-8b' }, memoryBytes: 80e9, weightDtype: 'bf16', cacheDtype: 'bf16', context: 64, batch: 1, gqaGroups: 8 },
      1,
      h,
    );
    expect(a.measuredFrom?.provider).toBe('cpu');
    const gqa = a.variants.find((v) => v.variant === 'gqa')!;
    expect(gqa.measured?.context).toBe(64);
    expect(gqa.estimate?.basis).toMatch(/^estimate/);
  });

  it('deletes a history entry by id, checking the id before building a path', () => {
    const dir = tmp();
    const h = new History(dir);
    const a = h.add(r);
    const b = h.add({ ...r, createdAt: '2026-11-29T10:00:00Z' });
    writeFileSync(join(dir, '..-outside.json'), '{}');
    h.delete(a.id);
    expect(h.list().map((e) => e.id)).toEqual([b.id]);
    expect(readdirSync(dir)).not.toContain(`${a.id}.json`);
    expect(() => h.delete(a.id)).toThrow(/no history entry/);
    expect(() => h.delete('../outside')).toThrow(/no history entry/);
    expect(() => h.delete('..-outside')).toThrow(/no history entry/);
    expect(() => h.delete('a/b')).toThrow(/no history entry/);
    expect(readdirSync(dir)).toContain('..-outside.json');
  });

  it('passes the MLA what-if rank and carries config warnings', () => {
    const base = { memoryBytes: 80e9, weightDtype: 'bf16' as const, cacheDtype: 'bf16' as const, context: 8192, batch: 1, gqaGroups: 8 };
    const mla = (mlaRank?: number) =>
      capacity({ ...base, model: { kind: 'preset', id: 'llama-3.1-8b' }, ...(mlaRank ? { mlaRank } : {}) }, 1, null).variants.find(
        (v) => v.variant === 'mla-absorbed',
      )!;
    expect(mla(256).kvBytesPerToken).toBe((256 + 64) * 2 * 32);
    expect(mla().kvBytesPerToken).not.toBe(mla(256).kvBytesPerToken);
    const config = { model_type: 'olmo2', hidden_size: 2048, num_attention_heads: 16, num_key_value_heads: 16, num_hidden_layers: 16, vocab_size: 100352 };
    const warned = capacity({ ...base, model: { kind: 'hf-config', name: 'config.json', config } }, 1, null);
    expect(warned.model.warnings?.join(' ')).toMatch(/olmo2/);
    const plain = capacity({ ...base, model: { kind: 'preset', id: 'llama-3.1-8b' } }, 1, null);
    expect(plain.model.warnings).toBeUndefined();
  });

  it('plans an ONNX decoder from its layout: weights as stored, KV per token, what fits', () => {
    const layout = { layers: 2, numKvHeads: 2, headDim: 8, dtype: 'fp32' as const, weightBytes: 40_000 };
    const a = onnxCapacity({ layout, memoryBytes: 1e6, context: 100, batch: 2 }, 1);
    expect(a.kvBytesPerToken).toBe(2 * 2 * 2 * 8 * 4);
    expect(a.weightsBytes).toBe(40_000);
    expect(a.cacheBytesAtContext).toBe(256 * 100 * 2);
    expect(a.largestContext).toBe(Math.floor((1e6 - 40_000) / (256 * 2)));
    expect(a.memorySource).toBe('entered');
    const fp16 = onnxCapacity({ layout, memoryBytes: null, context: 100, batch: 1, cacheDtype: 'fp16' }, 5e6);
    expect(fp16.kvBytesPerToken).toBe(128);
    expect(fp16.memoryBytes).toBe(5e6);
    expect(fp16.memorySource).toBe('detected');
  });
});
