import { describe, expect, it } from 'vitest';
import { testProviders } from '../testing/providers.js';
import { probeDevice } from './probes.js';

describe('probeDevice', () => {
  it('measures bandwidth and FLOP/s on the CPU from one run per graph', async () => {
    const p = await probeDevice('cpu', { bytes: 16 * 2 ** 20, matmulN: 256 });
    expect(p.bandwidthGBs).toBeGreaterThan(0.1);
    expect(p.gflops).toBeGreaterThan(0.1);
    expect(p.emptyRunMs).toBeGreaterThan(0);
    expect(p.bandwidthMethod).not.toMatch(/slope/);
    expect(p.gflopsMethod).toBe('MatMul 256x256x256 fp32 on cpu, fastest of 7 runs');
  });
  it('on a GPU provider, takes the slope over repeats where the fixed run cost would dominate', async () => {
    if (!(await testProviders()).includes('webgpu')) return;
    // Small enough that one run is mostly fixed cost, even on software Vulkan.
    const p = await probeDevice('webgpu', { bytes: 2 ** 20, matmulN: 64 });
    expect(p.bandwidthMethod).toMatch(/GEMV \[1,1024\]x\[1024,256\] fp32, slope of 1 vs 9 per run/);
    expect(p.gflopsMethod).toMatch(/^MatMul 64x64x64 fp32 on webgpu, resident operands, fastest of 7 runs, slope of 1 vs 9 per run/);
    for (const v of [p.bandwidthGBs, p.gflops]) expect(Number.isFinite(v) && v > 0).toBe(true);
  }, 120_000);
});
