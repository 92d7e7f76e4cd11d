/** Text output of the CLI: the summary table and the answer (sentences from src/present/answer.ts). */
import type { Report } from '@/contract/schemas.js';
import { answer as answerSentences, answerNotes } from '@/present/answer.js';
import { FIELDS, fieldContext, textTable, type Field } from '@/present/fields.js';

export { unmeasuredNotes } from '@/present/answer.js';

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** The points as a table: the CLI's fields of the registry (src/present/fields.ts). */
export function summaryTable(report: Report, fields: readonly Field[] = FIELDS): string {
  return table(textTable('cli', report.points, fieldContext(report.points, report.scaling, report.memoryBudget?.bytes ?? null), '-', fields));
}

/** The answer, then its notes, one sentence a line. */
export function answer(report: Report): string {
  return [...answerSentences(report), ...answerNotes(report).map((n) => `Note: ${n}`)].join('\n');
}
