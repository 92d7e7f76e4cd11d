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

  it('counts the rounds to come: a point timed in 3 rounds costs 3 of its first, the measured ones their own', () => {
    const eta = new EtaCorrector([1, 1, 1], 3);
    expect(eta.remaining(0)).toBe(9);
    // the first point took 2 s and has 2 rounds to come (4 s); the others now expect 2 s a round
    eta.record(0, 2, 2);
    expect(eta.remaining(1)).toBe(2 * 2 * 3 + 4);
    // a point that settled in its first round has none to come
    eta.record(1, 2, 0);
    expect(eta.remaining(2)).toBe(2 * 3 + 4);
    // and what comes after the last point (the probes again)
    expect(new EtaCorrector([1], 3, 5).remaining(0)).toBe(8);
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
