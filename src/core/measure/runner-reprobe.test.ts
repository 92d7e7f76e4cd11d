/** The probes repeated after the last point are optional: their failure never costs a measured sweep. */
import { describe, expect, it, vi } from 'vitest';
import type * as Probes from './probes.js';
import type { SweepConfigInput } from '@/contract/schemas.js';

const calls = { n: 0, failAgain: true };
vi.mock('./probes.js', async (importOriginal) => {
  const real = await importOriginal<typeof Probes>();
  return {
    ...real,
    probeDevice: vi.fn(async () => {
      calls.n++;
      if (calls.n > 1 && calls.failAgain) throw new Error('no space left on device (test)');
      // the second run reads 3x the first: the machine sped up during the sweep
      const k = calls.n > 1 ? 3 : 1;
      return { bandwidthGBs: 10 * k, gflops: 50 * k, bandwidthMethod: 'test', gflopsMethod: 'test', emptyRunMs: 0.01 };
    }),
  };
});

const { runSweep } = await import('./runner.js');
const { attainableSeconds } = await import('@/contract/roofline.js');

const tinySweep: SweepConfigInput = {
  model: { source: 'custom', name: 'tiny', attention: { kind: 'mha', numHeads: 4, numKvHeads: 4, headDim: 16 }, numLayers: 2, maxContext: null },
  variants: ['mha'],
  contexts: [64, 128],
  provider: 'cpu',
  budgetSeconds: 0.05,
};

describe('runSweep, probing again', () => {
  it('a failing second probe leaves the sweep complete with every point, and without probes.again', async () => {
    calls.n = 0;
    calls.failAgain = true;
    const report = await runSweep(tinySweep, { runId: 'reprobe', onEvent: () => {} });
    expect(calls.n).toBe(2);
    expect(report.complete).toBe(true);
    expect(report.points.map((p) => p.status)).toEqual(['ok', 'ok']);
    expect(report.probes!.again).toBeUndefined();
    for (const p of report.points) expect(p.roofline!.efficiencyCi95).not.toBeNull();
  });
  it('judges every efficiency against the mean of both probe runs, its interval spanning both', async () => {
    calls.n = 0;
    calls.failAgain = false;
    const report = await runSweep(tinySweep, { runId: 'reprobe2', onEvent: () => {} });
    expect(calls.n).toBe(2);
    expect(report.probes!.again).toEqual({ bandwidthGBs: 30, gflops: 150 });
    for (const p of report.points) {
      const r = p.roofline!;
      const t = p.timing!;
      const at = (bw: number, gf: number): number => attainableSeconds(r, { bandwidthGBs: bw, gflops: gf }) * 1000;
      expect(r.attainableMs).toBeCloseTo(at(20, 100), 9);
      expect(r.efficiency).toBeCloseTo(at(20, 100) / t.medianMs, 9);
      expect(r.efficiencyCi95![0]).toBeCloseTo(at(30, 150) / t.ci95Ms![1], 9);
      expect(r.efficiencyCi95![1]).toBeCloseTo(at(10, 50) / t.ci95Ms![0], 9);
    }
  });
});
