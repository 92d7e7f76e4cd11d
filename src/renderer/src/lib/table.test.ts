import { describe, expect, it } from 'vitest';
import { point } from '../../../testing/fixtures';
import { nextSort, sortRows, toRow } from './table';

describe('results table', () => {
  const rows = [
    toRow(point({ variant: 'mha', context: 256 }), null),
    toRow(point({ variant: 'gqa', context: 64, status: 'does-not-fit', timing: undefined }), null),
    toRow(point({ variant: 'mqa', context: 128 }), null),
  ];

  it('sorts numbers both ways, empty values last', () => {
    expect(sortRows(rows, { key: 'context', dir: 'asc' }).map((r) => r.context)).toEqual([64, 128, 256]);
    expect(sortRows(rows, { key: 'medianMs', dir: 'desc' }).map((r) => r.variant)).toEqual(['mha', 'mqa', 'gqa']);
    expect(sortRows(rows, { key: 'medianMs', dir: 'asc' }).map((r) => r.variant)).toEqual(['mqa', 'mha', 'gqa']);
  });

  it('shows the interval as a half-width and the noise flag', () => {
    expect(rows[0]!.ciHalfWidth).toBeCloseTo(0.01, 10);
    expect(rows[0]!.noisy).toBe('');
    expect(rows[1]!.ciHalfWidth).toBeNull();
    expect(sortRows(rows, { key: 'ciHalfWidth', dir: 'asc' }).at(-1)!.variant).toBe('gqa');
  });

  it('sorts strings', () => {
    expect(sortRows(rows, { key: 'variant', dir: 'asc' }).map((r) => r.variant)).toEqual(['gqa', 'mha', 'mqa']);
  });

  it('a click on the same column flips, another column starts ascending', () => {
    expect(nextSort({ key: 'context', dir: 'asc' }, 'context')).toEqual({ key: 'context', dir: 'desc' });
    expect(nextSort({ key: 'context', dir: 'desc' }, 'batch')).toEqual({ key: 'batch', dir: 'asc' });
  });

  it('rows carry every measured figure', () => {
    const r = rows[0]!;
    expect(r.tokensPerSecond).toBeCloseTo(1000 / (0.256 * 8));
    expect(r.bound).toBe('memory');
    expect(r.measuredDeltaBytes).toBe(1500);
  });
});
