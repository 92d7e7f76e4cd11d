import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseReport } from '@/core/report/report.js';
import { answer, summaryTable } from './format.js';

// A real report: the default sweep on WebGPU on an NVIDIA H200 (docs/measurements/README.md).
const h200 = parseReport(readFileSync(new URL('../../docs/measurements/h200-webgpu.json', import.meta.url), 'utf8'));

describe('the sweep summary', () => {
  it('answers the MLA question from the H200 report', () => {
    const text = answer(h200);
    expect(text).toMatch(/KV cache of deepseek-v3 \(61 layers, fp32\) at 131072 tokens: MLA 17\.2 GiB vs MHA-equivalent 1\.2 TiB \(98\.6% less/);
    expect(text).toMatch(/mla-absorbed 9\.33 ms\/layer vs MHA-equivalent 21\.56 ms\/layer/);
  });
  it('says when points beat the probe roofline, with the figures', () => {
    const text = answer(h200);
    expect(text).toMatch(
      /Note: \d+ point\(s\) beat their roofline \(up to 392%, decode\/mha\/fp32\/b1\/t131072\): the graphs read up to 995\.8 GB\/s where the probe read 253\.7 GB\/s/,
    );
    const capped = {
      ...h200,
      points: h200.points.map((p) => (p.roofline ? { ...p, roofline: { ...p.roofline, efficiency: Math.min(p.roofline.efficiency, 1) } } : p)),
    };
    expect(answer(capped)).not.toMatch(/beat their roofline/);
  });
  it('says when short steps are mostly the fixed run cost (WebGPU on the H200 up to 32K)', () => {
    expect(answer(h200)).toMatch(
      /Note: 14 decode point\(s\), up to 32768 tokens, take mostly what the same graph takes at 16 cached tokens \(up to 100% of the step\): .* --layers N divides that by N\./,
    );
  });
  it('names the memory budget and what bounded it when the report records it', () => {
    expect(answer(h200)).toMatch(/fits 100 GiB here/);
    const withBudget = { ...h200, memoryBudget: { bytes: 2 ** 36, limitedBy: 'device' as const, note: '80% of 80.0 GiB free webgpu device memory' } };
    expect(answer(withBudget)).toMatch(/fits 64\.0 GiB \(80% of 80\.0 GiB free webgpu device memory\) here/);
  });
});

describe('the sweep table', () => {
  it("shows each point's step at T = 16 beside its step (most of a short GPU step)", () => {
    const lines = summaryTable(h200).split('\n');
    const head = lines[0]!.split(/ {2,}/);
    // (the whole model's fit is blank: this report predates its memory budget)
    expect(head.slice(5, 12)).toEqual(['model fits', 'step ms/layer', '95% CI', 'noisy', 'cv', 'T=16 ms/layer', 'model ms']);
    const mha512 = lines.find((l) => l.startsWith('decode mha fp32 b1 T=512 '))!.split(/ {2,}/);
    expect(mha512[5]).toBe('-');
    expect(mha512[6]).toBe('1.12'); // step
    // a version-1 report (migrated on load) has no interval and no noise verdict
    expect(mha512.slice(7, 9)).toEqual(['n/a', '?']);
    expect(mha512[10]).toBe('1.03'); // run cost of the same graph at T = 16
    // with 8 layers in the graph, both columns are per layer
    const eight = { ...h200, scaling: { ...h200.scaling, measuredLayers: 8 } };
    const eightLines = summaryTable(eight).split('\n');
    // (a graph of more than one layer adds the Graph layers column: the run cost is found by its header)
    const at = eightLines[0]!.split(/ {2,}/).indexOf('T=16 ms/layer');
    const row = eightLines.find((l) => l.startsWith('decode mha fp32 b1 T=512 '))!.split(/ {2,}/);
    expect(row[at]).toBe('0.129');
  });
});
