import { describe, expect, it } from 'vitest';
import { pointsAtNearestContext, type SeriesHit } from './chart-interaction';
import { formatContext } from './format';

// pixel x = log2(context) * 10, as on the charts' log x axis
const hit = (xs: number[], visible = true): SeriesHit => ({ xs, px: xs.map((x) => Math.log2(x) * 10), visible });

describe('tooltip: every series at the hovered context', () => {
  it('matches series on the context, not on the index, when their contexts differ', () => {
    const series = [hit([512, 2048, 8192]), hit([2048, 8192]), hit([512, 8192]), hit([18141])];
    // cursor nearest 2048 (px 110): the first two series have it, the third does not
    expect(pointsAtNearestContext(series, 111)).toEqual([
      { datasetIndex: 0, index: 1 },
      { datasetIndex: 1, index: 0 },
    ]);
    // nearest 8192 (px 130): every series that has it, each at its own index
    expect(pointsAtNearestContext(series, 129)).toEqual([
      { datasetIndex: 0, index: 2 },
      { datasetIndex: 1, index: 1 },
      { datasetIndex: 2, index: 1 },
    ]);
    // a largest-fit marker off the grid (18141, px 141.5) is its own context
    expect(pointsAtNearestContext(series, 141)).toEqual([{ datasetIndex: 3, index: 0 }]);
  });

  it('leaves out hidden series, and finds nothing without points', () => {
    const series = [hit([512, 2048], false), hit([1024])];
    expect(pointsAtNearestContext(series, Math.log2(512) * 10)).toEqual([{ datasetIndex: 1, index: 0 }]);
    expect(pointsAtNearestContext([hit([])], 50)).toEqual([]);
  });

  it('formats a context for the tooltip title and the largest-fit value', () => {
    expect(formatContext(16384)).toBe('16K tokens');
    expect(formatContext(512)).toBe('512 tokens');
    expect(formatContext(18141)).toBe('17.7K tokens (18,141)');
    expect(formatContext(3_000_000)).toBe('2.9M tokens (3,000,000)');
  });
});
