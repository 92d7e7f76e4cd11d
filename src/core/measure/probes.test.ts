import { describe, expect, it } from 'vitest';
import { testProviders } from '../testing/providers.js';
import { probeDevice, slopeRate } from './probes.js';

describe('probeDevice', () => {
  it('measures bandwidth and FLOP/s on the CPU from one run per graph', async () => {
    const p = await probeDevice('cpu', { bytes: 16 * 2 ** 20, matmulN: 256 });
    expect(p.bandwidthGBs).toBeGreaterThan(0.1);
    expect(p.gflops).toBeGreaterThan(0.1);
    expect(p.emptyRunMs).toBeGreaterThan(0);
    expect(p.bandwidthMethod).not.toMatch(/slope|MHA decode/);
    expect(p.gflopsMethod).toMatch(/^MatMul 256x256x256 fp32 on cpu, fastest of \d+ runs$/);
  });
  it('on a GPU provider, takes the slope over repeats where the fixed run cost would dominate', async () => {
    if (!(await testProviders()).includes('webgpu')) return;
    // Small enough that one run is mostly fixed cost, even on software Vulkan.
    const p = await probeDevice('webgpu', { bytes: 2 ** 20, matmulN: 64 });
    // the slope is tried; whether it is plausible depends on the timings (a busy machine can make it not)
    const slope = '(slope of 1 vs 9 per run|one run \\(the slope over 9 repeats was implausible)';
    expect(p.bandwidthMethod).toMatch(new RegExp(`GEMV \\[1,1024\\]x\\[1024,256\\] fp32, ${slope}`));
    expect(p.gflopsMethod).toMatch(new RegExp(`^MatMul 64x64x64 fp32 on webgpu, resident operands, fastest of \\d+ runs, ${slope}`));
    // GPU providers also try attention's own access pattern
    expect(p.bandwidthMethod).toMatch(/MHA decode graph \(32 heads x 128, T = 16, fp32\)/);
    for (const v of [p.bandwidthGBs, p.gflops]) expect(Number.isFinite(v) && v > 0).toBe(true);
  }, 120_000);
});

describe('slopeRate', () => {
  it('takes the fixed run cost out: 1 ms fixed + 0.25 ms of work, 9 repeats', () => {
    const r = slopeRate(256e6, 1.25, 1 + 9 * 0.25);
    expect(r.slope).toBe(true);
    expect(r.rate).toBeCloseTo(256e6 / 0.25e-3, -3); // 1.024 TB/s, where one run says 205 GB/s
  });
  it('falls back to the single run, marked, where the slope is implausible', () => {
    // repeats no slower (noise), or barely slower: an absurd rate
    expect(slopeRate(1e6, 2, 1.9)).toEqual({ rate: 1e6 / 2e-3, slope: 'rejected' });
    expect(slopeRate(1e6, 2, 2.001)).toEqual({ rate: 1e6 / 2e-3, slope: 'rejected' });
    // each repeat much slower than a whole single run: a negative fixed cost
    expect(slopeRate(1e6, 2, 2 + 8 * 3).slope).toBe('rejected');
  });
  it('takes the single run where the slope finds no fixed cost within noise', () => {
    expect(slopeRate(1e6, 2, 2 + 8 * 2.2)).toEqual({ rate: 1e6 / 2e-3, slope: true });
  });
});

describe('--ep auto', () => {
  it('measures a quick GEMV on every working provider and takes the fastest, saying so', async () => {
    const { chooseProvider, providerStatuses } = await import('./provider-choice.js');
    const working = (await providerStatuses()).filter((s) => s.works).map((s) => s.name);
    const { provider, why } = await chooseProvider('auto');
    if (working.length === 1) {
      expect(why).toBe('auto: the only provider that works here');
      return;
    }
    const rates = [...why.matchAll(/(\w+) ([\d.]+) GB\/s/g)].map((m) => [m[1], Number(m[2])] as const);
    expect(rates.map(([n]) => n).sort()).toEqual([...working].sort());
    for (const [, r] of rates) expect(r).toBeGreaterThan(0);
    expect(provider).toBe(rates.reduce((a, b) => (b[1] > a[1] ? b : a))[0]);
  }, 120_000);
});
