/** The shape of a per-point field, and the helpers the registry's entries share. Pure: no Node, no DOM. */
import type { Point } from '@/contract/schemas.js';
import { formatBytes, msText } from './format.js';
import type { Saving } from './savings.js';

/** Where a field can appear: the CLI summary table, the CSV, the HTML report's table, the app's results table. */
export type Surface = 'cli' | 'csv' | 'html' | 'app';

/** A field's value: what sorts and what the CSV writes (null: no value). */
export type Value = string | number | boolean | null;

/** What a field may need beyond its point; built once per table by fieldContext. */
export interface FieldContext {
  savings: ReadonlyMap<string, Saving>;
  /** Layers in the whole model, where known (whole-model figures need it). */
  modelLayers: number | null;
  /** Layers in the measured graph; null: each point's own (median / per-layer step). */
  measuredLayers: number | null;
  /** The memory budget the sweep's fit checks used (report.memoryBudget), where known. */
  budgetBytes: number | null;
}

export interface Field {
  id: string;
  /** Column header on every table. */
  label: string;
  /** Unit of the value (empty for text and plain counts). */
  unit: string;
  /** What the figure is, in a sentence (the app's header tooltip; the docs). */
  title: string;
  get: (p: Point, ctx: FieldContext) => Value;
  /** Table text; null where there is nothing to show (each surface has its blank mark). Absent: the value as text. */
  format?: (p: Point, ctx: FieldContext) => string | null;
  /** The CSV column's name (with its unit); required where surfaces has 'csv'. */
  csv?: string;
  surfaces: readonly Surface[];
  /** Right-aligned in tables. */
  numeric?: boolean;
  /** The app marks the cell as a warning. */
  warn?: (p: Point, ctx: FieldContext) => boolean;
  /** Tables (not the CSV) leave the column out where no row has a value (e.g. the layer kinds of a model whose layers are all alike). */
  onlyWhenSet?: boolean;
  /** Tables (not the CSV) leave the column out where no row passes (e.g. graph layers where every graph held one). */
  onlyWhen?: (p: Point, ctx: FieldContext) => boolean;
}

/**
 * Layers in the graph a point timed: its own (point.layers), else the report's (scaling.measuredLayers,
 * reports before per-point layers), else read back from its per-layer step (median / layers).
 */
export function graphLayersOf(p: Point, measuredLayers: number | null): number | null {
  if (p.layers) return p.layers;
  if (measuredLayers) return measuredLayers;
  const t = p.timing;
  return t && t.perLayerMs > 0 ? Math.round(t.medianMs / t.perLayerMs) : null;
}

const graphLayers = (p: Point, ctx: FieldContext): number | null => graphLayersOf(p, ctx.measuredLayers);

export const num = (v: number | null | undefined): number | null => (v === undefined || v === null || !Number.isFinite(v) ? null : v);
export const ms = (v: Value): string | null => (typeof v === 'number' ? msText(v) : null);
export const bytes = (v: Value): string | null => (typeof v === 'number' ? formatBytes(v) : null);
export const perLayer = (v: number | null | undefined, p: Point, ctx: FieldContext): number | null => {
  const L = graphLayers(p, ctx);
  return v === null || v === undefined || L === null ? null : v / L;
};

/** A field only the CSV carries (its raw figure, no table text). */
export function csvOnly(id: string, csv: string, unit: string, title: string, get: (p: Point) => Value): Field {
  return { id, label: csv, unit, title, get: (p) => get(p), csv, surfaces: ['csv'] };
}
