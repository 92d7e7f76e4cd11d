import { describe, expect, it } from 'vitest';
import { ChartParking } from './chart-parking';

describe('charts out of view wait while a sweep runs', () => {
  it('parks only a hidden chart, and only while parking is on', () => {
    const p = new ChartParking();
    const a = {};
    const b = {};
    p.setVisible(a, false);
    expect(p.park(a, () => {}, true)).toBe(true);
    expect(p.park(a, () => {}, false)).toBe(false);
    expect(p.park(b, () => {}, true)).toBe(false);
    expect(p.size).toBe(1);
  });

  it('keeps only the latest work of a chart and hands it back when the chart comes into view', () => {
    const p = new ChartParking();
    const a = {};
    const ran: string[] = [];
    p.setVisible(a, false);
    p.park(a, () => ran.push('old'), true);
    p.park(a, () => ran.push('new'), true);
    const fn = p.setVisible(a, true);
    fn?.();
    expect(ran).toEqual(['new']);
    expect(p.size).toBe(0);
    // visible now: not parked
    expect(p.park(a, () => {}, true)).toBe(false);
  });

  it('releases every parked chart when parking ends, so each shows the final figures', () => {
    const p = new ChartParking();
    const keys = [{}, {}, {}];
    const ran: number[] = [];
    keys.forEach((k, i) => {
      p.setVisible(k, false);
      p.park(k, () => ran.push(i), true);
    });
    p.drop(keys[1]!);
    for (const [, fn] of p.releaseAll()) fn();
    expect(ran).toEqual([0, 2]);
    expect(p.size).toBe(0);
    expect(p.take(keys[0]!)).toBeNull();
  });
});
