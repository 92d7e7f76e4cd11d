import { describe, expect, it } from 'vitest';
import type { ChartModel } from '@/present/chart-data';
import { chartTable } from './chart-table';

const model: ChartModel = {
  id: 'step-time',
  title: 'Decode step time',
  yLabel: 'ms',
  yLog: true,
  format: 'ms',
  empty: '',
  series: [
    {
      label: 'MHA',
      variant: 'mha',
      style: 'line',
      data: [
        { x: 512, y: 1.5 },
        { x: 2048, y: 3, lo: 2.5, hi: 3.5, noisy: true },
      ],
    },
    {
      label: 'MQA',
      variant: 'mqa',
      style: 'line',
      data: [
        { x: 1024, y: 0.5 },
        { x: 2048, y: 1e-3, raw: -2 },
      ],
    },
    { label: 'MHA largest fit', variant: 'mha', style: 'marker', data: [{ x: 18141, y: 9e9, value: '17.7K tokens (18,141)' }] },
  ],
};

describe('show as table', () => {
  it('one row per context of any series, one column per series, values as the tooltip writes them', () => {
    const t = chartTable(model, (v) => `${v} ms`);
    expect(t.head).toEqual(['Context', 'MHA', 'MQA', 'MHA largest fit']);
    expect(t.rows.map((r) => r.context)).toEqual([512, 1024, 2048, 18141]);
    expect(t.rows.map((r) => r.cells)).toEqual([
      ['512 tokens', '1.5 ms', '–', '–'],
      ['1K tokens', '–', '0.5 ms', '–'],
      ['2K tokens', '3 ms [95% CI 2.5 ms–3.5 ms] (noisy)', '≤ 0 (measured -2 ms)', '–'],
      ['17.7K tokens (18,141)', '–', '–', '17.7K tokens (18,141)'],
    ]);
  });

  it('an empty chart has a head and no rows', () => {
    expect(chartTable({ ...model, series: [] }, String)).toEqual({ head: ['Context'], rows: [] });
  });
});
