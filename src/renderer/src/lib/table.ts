/**
 * The results table's model: the app's fields of the registry (src/present/fields.ts) as columns,
 * one row of cell texts per point, sorted by any field through its getter. Pure: the component
 * only renders what tableModel returns.
 */
import type { Point } from '@/contract/schemas';
import { FIELDS, fieldContext, fieldsOn, fieldText, shownFields, type Field, type FieldContext, type Value } from '@/present/fields';
import { OVER_BUDGET_TEXT, wholeModelFits } from '@/present/fit';

/** A field id and a direction. */
export interface Sort {
  key: string;
  dir: 'asc' | 'desc';
}

export interface Column {
  id: string;
  /** The header (the registry's label, first letter capitalised; two-letter labels are abbreviations). */
  label: string;
  title: string;
  numeric: boolean;
}

export interface Cell {
  text: string;
  warn: boolean;
}

export interface TableRow {
  id: string;
  /** Not measured: shown muted. */
  muted: boolean;
  /** Why not measured, why noisy: the row's tooltip. */
  title: string;
  cells: Cell[];
}

export interface TableModel {
  columns: Column[];
  rows: TableRow[];
}

/** What the app shows where a point has no value. */
export const BLANK = '–';

const header = (label: string): string => (label.length <= 2 ? label.toUpperCase() : label.charAt(0).toUpperCase() + label.slice(1));

export function columns(fields: readonly Field[] = FIELDS): Column[] {
  return columnsOf(fieldsOn('app', fields));
}

function columnsOf(on: readonly Field[]): Column[] {
  return on.map((f) => ({ id: f.id, label: header(f.label), title: f.title, numeric: f.numeric ?? false }));
}

/** Sorts points by a field's value; empty values (null, '') always go last whatever the direction. */
export function sortPoints(points: readonly Point[], sort: Sort, ctx: FieldContext, fields: readonly Field[] = FIELDS): Point[] {
  const field = fields.find((f) => f.id === sort.key);
  if (!field) return [...points];
  const dir = sort.dir === 'asc' ? 1 : -1;
  const empty = (v: Value): boolean => v === null || v === '';
  return points
    .map((p, i) => ({ p, i, v: field.get(p, ctx) }))
    .sort((a, b) => {
      const x = a.v;
      const y = b.v;
      if (empty(x) || empty(y)) return empty(x) === empty(y) ? a.i - b.i : empty(x) ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return c === 0 ? a.i - b.i : c * dir;
    })
    .map((e) => e.p);
}

/** What the table knows of the run beyond its points: the layers (report.scaling) and the memory budget. */
export interface TableScope {
  modelLayers?: number | null;
  measuredLayers?: number | null;
  budgetBytes?: number | null;
}

/** The table the component renders: columns, and the points sorted, as cell texts. */
export function tableModel(points: readonly Point[], sort: Sort, fields: readonly Field[] = FIELDS, scope: TableScope = {}): TableModel {
  const ctx = fieldContext(points, scope, scope.budgetBytes ?? null);
  const on = shownFields('app', points, ctx, fields);
  return {
    columns: columnsOf(on),
    rows: sortPoints(points, sort, ctx, fields).map((p) => ({
      id: p.id,
      muted: p.status !== 'ok',
      title: [p.reason ?? '', p.timing?.noise.join('; ') ?? '', wholeModelFits(p, ctx.budgetBytes) === false ? `Not on this device: ${OVER_BUDGET_TEXT}` : '']
        .filter(Boolean)
        .join('\n'),
      cells: on.map((f) => ({ text: fieldText(f, p, ctx) ?? BLANK, warn: f.warn?.(p, ctx) ?? false })),
    })),
  };
}

/** Clicking a column: same key flips the direction, a new key starts ascending. */
export function nextSort(current: Sort, key: string): Sort {
  return current.key === key ? { key, dir: current.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' };
}
