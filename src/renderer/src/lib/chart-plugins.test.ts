import { describe, expect, it } from 'vitest';
import { setDatasets, type XYDataset } from './chart-plugins';

const ds = (label: string, ys: number[], extra: Partial<XYDataset> = {}): XYDataset => ({ label, data: ys.map((y, x) => ({ x, y })), ...extra });

describe('setDatasets', () => {
  it('updates the same series in place, so chart.js keeps their resolved options', () => {
    const a = ds('MHA', [1], { bars: [[0.9, 1.1]] });
    const b = ds('GQA', [2]);
    const chart = { data: { datasets: [a, b] } };
    setDatasets(chart, [ds('MHA', [1, 3]), ds('GQA', [2, 4], { noisy: [false, true] })]);
    expect(chart.data.datasets[0]).toBe(a);
    expect(chart.data.datasets[1]).toBe(b);
    expect(a.data.map((p) => p.y)).toEqual([1, 3]);
    // a key the new series lacks is dropped, one it adds is set
    expect(a.bars).toBeUndefined();
    expect(b.noisy).toEqual([false, true]);
  });

  it('replaces the datasets when the series differ', () => {
    const a = ds('MHA', [1]);
    const chart = { data: { datasets: [a] } };
    const next = [ds('MQA', [1]), ds('MLA', [2])];
    setDatasets(chart, next);
    expect(chart.data.datasets).toBe(next);
    expect(a.label).toBe('MHA');
  });
});
