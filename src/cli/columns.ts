/** A text table defined as its columns: each column's header beside the cell it prints, in one place. */
import { table } from './format.js';

export interface Column<T> {
  header: string;
  cell: (row: T) => string;
}

export function columnTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  return table([columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => c.cell(r)))]);
}
