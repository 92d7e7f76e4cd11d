import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIGS } from '@/core/model/fixtures/configs.js';
import { parseReport } from '@/core/report/report.js';
import { parseBytes, parseContexts, parseCount, parseVariants, UsageError } from './args.js';
import { main, type Io } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): Io & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', tty: false, out: (s: string) => void (io.stdout += s), err: (s: string) => void (io.stderr += s) };
  return io;
}

describe('flag parsing', () => {
  it('reads counts with k/m suffixes', () => {
    expect(parseCount('4k', '--x')).toBe(4096);
    expect(parseCount('1m', '--x')).toBe(1 << 20);
    expect(() => parseCount('4q', '--x')).toThrow(/"4q" is not a whole number from 1 to 9,007,199,254,740,991 \(examples: /);
  });
  it('reads context lists and power-of-two ranges', () => {
    expect(parseContexts('512..4k')).toEqual([512, 1024, 2048, 4096]);
    expect(parseContexts('1k..64k*4')).toEqual([1024, 4096, 16384, 65536]);
    expect(parseContexts('4k,1k,4k')).toEqual([1024, 4096]);
    expect(() => parseContexts('8k..1k')).toThrow(/ends below its start/);
    expect(() => parseContexts('1..1m')).not.toThrow();
    expect(() =>
      parseContexts(
        '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65',
      ),
    ).toThrow(/too many/);
  });
  it('expands variant aliases and rejects unknown ones', () => {
    expect(parseVariants('mla,mha')).toEqual(['mla-naive', 'mla-absorbed', 'mha']);
    expect(() => parseVariants('mha,flash')).toThrow(UsageError);
    expect(() => parseVariants('mha,flash')).toThrow(/unknown value "flash"; choose from mha, gqa/);
  });
  it('reads sizes', () => {
    expect(parseBytes('80GB', '--memory')).toBe(80e9);
    expect(parseBytes('24GiB', '--memory')).toBe(24 * 2 ** 30);
  });
});

describe('BAD CALL - kvscope sweep', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown preset', ['sweep', '--preset', 'gpt-9'], /unknown preset "gpt-9"; known presets: deepseek-v3/],
    ['malformed config file', ['sweep', '--config', join(dir, 'broken.json')], /is not valid JSON/],
    ['missing config file', ['sweep', '--config', join(dir, 'nope.json')], /cannot read config file .*ENOENT/],
    ['config without heads', ['sweep', '--config', join(dir, 'noheads.json')], /config.json lacks "num_attention_heads" or "n_head"/],
    ['impossible dims', ['sweep', '--heads', '10', '--kv-heads', '4'], /numHeads \(10\) must be a multiple of numKvHeads \(4\)/],
    ['bad context', ['sweep', '--contexts', 'lots'], /--contexts: "lots" is not a whole number from 1 to 16,777,216/],
    ['bad provider', ['sweep', '--ep', 'tpu'], /Allowed choices are auto, cpu/],
    ['two model sources', ['sweep', '--preset', 'llama-3.1-8b', '--heads', '8'], /give one of --preset, --config FILE, or custom dims/],
    ['zero budget', ['sweep', '--budget', '0'], /--budget: "0" is not a number above 0 and at most 3600/],
  ];
  writeFileSync(join(dir, 'broken.json'), '{"hidden_size": 4096,');
  writeFileSync(join(dir, 'noheads.json'), JSON.stringify({ hidden_size: 4096, num_hidden_layers: 2 }));
  it.each(cases)('%s: clear error, exit 2', async (_, argv, message) => {
    const io = capture();
    const code = await main([...argv, '--out', join(dir, 'never.json'), '--plan'], io);
    expect(code).toBe(2);
    expect(io.stderr).toMatch(message);
  });
  it('a context that cannot fit is reported as does-not-fit in the plan, not attempted', async () => {
    const io = capture();
    const code = await main(['sweep', '--preset', 'llama-3.1-70b', '--variants', 'mha', '--contexts', '64m', '--plan'], io);
    expect(code).toBe(2);
    expect(io.stderr).toMatch(/typed array can hold|contexts/);
  });
});

