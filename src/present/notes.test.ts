import { describe, expect, it } from 'vitest';
import { point, report } from '@/testing/fixtures.js';
import type { Report } from '@/contract/schemas.js';
import { machineDriftNote, probesText } from './timing.js';
import { ceilingsOf, efficiencyInterval } from '@/contract/roofline.js';
import {
  efficiencyCrossing,
  reportNotes,
  rooflineBeaten,
  rooflineBeatenText,
  runCostDominated,
  runCostDominatedText,
  sweepDrift,
  sweepDriftText,
} from './notes.js';

describe('rooflineBeaten', () => {
  const at = (id: string, efficiency: number, achievedGBs: number, bound: 'memory' | 'compute' = 'memory', achievedGflops = 1) => {
    const p = point({ variant: 'mha', context: 1024 });
    return { ...p, id, roofline: { ...p.roofline!, efficiency, achievedGBs, bound, achievedGflops } };
  };
  const probes = (bandwidthGBs: number, gflops = 1000) => ({ bandwidthGBs, gflops });
  it('counts points over 105% and names the highest, with the fastest read', () => {
    const b = rooflineBeaten([at('a', 1.0, 20), at('b', 3.9, 996), at('c', 1.2, 300), at('d', 0.5, 5000, 'compute')], probes(254));
    expect(b).toEqual({ count: 2, topId: 'b', topEfficiency: 3.9, bound: 'memory', fastest: 996, probe: 254 });
    expect(rooflineBeatenText(b!)).toBe(
      "2 point(s) beat their roofline (up to 390%, b): the graphs read up to 996.0 GB/s where the probe read 254.0 GB/s, so the probe underestimates this device's bandwidth and those efficiencies are upper bounds.",
    );
  });
  it('speaks of FLOP/s when the point that beats it most is compute-bound', () => {
    const b = rooflineBeaten([at('m', 1.1, 9000), at('c', 1.5, 10, 'compute', 3000)], probes(254, 2000));
    expect(b).toMatchObject({ topId: 'c', bound: 'compute', fastest: 3000, probe: 2000 });
    expect(rooflineBeatenText(b!)).toMatch(/computed up to 3000\.0 GFLOP\/s where the probe computed 2000\.0 GFLOP\/s/);
  });
  it('is null within noise, without probes, and for points that were not measured', () => {
    expect(rooflineBeaten([at('a', 1.04, 20)], probes(20))).toBeNull();
    expect(rooflineBeaten([at('a', 2, 20)], null)).toBeNull();
    expect(rooflineBeaten([{ ...at('a', 2, 20), status: 'failed' as const }], probes(20))).toBeNull();
  });
});

