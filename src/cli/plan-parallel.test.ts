import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGpus } from './commands/plan-parallel.js';
import { main, type Io } from './main.js';

function capture(): Io & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', tty: false, out: (s: string) => void (io.stdout += s), err: (s: string) => void (io.stderr += s) };
  return io;
}
type Row = { variant: string; kvBytesPerToken: number; largestBatch: number; rule: string; estimate?: { tokensPerSecond: number } };

describe('kvscope plan on N GPUs', () => {
  it('--tp 8 --gpus 8x80GB --json: perGpu figures of Llama-3.1-70B (40,960 B/token per GPU)', async () => {
    const io = capture();
    expect(await main(['plan', '--preset', 'llama-3.1-70b', '--tp', '8', '--gpus', '8x80GB', '--context', '128k', '--json'], io)).toBe(0);
    const j = JSON.parse(io.stdout);
    expect(j.memoryBytes).toBe(80e9); // one GPU of --gpus is the one-GPU table's memory
    expect(j.perGpu).toMatchObject({ tp: 8, pp: 1, dp: 1, dcp: 1, gpus: 8, gpuMemoryBytes: 80e9, sequencesPerGpu: 1 });
    const gqa = j.perGpu.variants.find((v: Row) => v.variant === 'gqa');
    expect(gqa).toMatchObject({ isModel: true, kvBytesPerToken: 40_960, modelKvBytesPerToken: 327_680, largestBatch: 11 });
    expect(j.perGpu.estimate.missing).toMatch(/no decode estimate/);
  });

  it('prints the per-GPU table with the placement rules and the labelled estimate', async () => {
    const io = capture();
    const argv = [
      'plan',
      '--preset',
      'deepseek-v3',
      '--dp',
      '8',
      '--dp-attention',
      '--gpus',
      '8x141GB',
      '--weight-dtype',
      'fp8',
      '--batch',
      '8',
      '--context',
      '128k',
    ];
    expect(await main([...argv, '--hbm-gbs', '4800', '--link-gbs', '900'], io)).toBe(0);
    expect(io.stdout).toMatch(
      /per GPU on 8 x 141 GB \(131 GiB\) \(analytic\): weights 87\.4 GiB, 43\.9 GiB left for the cache, 1 sequence per GPU \(batch 8\)/,
    );
    expect(io.stdout).toMatch(/DP attention 8: sequences split over 8 ranks \(1 of 8 each\)/);
    expect(io.stdout).toMatch(
      /mla-absorbed \(model\)\s+70,272 B\s+70,272 B\s+8\.6 GiB\s+670,797\s+40\s+[\d,.]+\s+MLA latent \(no heads\): whole on each GPU \(no TP split\); sequences split over 8 DP-attention ranks/,
    );
    expect(io.stdout).toMatch(/est\. tok\/s is an estimate, analytic roofline: .* \/ 4800 GB\/s/);
    expect(io.stdout).toMatch(/interconnect assumption: no TP all-reduce \(TP 1\); MoE all-to-all not counted/);
    const tp = capture();
    expect(
      await main(
        [
          'plan',
          '--preset',
          'deepseek-v3',
          '--tp',
          '8',
          '--gpus',
          '8x141GB',
          '--weight-dtype',
          'fp8',
          '--batch',
          '8',
          '--context',
          '128k',
          '--link-gbs',
          '900',
          '--json',
        ],
        tp,
      ),
    ).toBe(0);
    const j = JSON.parse(tp.stdout);
    const mla = j.perGpu.variants.find((v: Row) => v.variant === 'mla-absorbed');
    expect(mla.kvBytesPerToken).toBe(70_272);
    expect(mla.largestBatch).toBe(6);
    expect(j.perGpu.estimate.interconnect).toMatch(/at 900 GB\/s/);
  });

  it('--report: the estimate is built on the measured per-layer step (the H200 sweep of DeepSeek-V3 dims in docs/measurements)', async () => {
    const file = 'docs/measurements/h200-webgpu.json';
    const io = capture();
    const argv = ['plan', '--preset', 'deepseek-v3', '--tp', '8', '--gpus', '8x141GB', '--weight-dtype', 'fp8', '--context', '32k', '--batch', '8'];
    expect(await main([...argv, '--report', file, '--json'], io)).toBe(0);
    const j = JSON.parse(io.stdout);
    // each GPU holds 8 sequences x 32K x 1,152 B (bf16) per layer = the 128K x 2,304 B (fp32) point measured there
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const point = report.points.find(
      (p: { variant: string; context: number; mode: string }) => p.variant === 'mla-absorbed' && p.mode === 'decode' && p.context === 131072,
    );
    const e = j.perGpu.variants.find((v: Row) => v.variant === 'mla-absorbed').estimate;
    expect(e.attentionMs).toBeCloseTo(point.timing.perLayerMs * 61, 9);
    expect(e.attentionBasis).toBe('measured step at 131072 tokens scaled by the bytes this GPU holds (x1)');
    expect(e.weightsMs).toBeCloseTo((37e9 / 8 / (report.probes.bandwidthGBs * 1e9)) * 1000, 9);
    expect(j.perGpu.estimate.basis).toMatch(/^estimate built on docs\/measurements\/h200-webgpu\.json \(webgpu, 2026-11-28\)/);
    // without a layout the answer has no perGpu
    const one = capture();
    expect(await main(['plan', '--preset', 'deepseek-v3', '--memory', '1TB', '--json'], one)).toBe(0);
    expect(JSON.parse(one.stdout)).not.toHaveProperty('perGpu');
  });

  it('reads --gpus as COUNTxSIZE', () => {
    expect(parseGpus('8x80GB')).toEqual({ count: 8, bytes: 80e9 });
    expect(parseGpus('4 × 24GiB')).toEqual({ count: 4, bytes: 24 * 2 ** 30 });
  });

  const bad: [string, string[], RegExp][] = [
    ['a --gpus without a count', ['--gpus', '80GB'], /--gpus: "80GB" is not COUNTxSIZE \(examples: 8x80GB/],
    ['a --gpus size that is not one', ['--gpus', '8xlots'], /--gpus size: "lots" is not a size/],
    ['--tp 0', ['--tp', '0'], /--tp: "0" is not a whole number from 1 to 1,024/],
    ['--dp too large', ['--dp', '100000'], /--dp: "100000" is not a whole number from 1 to 65,536/],
    ['--link-gbs 0', ['--tp', '8', '--link-gbs', '0'], /--link-gbs: "0" is not a number above 0/],
    ['--hbm-gbs text', ['--hbm-gbs', 'fast'], /--hbm-gbs: "fast" is not a number above 0/],
    ['TP not dividing the heads', ['--tp', '3'], /TP 3 does not divide the 64 query heads/],
    ['GPUs not tp x pp x dp', ['--tp', '8', '--gpus', '4x80GB'], /4 GPUs do not match TP 8 x PP 1 x DP 1 = 8/],
    ['PP beyond the layers', ['--pp', '81'], /PP 81 is more stages than the model's 80 layers/],
    ['DCP not dividing TP', ['--tp', '8', '--dcp', '3'], /DCP 3 does not divide TP 8/],
    ['DP attention without DP', ['--tp', '8', '--dp-attention'], /DP attention needs DP 2 or more/],
  ];
  it.each(bad)('BAD CALL - %s', async (_, flags, message) => {
    const io = capture();
    expect(await main(['plan', '--preset', 'llama-3.1-70b', '--memory', '80GB', ...flags], io)).toBe(2);
    expect(io.stderr).toMatch(message);
  });
  it('BAD CALL - multi-GPU flags with --onnx', async () => {
    const io = capture();
    expect(await main(['plan', '--onnx', 'x.onnx', '--tp', '2'], io)).toBe(2);
    expect(io.stderr).toMatch(/--tp, --pp, --dp, --dcp, --gpus and the estimate flags plan a --preset or --config model, not --onnx/);
  });
});
