/**
 * Layers per graph chosen per point (config.layers "auto"): every surface says how many layers a
 * point's graph held and why, per-layer figures divide by the point's own count, and reports from
 * before (one number for the sweep) still open and read the same.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Point, Report } from '@/contract/schemas.js';
import { summaryTable } from '@/cli/format.js';
import { FIELDS, fieldContext, fieldText } from '@/present/fields.js';
import { reportNotes } from '@/present/notes.js';
import { point, report } from '@/testing/fixtures.js';
import { parseCsv, toCsv } from './csv.js';
import { toHtml } from './html.js';
import { parseReport } from './report.js';

const NOTE =
  "29 layers per graph: the provider's fixed run cost (1.500 ms) is 60% of a one-layer step (predicted 1.000 ms of work per layer); with 29 it is 4.9%";

/** A GPU sweep whose planner stacked 29 layers into the short point's graph and one into the long one's. */
function autoReport(): Report {
  const stacked = (p: Point, layers: number, note?: string): Point => ({
    ...p,
    layers,
    ...(note ? { layersNote: note } : {}),
    timing: { ...p.timing!, overheadMs: 2.9, perLayerMs: p.timing!.medianMs / layers, modelMs: (p.timing!.medianMs / layers) * 8 },
  });
  const r = report([stacked(point({ variant: 'mha', context: 2048 }), 29, NOTE), stacked(point({ variant: 'mha', context: 65536 }), 1)]);
  return { ...r, config: { ...r.config, layers: 'auto' }, scaling: { ...r.scaling, measuredLayers: null } };
}

const field = (id: string) => FIELDS.find((f) => f.id === id)!;

describe('auto layers on every surface', () => {
  const r = autoReport();
  it('the CLI table shows each point’s graph layers', () => {
    const lines = summaryTable(r).split('\n');
    const head = lines[0]!.split(/ {2,}/);
    const col = head.indexOf('Graph layers');
    expect(col).toBeGreaterThan(0);
    expect(lines.slice(1, 3).map((l) => l.split(/ {2,}/)[col])).toEqual(['29', '1']);
  });
  it('the CSV carries the count and the reason', () => {
    const [head, ...rows] = parseCsv(toCsv(r));
    const at = (name: string) => head!.indexOf(name);
    expect(rows.map((row) => row[at('graph_layers')])).toEqual(['29', '1']);
    expect(rows[0]![at('graph_layers_note')]).toBe(NOTE);
    expect(rows[1]![at('graph_layers_note')]).toBe('');
  });
  it('the HTML report shows the column and the note', () => {
    const html = toHtml([r]);
    expect(html).toContain('<th>Graph layers</th>');
    expect(html).toContain('29 identical layers per graph');
  });
  it('the notes say how many points hold more than one layer and why', () => {
    expect(reportNotes(r)).toContainEqual(
      expect.stringMatching(/^1 point\(s\) hold 29 identical layers per graph, .* e\.g\. decode\/mha\/fp32\/b1\/t2048: 29 layers per graph/),
    );
  });
  it('per-layer figures divide by the point’s own layers', () => {
    const ctx = fieldContext(r.points, r.scaling);
    expect(field('overheadPerLayerMs').get(r.points[0]!, ctx)).toBeCloseTo(2.9 / 29, 12);
    expect(field('overheadPerLayerMs').get(r.points[1]!, ctx)).toBeCloseTo(2.9, 12);
  });
  it('round-trips through JSON ("auto" in the config, null measured layers)', () => {
    expect(parseReport(JSON.stringify(r))).toEqual(r);
  });
  it('a sweep whose graphs all held one layer shows no column (the CPU default)', () => {
    const one = report([point({ variant: 'mha', context: 64 })].map((p) => ({ ...p, layers: 1 })));
    expect(summaryTable(one).split('\n')[0]).not.toContain('Graph layers');
    expect(toCsv(one).split('\r\n')[0]!.split(',')).toEqual(expect.arrayContaining(['graph_layers', 'graph_layers_note']));
  });
});

describe('reports from before per-point layers', () => {
  it('open with one number for the sweep, and per-layer figures divide by it', () => {
    const old = report([point({ variant: 'mha', context: 64 })]);
    const withTwo = { ...old, config: { ...old.config, layers: 2 }, scaling: { ...old.scaling, measuredLayers: 2 } };
    const r = parseReport(JSON.stringify(withTwo));
    expect(r.config.layers).toBe(2);
    expect(r.points[0]!.layers).toBeUndefined();
    const ctx = fieldContext(r.points, r.scaling);
    expect(fieldText(field('graphLayers'), r.points[0]!, ctx)).toBe('2');
    expect(field('overheadPerLayerMs').get(r.points[0]!, ctx)).toBeCloseTo(r.points[0]!.timing!.overheadMs! / 2, 12);
  });
  it('a real version 1 report (the H200 sweep) reads its layers from scaling', () => {
    const r = parseReport(readFileSync(new URL('../../../docs/measurements/h200-webgpu.json', import.meta.url), 'utf8'));
    const p = r.points.find((x) => x.timing)!;
    expect(fieldText(field('graphLayers'), p, fieldContext(r.points, r.scaling))).toBe(String(r.scaling.measuredLayers));
  });
});