describe('runCostDominated', () => {
  const at = (context: number, medianMs: number, overheadMs: number | null) => {
    const p = point({ variant: 'mha', context });
    return { ...p, timing: { ...p.timing!, medianMs, overheadMs } };
  };
  it('counts decode steps over half run cost, with the longest context and the largest share', () => {
    const r = runCostDominated([at(512, 1.1, 1.0), at(8192, 1.6, 1.0), at(32768, 6, 1.0), at(1024, 2, null)]);
    expect(r).toEqual({ count: 2, upToContext: 8192, maxShare: 1.0 / 1.1 });
    expect(runCostDominatedText(r!, 1)).toMatch(
      /^2 decode point\(s\), up to 8192 tokens, take mostly what the same graph takes at 16 cached tokens \(up to 91% of the step\).* --layers N divides/,
    );
    expect(runCostDominatedText(r!, 4)).toMatch(/more --layers \(now 4\) divides/);
  });
  it("the app's wording names its field and says what W_UK/W_UV are, with no CLI flag", () => {
    const r = runCostDominated([at(512, 1.1, 1.0), at(8192, 1.6, 1.0)])!;
    const app = runCostDominatedText(r, 1, 'app');
    expect(app).toMatch(/^2 decode point\(s\), up to 8192 tokens, take mostly what the same graph takes at 16 cached tokens/);
    expect(app).toContain('raising Measured layers spreads that cost');
    expect(app).toContain("the model's fixed up-projection matrices");
    expect(app).not.toMatch(/--|W_UK|W_UV/);
    expect(runCostDominatedText(r, 4, 'app')).toContain('Measured layers (now 4)');
    // the CLI keeps its flag
    expect(runCostDominatedText(r, 1, 'cli')).toContain('--layers N');
    // layers chosen per point (auto): both name where to set them and where the choice is explained
    expect(runCostDominatedText(r, null, 'app')).toMatch(/more Measured layers spread that cost \(left empty, the planner chose each point's layers/);
    expect(runCostDominatedText(r, null, 'app')).not.toMatch(/--|W_UK|W_UV/);
    expect(runCostDominatedText(r, null, 'cli')).toMatch(/auto chose each point's layers; its layers note says why it stopped; --layers N sets them/);
  });
  it('is null when every step is mostly work (the CPU at these sizes)', () => {
    expect(runCostDominated([at(512, 1, 0.02), at(4096, 8, 0.02)])).toBeNull();
  });
});

describe('efficiency intervals past 100%', () => {
  it('lists the points whose interval reaches past 100%, and the notes say so', () => {
    const near = point({ variant: 'mha', context: 512 });
    near.roofline = { ...near.roofline!, efficiency: 0.97, efficiencyCi95: [0.9, 1.04] };
    const far = point({ variant: 'mqa', context: 512 });
    expect(efficiencyCrossing([near, far])).toEqual([near.id]);
    expect(reportNotes({ points: [near, far], probes: null, scaling: { measuredLayers: 1, modelLayers: 8, note: '' } }).join(' ')).toMatch(
      /1 point\(s\) have an efficiency interval that reaches past 100% \(decode\/mha\/fp32\/b1\/t512\)/,
    );
  });
});

describe('efficiencyInterval', () => {
  it("spans the step's interval and every probe taken", () => {
    // 1 GB read: 0.1 s at 10 GB/s, 0.125 s at 8 GB/s; the step 0.2-0.25 s
    const work = { bytes: 1e9, flops: 1 };
    expect(efficiencyInterval(work, [200, 250], [{ bandwidthGBs: 10, gflops: 1e6 }])).toEqual([0.4, 0.5]);
    const [lo, hi] = efficiencyInterval(
      work,
      [200, 250],
      [
        { bandwidthGBs: 10, gflops: 1e6 },
        { bandwidthGBs: 8, gflops: 1e6 },
      ],
    );
    expect(lo).toBeCloseTo(0.4, 10);
    expect(hi).toBeCloseTo(0.625, 10);
  });
});

describe('machineDriftNote', () => {
  const base = report([point({ variant: 'mha', context: 64 })]);
  const withProbes = (bw: number, gf: number, again?: { bandwidthGBs: number; gflops: number }): Report => ({
    ...base,
    probes: { bandwidthGBs: bw, gflops: gf, bandwidthMethod: 't', gflopsMethod: 't', ...(again ? { again } : {}) },
  });
  it('says so where the same machine and provider measured other rates', () => {
    const note = machineDriftNote([withProbes(40, 150), withProbes(32, 150)]);
    expect(note).toMatch(/^B's probes read 0\.80× the bandwidth and 1\.00× the matmul rate of A's, on the same machine and provider/);
  });
  it('is quiet within 5%, for other providers or machines, and averages the probes taken before and after', () => {
    expect(machineDriftNote([withProbes(40, 150), withProbes(41, 148)])).toBeNull();
    expect(machineDriftNote([withProbes(40, 150), { ...withProbes(400, 2000), provider: { name: 'webgpu', options: {} } }])).toBeNull();
    expect(machineDriftNote([withProbes(40, 150), { ...withProbes(20, 150), machine: { ...base.machine, cpuModel: 'other' } }])).toBeNull();
    expect(machineDriftNote([withProbes(40, 150), withProbes(36, 150, { bandwidthGBs: 44, gflops: 150 })])).toBeNull();
  });
});

describe('the ceilings a report is judged against', () => {
  const probes = (again?: { bandwidthGBs: number; gflops: number }): Pick<Report, 'probes'> => ({
    probes: { bandwidthGBs: 31.5, gflops: 157, bandwidthMethod: 't', gflopsMethod: 't', ...(again ? { again } : {}) },
  });
  it('are the mean of the probe runs before and after the sweep, and the header says both', () => {
    const r = probes({ bandwidthGBs: 23.5, gflops: 123 });
    expect(ceilingsOf(r.probes)).toEqual({ bandwidthGBs: 27.5, gflops: 140 });
    expect(probesText(r)).toBe(
      '27.5 GB/s read, 140.0 GFLOP/s matmul (mean of the probes before the sweep, 31.5 GB/s / 157.0 GFLOP/s, and after it, 23.5 / 123.0)',
    );
  });
  it('are the one run where the probes were not repeated, or none', () => {
    expect(ceilingsOf(probes().probes)).toEqual({ bandwidthGBs: 31.5, gflops: 157 });
    expect(probesText(probes())).toBe('31.5 GB/s read, 157.0 GFLOP/s matmul');
    expect(ceilingsOf(null)).toBeNull();
    expect(probesText({ probes: null })).toBe('none');
  });
  it('are what the roofline note compares the fastest point with', () => {
    const p = point({ variant: 'mha', context: 1024 });
    const fast = { ...p, roofline: { ...p.roofline!, efficiency: 1.3, achievedGBs: 36, bound: 'memory' as const } };
    const r = { ...report([fast]), ...probes({ bandwidthGBs: 23.5, gflops: 123 }) };
    expect(reportNotes(r).join(' ')).toMatch(/where the probe read 27\.5 GB\/s/);
  });
});

describe('sweepDrift', () => {
  const passes = (...gbs: number[]) => ({ passes: gbs.map((referenceGBs, i) => ({ pass: i + 1, referenceGBs })) });
  it('says nothing for one pass, no passes, or a spread within 10%', () => {
    expect(sweepDrift({})).toBeNull();
    expect(sweepDrift(passes(30))).toBeNull();
    expect(sweepDrift(passes(30, 29, 27.5))).toBeNull();
    expect(sweepDriftText(passes(30, 29, 27.5))).toBeNull();
  });
  it('names the spread and every pass where the machine slowed down mid-sweep, and reaches the report notes', () => {
    expect(sweepDrift(passes(30, 29, 24))).toEqual({ fastest: 30, slowest: 24, spread: 0.25 });
    const text = sweepDriftText(passes(30, 29, 24))!;
    expect(text).toContain('moved 25%');
    expect(text).toContain('30.0, 29.0, 24.0 GB/s before passes 1 to 3');
    const r = { ...report([point({ variant: 'mha', context: 64 })]), ...passes(30, 24) };
    expect(reportNotes(r)).toContain(sweepDriftText(r));
  });
});