describe('kvscope sweep --plan and presets', () => {
  it('plans the default sweep without running it', async () => {
    const io = capture();
    expect(await main(['sweep', '--plan'], io)).toBe(0);
    expect(io.stdout).toMatch(/decode\/mla-absorbed\/fp32\/b1\/t131072/);
    expect(io.stdout).toMatch(/25 points, budget/);
    // layers on auto by default: one per graph on the CPU
    expect(io.stdout).toMatch(/layers per graph: auto: 1 layer per graph on the CPU/);
  });
  it('--layers sets the layers of every graph (auto by default), and says so in the plan', async () => {
    const io = capture();
    expect(
      await main(['sweep', '--preset', 'llama-3.1-8b', '--variants', 'mha', '--contexts', '512,4k', '--ep', 'webgpu', '--layers', '3', '--plan'], io),
    ).toBe(0);
    const [head, ...rows] = io.stdout.split('\n');
    const col = head!.split(/ {2,}/).indexOf('layers');
    expect(rows.slice(0, 2).map((l) => l.split(/ {2,}/)[col])).toEqual(['3', '3']);
    expect(io.stdout).toMatch(/layers per graph: 3 layers per graph \(set\)/);
    const auto = capture();
    expect(
      await main(['sweep', '--preset', 'llama-3.1-8b', '--variants', 'mha', '--contexts', '512', '--ep', 'webgpu', '--layers', 'auto', '--plan'], auto),
    ).toBe(0);
    expect(auto.stdout).toMatch(/layers per graph: auto: chosen per point once the provider's fixed run cost is measured/);
    const bad = capture();
    expect(await main(['sweep', '--layers', 'many', '--plan'], bad)).toBe(2);
    expect(bad.stderr).toMatch(/--layers: "many" is not a whole number from 1 to 256/);
  });
  it('lists presets with their bf16 KV bytes per token', async () => {
    const io = capture();
    expect(await main(['presets'], io)).toBe(0);
    expect(io.stdout).toMatch(/deepseek-v3 .* 70272 B/);
    expect(io.stdout).toMatch(/llama-3\.1-8b .* 131072 B/);
    // window-aware: 12 full x 32768 + 12 sliding x 128 tokens x 2048 B (presets-hybrid.test.ts)
    expect(io.stdout).toMatch(/gpt-oss-20b .*12 sliding \(window 128\), 12 global .* 49152 B +808452096 B/);
  });
});

describe('kvscope devices', () => {
  it('lists every provider with whether it works and why not, the GPUs and free memory', async () => {
    const io = capture();
    expect(await main(['devices'], io)).toBe(0);
    expect(io.stdout).toMatch(/^provider +compiled in +works +note$/m);
    expect(io.stdout).toMatch(/^cpu +yes +yes +probe \d+ ms$/m);
    for (const p of ['webgpu', 'cuda', 'dml', 'coreml']) expect(io.stdout).toMatch(new RegExp(`^${p} +(yes|no) +(yes|no) `, 'm'));
    expect(io.stdout).toMatch(/^gpu: /m);
    expect(io.stdout).toMatch(/^free memory: [\d.]+ [KMGT]?i?B$/m);
  });
});

describe('kvscope sweep (real, small)', () => {
  it('measures, prints the table and the answer, and writes a valid report', async () => {
    const out = join(dir, 'small.json');
    const io = capture();
    const code = await main(
      [
        'sweep',
        '--heads',
        '8',
        '--kv-heads',
        '2',
        '--head-dim',
        '32',
        '--model-layers',
        '4',
        '--variants',
        'mha,gqa,mla-absorbed',
        '--contexts',
        '256,1k',
        '--ep',
        'cpu',
        '--budget',
        '0.05',
        '--out',
        out,
      ],
      io,
    );
    expect(io.stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    const report = parseReport(readFileSync(out, 'utf8'));
    expect(report.complete).toBe(true);
    expect(report.points).toHaveLength(6);
    expect(report.points.every((p) => p.status === 'ok' && p.timing!.medianMs > 0)).toBe(true);
    expect(report.scaling).toMatchObject({ measuredLayers: 1, modelLayers: 4 });
    expect(io.stdout).toMatch(/decode gqa fp32 b1 T=1024\s+ok/);
    expect(io.stdout).toMatch(/Largest context whose whole-model cache fits/);
    expect(io.stderr).toMatch(/\[#+\] 6\/6/);
    // every point was measured: noisy ones are listed as measured but noisy, none as not measured
    expect(io.stdout).not.toMatch(/not measured:/);
    const noisy = report.points.filter((p) => p.timing!.noisy).map((p) => p.id);
    if (noisy.length === 0) expect(io.stdout).not.toMatch(/measured, but noisy:/);
    else for (const id of noisy) expect(io.stdout.slice(io.stdout.indexOf('measured, but noisy:'))).toContain(`${id}: `);
  });
});

describe('kvscope sweep interrupted', () => {
  it('Ctrl-C writes the points measured so far, marked incomplete, and exits 130', async () => {
    const out = join(dir, 'interrupted.json');
    const io = capture();
    const err = io.err;
    let sent = false;
    io.err = (s: string) => {
      err(s);
      // after the second point finished, as a user pressing Ctrl-C would
      if (!sent && /\] 2\/\d+/.test(s)) {
        sent = true;
        process.emit('SIGINT');
      }
    };
    const code = await main(
      ['sweep', '--heads', '4', '--head-dim', '16', '--variants', 'mha,mqa', '--contexts', '128,256,512,1k', '--ep', 'cpu', '--budget', '0.05', '--out', out],
      io,
    );
    expect(code).toBe(130);
    const report = parseReport(readFileSync(out, 'utf8'));
    expect(report.complete).toBe(false);
    expect(report.incompleteReason).toBe('cancelled');
    expect(report.points.length).toBeGreaterThanOrEqual(2);
    expect(report.points.length).toBeLessThan(8);
    expect(io.stderr).toMatch(/interrupted: finishing the current step/);
  });
});

describe('kvscope plan', () => {
  it('--json gives the derived spec, KV bytes per token, the window-aware cache, weights and the largest context', async () => {
    const io = capture();
    expect(await main(['plan', '--preset', 'mistral-7b', '--context', '32k', '--memory', '24GB', '--json'], io)).toBe(0);
    const j = JSON.parse(io.stdout);
    expect(j.spec).toEqual({ kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 });
    expect(j.kvBytesPerToken).toBe(131072);
    expect(j.cacheTokens).toBe(4096); // the sliding window caps the cache
    expect(j.cacheBytesAtContext).toBe(131072 * 4096);
    expect(j.weightsBytes).toBe(7.24e9 * 2);
    expect(j.largestContext).toBeNull(); // any context fits behind the window
    expect(j.largestBatch).toBe(Math.floor((24e9 - 7.24e9 * 2) / (131072 * 4096)));
  });
  it('plans a config.json with estimated parameters and shows the MLA what-if', async () => {
    const cfg = join(dir, 'llama.json');
    writeFileSync(cfg, JSON.stringify(CONFIGS['llama-3.1-8b']));
    const io = capture();
    expect(await main(['plan', '--config', cfg, '--context', '128k', '--memory', '80GB', '--weight-dtype', 'fp8', '--cache-dtype', 'fp8', '--json'], io)).toBe(
      0,
    );
    const j = JSON.parse(io.stdout);
    expect(j.paramsSource).toBe('estimated from config.json');
    expect(j.kvBytesPerToken).toBe(2 * 8 * 128 * 1 * 32);
    const mla = j.variants.find((v: { variant: string }) => v.variant === 'mla-absorbed');
    expect(mla.kvBytesPerToken).toBe((512 + 64) * 32);
    expect(mla.vsMha).toBeCloseTo(576 / 8192, 10);
    expect(mla.shape).toBe('MLA 32 heads, d_c 512 + d_R 64');
    expect(j.variants.find((v: { variant: string }) => v.variant === 'mha').shape).toBe('32 heads x 128, 32 K/V heads');
    expect(j.largestContext).toBe(Math.floor((80e9 - j.weightsBytes) / j.kvBytesPerToken));
  });
  it('gives a hybrid model its exact per-layer cache, ideal and paged, both in --json and both labelled in text', async () => {
    const io = capture();
    expect(await main(['plan', '--preset', 'gpt-oss-20b', '--context', '32k', '--memory', '80GB', '--json'], io)).toBe(0);
    const j = JSON.parse(io.stdout);
    // 12 full x 32768 + 12 sliding x 128 tokens, 2048 B each (presets-hybrid.test.ts)
    expect(j.cacheBytesAtContext).toBe(808_452_096);
    // 16-token pages; a 128 window spans 9 pages
    expect(j.paged.cacheBytesAtContext).toBe(808_845_312);
    expect(j.paging).toMatchObject({ pageTokens: 16, windowedLayers: 'window' });
    expect(j.idealNote).toMatch(/^ideal: the exact sum over layers/);
    expect(j.model.layers).toBe('12 sliding (window 128): layers 0, 2 … 22 (every 2nd); 12 global: layers 1, 3 … 23 (every 2nd)');
    expect(j.model.layerKinds).toHaveLength(24);
    const full = capture();
    expect(
      await main(['plan', '--preset', 'gpt-oss-20b', '--context', '32k', '--memory', '80GB', '--paged-windows', 'full', '--page-tokens', '32', '--json'], full),
    ).toBe(0);
    expect(JSON.parse(full.stdout).paged.cacheBytesAtContext).toBe(24 * 32768 * 2048);
    const text = capture();
    expect(await main(['plan', '--preset', 'gpt-oss-20b', '--context', '32k', '--memory', '80GB'], text)).toBe(0);
    expect(text.stdout).toMatch(/layers: 12 sliding \(window 128\)/);
    expect(text.stdout).toMatch(/ideal: the exact sum over layers \(.*\); paged: 16-token pages;/);
    expect(text.stdout).toMatch(/ideal cache at 32768 x b1 +paged cache/);
    expect(text.stdout).toMatch(/paged: context \/ batch/);
    const bad = capture();
    expect(await main(['plan', '--paged-windows', 'some'], bad)).toBe(2);
    expect(bad.stderr).toMatch(/--paged-windows: unknown value "some"; choose from window, full/);
  });
  it('BAD CALL - weights that cannot fit and a bad size', async () => {
    const io = capture();
    expect(await main(['plan', '--preset', 'deepseek-v3', '--memory', '80GB'], io)).toBe(0);
    // the dead end explained in the CLI's words: a layout, a smaller model or narrower weights
    expect(io.stdout).toMatch(/Weights alone need 1\.2 TiB \(bf16\), more than the 74\.5 GiB of memory: no context fits\. Try --tp 17, a smaller model or /);
    const bad = capture();
    expect(await main(['plan', '--memory', 'lots'], bad)).toBe(2);
    expect(bad.stderr).toMatch(/--memory: "lots" is not a size/);
  });
});

describe('kvscope export and compare', () => {
  it('exports csv and html, and compares two reports', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    for (const out of [a, b]) {
      const code = await main(
        ['sweep', '--heads', '4', '--head-dim', '16', '--variants', 'mha,mqa', '--contexts', '128,256', '--ep', 'cpu', '--budget', '0.05', '--out', out],
        capture(),
      );
      expect(code).toBe(0);
    }
    const io = capture();
    expect(await main(['export', a, '--format', 'csv', '--out', join(dir, 'a.csv')], io)).toBe(0);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8').split('\r\n')[0]).toMatch(/^id,variant,mode,context_tokens,/);
    expect(await main(['export', a, '--format', 'html', '--out', join(dir, 'a.html')], io)).toBe(0);
    expect(readFileSync(join(dir, 'a.html'), 'utf8')).toMatch(/<canvas id="chart-decode"/);
    const cmp = capture();
    expect(await main(['compare', a, b, '--html', join(dir, 'ab.html')], cmp)).toBe(0);
    expect(cmp.stdout).toMatch(
      /decode mqa fp32 b1 T=256\s+[\d.]+ \[[\d.]+, [\d.]+\]\s+[\d.]+ \[[\d.]+, [\d.]+\]\s+[\d.]+× \[[\d.]+, [\d.]+\] (faster|slower|no significant difference)/,
    );
    expect(readFileSync(join(dir, 'ab.html'), 'utf8')).toMatch(/kvscope comparison/);
  });
  it('BAD CALL - a corrupted report and a single report to compare', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"schema": "kvscope.report", "version": 1');
    const io = capture();
    expect(await main(['export', bad, '--format', 'csv'], io)).toBe(2);
    expect(io.stderr).toMatch(/is not valid JSON/);
    const one = capture();
    expect(await main(['compare', bad], one)).toBe(2);
    expect(one.stderr).toMatch(/compare needs at least two reports/);
    const fmt = capture();
    expect(await main(['export', bad, '--format', 'pdf'], fmt)).toBe(2);
    expect(fmt.stderr).toMatch(/--format: unknown value "pdf"/);
  });
});

describe('kvscope onnx', () => {
  it('detects the layout of a decoder and sweeps it', async () => {
    const { writeTinyDecoder } = await import('@/core/model/tiny-decoder.js');
    const model = join(dir, 'tiny.onnx');
    writeTinyDecoder(model, { layers: 2, numHeads: 4, numKvHeads: 4, headDim: 8, vocab: 100 });
    const io = capture();
    expect(await main(['onnx', model, '--contexts', '128,1k', '--budget', '0.05'], io)).toBe(0);
    expect(io.stdout).toMatch(/2 layers, 4 K\/V heads x 8, fp32 cache, 512 B per token/);
    expect(io.stdout).toMatch(/1024\s+[\d.]+\s+\[[\d.]+, [\d.]+\]\s+(noisy\s+)?[\d.]+\s+513 KiB\s+513 KiB/);
    const bad = capture();
    expect(await main(['onnx', join(dir, 'a.csv')], bad)).toBe(2);
  });
});

describe('kvscope plan --onnx', () => {
  it('plans an imported decoder from its file: weights as stored, cache from its layout', async () => {
    const { writeTinyDecoder } = await import('@/core/model/tiny-decoder.js');
    const model = join(dir, 'plan.onnx');
    // D = 32: embed 100x32, per layer wq 32x32, wk 32x16, wv 32x16, wo 32x32, lm_head 32x100
    writeTinyDecoder(model, { layers: 2, numHeads: 4, numKvHeads: 2, headDim: 8, vocab: 100 });
    const io = capture();
    expect(await main(['plan', '--onnx', model, '--memory', '1GB', '--context', '4k', '--cache-dtype', 'fp32', '--json'], io)).toBe(0);
    const j = JSON.parse(io.stdout);
    const params = 3200 + 2 * (1024 + 512 + 512 + 1024) + 3200;
    expect(j.layout).toMatchObject({ layers: 2, numKvHeads: 2, headDim: 8, dtype: 'fp32' });
    expect(j.layout.params).toBeGreaterThanOrEqual(params);
    expect(j.layout.params).toBeLessThanOrEqual(params + 2); // plus one fp32 scale per layer
    expect(j.kvBytesPerToken).toBe(2 * 2 * 2 * 8 * 4);
    expect(j.largestContext).toBe(Math.floor((1e9 - j.weightsBytes) / j.kvBytesPerToken));
    const bad = capture();
    expect(await main(['plan', '--onnx', model, '--preset', 'gpt2'], bad)).toBe(2);
    expect(bad.stderr).toMatch(/give one of --preset, --config FILE or --onnx FILE/);
  });
});
