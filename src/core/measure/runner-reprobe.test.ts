/** The probes repeated after the last point are optional: their failure never costs a measured sweep. */
import { describe, expect, it, vi } from 'vitest';
import type * as Probes from './probes.js';

const calls = { n: 0 };
vi.mock('./probes.js', async (importOriginal) => {
  const real = await importOriginal<typeof Probes>();
  return {
    ...real,
    probeDevice: vi.fn(async () => {
      calls.n++;
      if (calls.n > 1) throw new Error('no space left on device (test)');
      return { bandwidthGBs: 10, gflops: 50, bandwidthMethod: 'test', gflopsMethod: 'test', emptyRunMs: 0.01 };
    }),
  };
});

const { runSweep } = await import('./runner.js');

describe('runSweep, probing again', () => {
  it('a failing second probe leaves the sweep complete with every point, and without probes.again', async () => {
    const report = await runSweep(
      {
        model: { source: 'custom', name: 'tiny', attention: { kind: 'mha', numHeads: 4, numKvHeads: 4, headDim: 16 }, numLayers: 2, maxContext: null },
        variants: ['mha'],
        contexts: [64, 128],
        provider: 'cpu',
        budgetSeconds: 0.05,
      },
      { runId: 'reprobe', onEvent: () => {} },
    );
    expect(calls.n).toBe(2);
    expect(report.complete).toBe(true);
    expect(report.points.map((p) => p.status)).toEqual(['ok', 'ok']);
    expect(report.probes!.again).toBeUndefined();
    for (const p of report.points) expect(p.roofline!.efficiencyCi95).not.toBeNull();
  });
});
