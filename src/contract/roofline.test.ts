import { describe, expect, it } from 'vitest';
import { point } from './fixtures.js';
import { rooflineBeaten, rooflineBeatenText } from './roofline.js';

describe('rooflineBeaten', () => {
  const at = (id: string, efficiency: number, achievedGBs: number) => {
    const p = point({ variant: 'mha', context: 1024 });
    return { ...p, id, roofline: { ...p.roofline!, efficiency, achievedGBs } };
  };
  it('counts points over 105% and names the highest, with the fastest read', () => {
    const b = rooflineBeaten([at('a', 1.0, 20), at('b', 3.9, 996), at('c', 1.2, 300)], 254);
    expect(b).toEqual({ count: 2, topId: 'b', topEfficiency: 3.9, fastestGBs: 996, probeGBs: 254 });
    expect(rooflineBeatenText(b!)).toBe(
      '2 point(s) beat their roofline (up to 390%, b): the graphs read up to 996.0 GB/s where the probe read 254.0 GB/s, so the probe underestimates this device and those efficiencies are upper bounds.',
    );
  });
  it('is null within noise, without probes, and for points that were not measured', () => {
    expect(rooflineBeaten([at('a', 1.04, 20)], 20)).toBeNull();
    expect(rooflineBeaten([at('a', 2, 20)], null)).toBeNull();
    expect(rooflineBeaten([{ ...at('a', 2, 20), status: 'failed' as const }], 20)).toBeNull();
  });
});
