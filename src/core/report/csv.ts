/**
 * CSV export: one row per point, stable snake_case column names with units, RFC 4180 quoting,
 * and text cells that a spreadsheet would run as a formula prefixed with a quote.
 */
import type { Point, Report } from '@/contract/schemas.js';
import { csvName, FIELDS, fieldContext, fieldsOn, type Field, type FieldContext, type Value } from '@/present/fields.js';

type Col = [name: string, get: (p: Point, ctx: FieldContext) => Value];

/** The columns, in order: the CSV fields of the registry (src/present/fields.ts), in CSV_ORDER. */
export function csvColumns(fields: readonly Field[] = FIELDS): Col[] {
  return fieldsOn('csv', fields).map((f) => [csvName(f), f.get]);
}

/** The registry's columns when this module loaded. Renaming or reordering one is a breaking change of the CSV format. */
export const CSV_COLUMNS: readonly Col[] = csvColumns();

function cell(v: Value | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(report: Report, fields: readonly Field[] = FIELDS): string {
  const cols = csvColumns(fields);
  const ctx = fieldContext(report.points, report.scaling, report.memoryBudget?.bytes ?? null);
  const lines = [cols.map(([n]) => n).join(',')];
  for (const p of report.points) lines.push(cols.map(([, get]) => cell(get(p, ctx))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Parses CSV text (RFC 4180) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cur);
      cur = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cur);
      rows.push(row);
      row = [];
      cur = '';
    } else cur += ch;
  }
  if (cur !== '' || row.length > 0) {
    row.push(cur);
    rows.push(row);
  }
  return rows;
}
