import { describe, expect, it } from 'vitest';
import { rememberedProbes, rememberProbes } from './probe-memory.js';

describe('probe figures kept for the next plan', () => {
  it("gives the provider's last figures, nothing before a sweep, and ignores empty ones", () => {
    expect(rememberedProbes('webgpu')).toEqual({});
    rememberProbes('webgpu', { bandwidthGBs: 250, gflops: 40_000, emptyRunMs: 1.2 });
    rememberProbes('webgpu', { bandwidthGBs: 0, gflops: 1, emptyRunMs: 1 });
    expect(rememberedProbes('webgpu')).toEqual({ bandwidthGBs: 250, gflops: 40_000, runCostMs: 1.2 });
    expect(rememberedProbes('cpu')).toEqual({});
  });
});
