import { describe, expect, it } from 'vitest';
import { EtaCorrector, ETA_FACTOR_RANGE } from './eta.js';

describe('the ETA', () => {
  it('starts from the probes and is corrected by the points measured', () => {
    const eta = new EtaCorrector([1, 2, 4, 8]);
    expect(eta.remaining(0)).toBe(15);
    expect(eta.expected(3)).toBe(8);
    // the first two points took twice what the probes said: the rest will too
    eta.record(0, 2);
    eta.record(1, 4);
    expect(eta.factor()).toBe(2);
    expect(eta.remaining(2)).toBe(24);
    expect(eta.expected(3)).toBe(16);
  });

  it('weighs the long points at the end by what they will take, not by the average so far', () => {
    // ten short points then one long one: an average per point would say 1 s for the last
    const eta = new EtaCorrector([...Array(10).fill(1), 30]);
    for (let i = 0; i < 10; i++) eta.record(i, 1);
    expect(eta.remaining(10)).toBe(30);
  });

  it('points that will not run do not correct the others, and one odd point cannot swing it past the bounds', () => {
    const eta = new EtaCorrector([0, 1, 1]);
    eta.record(0, 0.5);
    expect(eta.factor()).toBe(1);
    eta.record(1, 1000);
    expect(eta.factor()).toBe(ETA_FACTOR_RANGE.max);
    expect(eta.remaining(2)).toBe(ETA_FACTOR_RANGE.max);
  });
});
