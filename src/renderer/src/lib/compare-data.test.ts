import { describe, expect, it } from 'vitest';
import { compareCharts, compareLabel, formatRatio, reportDash } from './compare-data';
import { point, report } from '@/testing/fixtures';

const a = report([point({ variant: 'mha', context: 64 }), point({ variant: 'mha', context: 128 }), point({ variant: 'gqa', context: 64 })]);
const b = { ...report([point({ variant: 'mha', context: 64 }), point({ variant: 'mha', context: 128 })]), provider: { name: 'webgpu' as const, options: {} } };
const b2 = { ...b, points: b.points.map((p) => ({ ...p, timing: { ...p.timing!, medianMs: p.timing!.medianMs * 2, modelMs: p.timing!.modelMs * 2 } })) };
const items = [
  { key: 'a', label: 'A', report: a },
  { key: 'b', label: 'B', report: b2 },
];

describe('compare view data', () => {
  it('overlays reports by context, one dash per report', () => {
    const [memory, step] = compareCharts(items);
    expect(memory!.series.map((s) => s.label)).toEqual(['MHA · #1', 'GQA · #1', 'MHA · #2']);
    expect(step!.series[2]!.dash).toEqual(reportDash(1));
    expect(step!.series[0]!.dash).toEqual([]);
    expect(step!.series[0]!.data.map((d) => d.x)).toEqual([64, 128]);
  });

  it('formats ratio cells', () => {
    expect(formatRatio(2)).toBe('2.00×');
    expect(formatRatio(null)).toBe('–');
    expect(formatRatio(Infinity)).toBe('–');
  });

  it('labels a report by model, provider and time', () => {
    expect(compareLabel(b)).toBe('m · webgpu · 2026-11-28 00:00');
  });
});
