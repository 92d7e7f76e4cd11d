import { describe, expect, it } from 'vitest';
import { point } from '@/testing/fixtures';
import { FIELDS, fieldContext } from '@/present/fields';
import type { Point } from '@/contract/schemas';
import { TWICE_CONTEXT, withField } from '@/testing/fields';
import { nextSort, sortPoints, tableModel, type Sort } from './table';

describe('results table', () => {
  const points = [
    point({ variant: 'mha', context: 256 }),
    point({ variant: 'gqa', context: 64, status: 'does-not-fit', timing: undefined }),
    point({ variant: 'mqa', context: 128 }),
  ];
  const ctx = fieldContext(points);
  const value = (id: string, p: Point) => FIELDS.find((f) => f.id === id)!.get(p, ctx);
  const sorted = (sort: Sort): Point[] => sortPoints(points, sort, ctx);

  it('sorts numbers both ways, empty values last', () => {
    expect(sorted({ key: 'context', dir: 'asc' }).map((p) => p.context)).toEqual([64, 128, 256]);
    expect(sorted({ key: 'medianMs', dir: 'desc' }).map((p) => p.variant)).toEqual(['mha', 'mqa', 'gqa']);
    expect(sorted({ key: 'medianMs', dir: 'asc' }).map((p) => p.variant)).toEqual(['mqa', 'mha', 'gqa']);
  });

  it('shows the interval as a half-width and the noise flag', () => {
    expect(value('ciHalfWidth', points[0]!)).toBeCloseTo(0.01, 10);
    const m = tableModel(points, { key: 'context', dir: 'desc' });
    expect(m.rows[0]!.cells[m.columns.findIndex((c) => c.id === 'noisy')]!.text).toBe('');
    expect(value('ciHalfWidth', points[1]!)).toBeNull();
    expect(sorted({ key: 'ciHalfWidth', dir: 'asc' }).at(-1)!.variant).toBe('gqa');
  });

  it('sorts strings', () => {
    expect(sorted({ key: 'variant', dir: 'asc' }).map((p) => p.variant)).toEqual(['gqa', 'mha', 'mqa']);
  });

  it('a click on the same column flips, another column starts ascending', () => {
    expect(nextSort({ key: 'context', dir: 'asc' }, 'context')).toEqual({ key: 'context', dir: 'desc' });
    expect(nextSort({ key: 'context', dir: 'desc' }, 'batch')).toEqual({ key: 'batch', dir: 'asc' });
  });

  it('rows carry every measured figure', () => {
    const r = points[0]!;
    expect(value('tokensPerSecond', r)).toBeCloseTo(1000 / (0.256 * 8));
    expect(value('bound', r)).toBe('memory');
    expect(value('measuredDeltaBytes', r)).toBe(1500);
  });

  it('renders the sorted points as the columns say: variant first, context second (e2e reads them there)', () => {
    const m = tableModel(points, { key: 'context', dir: 'asc' });
    expect(m.columns.slice(0, 5).map((c) => c.label)).toEqual(['Variant', 'Context', 'Batch', 'Tok/s (attention)', 'Roofline']);
    expect(m.columns.find((c) => c.id === 'cv')!.label).toBe('CV');
    expect(m.columns.some((c) => c.label === 'GPU memory')).toBe(true);
    expect(m.rows.map((r) => r.cells[1]!.text)).toEqual(['64', '128', '256']);
    expect(m.rows.map((r) => r.cells[0]!.text)).toEqual(['GQA', 'MQA', 'MHA']);
    expect(m.rows[0]).toMatchObject({ id: 'decode/gqa/fp32/b1/t64', muted: true });
    // a point not measured shows the blank mark where it has no figure
    expect(m.rows[0]!.cells[m.columns.findIndex((c) => c.id === 'perLayerMs')]!.text).toBe('–');
  });

  it("marks the whole model's cache over the budget in red, with the reason in the row's tooltip", () => {
    const big = { ...points[0]!, modelCacheBytes: 2 ** 40 };
    const m = tableModel([big, points[2]!], { key: 'context', dir: 'asc' }, FIELDS, { budgetBytes: 2 ** 30 });
    const col = m.columns.findIndex((c) => c.id === 'modelFits');
    const row = m.rows.find((r) => r.id === big.id)!;
    expect(row.cells[col]).toEqual({ text: 'no', warn: true });
    expect(row.title).toContain("the whole model's cache is over this device's memory budget");
    expect(m.rows.find((r) => r.id !== big.id)!.cells[col]).toEqual({ text: 'yes', warn: false });
  });

  it('shows savings against MHA as how many times smaller and faster', () => {
    const m = tableModel(points, { key: 'context', dir: 'asc' });
    const col = (id: string) => m.columns.findIndex((c) => c.id === id);
    const mqa = m.rows.find((r) => r.id === 'decode/mqa/fp32/b1/t128')!;
    // no MHA point at 128 tokens: nothing to compare with
    expect(mqa.cells[col('memorySaved')]!.text).toBe('–');
    const mha = m.rows.find((r) => r.id === 'decode/mha/fp32/b1/t256')!;
    expect(mha.cells[col('memorySaved')]!.text).toBe('1.00×');
    expect(mha.cells[col('speedup')]!.text).toBe('1.00×');
  });

  it('shows a field added to the registry as a column, sortable through its getter (the CLI, CSV and HTML: src/core/report/surfaces.test.ts)', () => {
    const twice = () => tableModel(points, { key: 'twiceContext', dir: 'desc' });
    expect(twice().columns.map((c) => c.id)).not.toContain('twiceContext');
    withField(FIELDS, TWICE_CONTEXT, () => {
      const m = twice();
      const col = m.columns.findIndex((c) => c.id === 'twiceContext');
      expect(m.columns[col]).toEqual({ id: 'twiceContext', label: 'Twice ctx', title: 'Twice the context (a test field)', numeric: true });
      expect(m.rows.map((r) => r.cells[col]!.text)).toEqual(['twice=512', 'twice=256', 'twice=128']);
    });
  });
});
