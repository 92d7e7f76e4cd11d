/**
 * The CLI keeps what it measured when --out cannot be written, reads only bounded regular files,
 * prints no terminal control sequences from untrusted strings, refuses numeric flags out of
 * range and another model's --report, and checks that an ONNX sweep fits before it allocates
 * (issue 11, items 1, 4, 5, 7 and 8).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { point, report } from '@/testing/fixtures.js';
import { presetModel } from '@/core/model/presets.js';
import { writeTinyDecoder } from '@/core/model/tiny-decoder.js';
import { parseReport, writeReport } from '@/core/report/report.js';
import { main, ReportSink, type Io } from './main.js';
import { jsonForTerminal, stripControl } from './sanitize.js';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-cli-hard-'));
const fallbacks: string[] = [];
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const f of fallbacks) rmSync(f, { force: true });
});
writeFileSync(join(dir, 'afile'), 'a regular file, so afile/x.json fails with ENOTDIR, for root too');

function capture(): Io & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', tty: false, out: (s: string) => void (io.stdout += s), err: (s: string) => void (io.stderr += s) };
  return io;
}

const SWEEP = ['sweep', '--heads', '4', '--head-dim', '16', '--variants', 'mha,mqa', '--contexts', '128,256', '--ep', 'cpu', '--budget', '0.05'];

describe('kvscope sweep when --out cannot be written', () => {
  it.each([
    ['a path under /proc', '/proc/kvscope-x.json', 'ENOENT'],
    ['a folder that is a regular file', join(dir, 'afile', 'x.json'), 'ENOTDIR'],
  ])('%s: measures every point, writes them to a fallback file it names, exit 1', async (_, out, code) => {
    if (out.startsWith('/proc') && process.platform !== 'linux') return;
    const io = capture();
    const exit = await main([...SWEEP, '--out', out], io);
    expect(exit).toBe(1);
    const told = new RegExp(`kvscope: cannot write ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${code}; the report goes to (\\S+) instead`).exec(io.stderr);
    expect(told, io.stderr).not.toBeNull();
    const fallback = told![1]!;
    fallbacks.push(fallback);
    expect(fallback).toMatch(/kvscope-report-\d{8}T\d{6}-\d+\.json$/);
    expect(io.stderr.match(/the report goes to/g)).toHaveLength(1); // told once, not at every point
    expect(io.stderr).toContain(`report: ${fallback} (not --out: cannot write ${out}: ${code})`);
    expect(io.stderr).not.toMatch(/partial report kept/);
    const r = parseReport(readFileSync(fallback, 'utf8'));
    expect(r.complete).toBe(true);
    expect(r.points).toHaveLength(4);
    expect(io.stdout).toMatch(/decode mqa fp32 b1 T=256\s+ok/);
  });
});

describe('ReportSink', () => {
  const r = report([point({ variant: 'mha', context: 64 }), point({ variant: 'mha', context: 128 })]);
  it('never names a file it did not write: when no file can be written it says so', () => {
    const io = capture();
    const nowhere = join(dir, 'afile', 'fallback.json'); // the temp and current-folder fallbacks fail too
    const sink = new ReportSink(join(dir, 'afile', 'out.json'), io, nowhere);
    sink.write(r);
    sink.write(r);
    expect(sink.written).toBeNull();
    expect(io.stderr.match(/no report file could be written/g)).toHaveLength(1);
    expect(io.stderr).toMatch(/cannot write .*out\.json: ENOTDIR/);
    expect(sink.where(2)).toMatch(/^no file could be written \(cannot write .*: ENOTDIR\); no file holds the 2 points measured$/);
    expect(sink.atOut).toBe(false);
  });
  it('--out that fails mid-run: the fallback gets the newest snapshot, and the summary names it, not the stale --out', () => {
    const io = capture();
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const out = join(sub, 'r.json');
    const sink = new ReportSink(out, io, `kvscope-sink-test-${process.pid}.json`);
    sink.write(report([point({ variant: 'mha', context: 64 })]));
    expect(sink.atOut).toBe(true);
    expect(sink.where(1)).toBe(out);
    rmSync(sub, { recursive: true });
    writeFileSync(sub, 'now a file');
    sink.write(r);
    const fallback = join(tmpdir(), `kvscope-sink-test-${process.pid}.json`);
    fallbacks.push(fallback);
    expect(sink.written).toEqual({ path: fallback, points: 2 });
    expect(sink.atOut).toBe(false);
    expect(sink.where(2)).toBe(`${fallback} (not --out: cannot write ${out}: ENOTDIR)`);
    expect(parseReport(readFileSync(fallback, 'utf8')).points).toHaveLength(2);
  });
});

describe('BAD CALL - special and huge input files are refused before reading', () => {
  const huge = join(dir, 'huge-config.json');
  writeFileSync(huge, '');
  truncateSync(huge, 4 * 2 ** 30);
  const fifo = join(dir, 'config.fifo');
  if (process.platform !== 'win32') execFileSync('mkfifo', [fifo]);
  const cases: [string, string[], RegExp][] = [
    ['config /dev/zero', ['sweep', '--config', '/dev/zero', '--plan'], /cannot read config file \/dev\/zero: it is a character device, not a regular file/],
    ['config FIFO', ['sweep', '--config', fifo, '--plan'], /cannot read config file .*config\.fifo: it is a FIFO, not a regular file/],
    ['config folder', ['plan', '--config', dir], /cannot read config file .*: it is a directory, not a regular file/],
    [
      'config over 16 MiB',
      ['plan', '--config', huge],
      /config file .*huge-config\.json is 4294967296 bytes \(4096\.0 MiB\), over the config file limit of 16777216 bytes \(16\.0 MiB\)/,
    ],
    ['ONNX folder', ['onnx', dir], /cannot read ONNX model .*: it is a directory, not a regular file/],
    [
      'ONNX over 2 GiB',
      ['plan', '--onnx', huge],
      /ONNX model .*huge-config\.json is 4294967296 bytes .* over the ONNX model limit of 2147483648 bytes \(2048\.0 MiB\)/,
    ],
    ['report /dev/zero', ['export', '/dev/zero', '--format', 'csv'], /cannot read report \/dev\/zero: it is a character device/],
    ['report FIFO', ['compare', fifo, fifo], /cannot read report .*config\.fifo: it is a FIFO/],
  ];
  it.runIf(process.platform !== 'win32').each(cases)('%s: clear error, exit 2', async (_, argv, message) => {
    const io = capture();
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr).toMatch(message);
  });
});

describe('terminal output', () => {
  // any control character but \n and \t: ESC, BEL, CR, DEL, C1 (8-bit CSI) ...
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  const CONTROLS = new RegExp('[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]');
  const hostile = '\u001b]0;pwned\u0007\u001b[2J';
  it('stripControl removes C0 (but \\n and \\t), DEL, C1 and whole ESC sequences', () => {
    expect(stripControl(`Xeon${hostile} 8480`)).toBe('Xeon 8480');
    expect(stripControl('a\tb\nc\rd\u0008e\u007ff\u009b31mg\u0085h')).toBe('a\tb\ncdef31mgh');
    expect(stripControl('\u001b[1;31mred\u001b[0m \u001bP1$r\u001b\\ok \u001b7saved\u001b8')).toBe('red ok saved');
    expect(stripControl('unterminated \u001b]8;;http://x')).toBe('unterminated ');
  });
  it('jsonForTerminal escapes DEL and C1 instead of dropping them: the same JSON value', () => {
    const v = { s: `a\u0085b\u007f${hostile}` };
    const text = jsonForTerminal(v);
    expect(text).not.toMatch(CONTROLS);
    expect(JSON.parse(text)).toEqual(v);
  });
  it('compare, export and errors print no ESC or BEL from a hostile report', async () => {
    const bad = report([point({ variant: 'mha', context: 64 })]);
    bad.machine.cpuModel = `Xeon${hostile}\u009b2J`;
    const a = join(dir, 'hostile-a.json');
    const b = join(dir, `hostile-b${hostile}.json`);
    writeReport(a, bad);
    writeReport(b, bad);
    const io = capture();
    expect(await main(['compare', a, b], io)).toBe(0);
    expect(io.stdout).toContain('Xeon');
    expect(io.stdout).not.toContain('pwned\u0007');
    expect(io.stdout + io.stderr).not.toMatch(CONTROLS);
    const ex = capture();
    expect(await main(['export', b, '--format', 'csv', '--out', join(dir, `x${hostile}.csv`)], ex)).toBe(0);
    expect(ex.stderr).toMatch(/^wrote .*x\.csv\n$/);
    const missing = capture();
    expect(await main(['compare', a, join(dir, `none${hostile}.json`)], missing)).toBe(2);
    expect(missing.stderr).toMatch(/cannot read report .*none\.json: ENOENT/);
    expect(missing.stderr).not.toMatch(CONTROLS);
    expect(existsSync(join(dir, `x${hostile}.csv`))).toBe(true);
  });
});

describe('BAD CALL - numeric flags out of range: the error names the flag, the value and the range', () => {
  const cases: [string, string[], RegExp][] = [
    [
      '400 nines of memory',
      ['plan', '--memory', '9'.repeat(400)],
      /--memory: "9{32}\.\.\." \(400 characters\) is not a size from 1 to 1,000,000,000,000,000,000 bytes/,
    ],
    ['half a byte of memory', ['plan', '--memory', '0.5'], /--memory: "0\.5" is not a size from 1 to /],
    [
      'a plan batch beyond safe integers',
      ['plan', '--batch', '99999999999999999999'],
      /--batch: "99999999999999999999" is not a whole number from 1 to 1,000,000$/m,
    ],
    [
      'a sweep batch beyond safe integers',
      ['sweep', '--batch', '99999999999999999999', '--plan'],
      /--batch: "99999999999999999999" is not a whole number from 1 to 4,096$/m,
    ],
    ['threads in exponent form', ['sweep', '--threads', '1.5e3', '--plan'], /--threads: "1\.5e3" is not a whole number from 0 to 1,024 \(examples: /],
    ['fractional threads', ['sweep', '--threads', '1.5', '--plan'], /--threads: "1\.5" is not a whole number from 0 to 1,024$/m],
    ['threads over the range', ['sweep', '--threads', '2k', '--plan'], /--threads: "2k" is not a whole number from 0 to 1,024$/m],
    ['an infinite budget', ['sweep', '--budget', '1e400', '--plan'], /--budget: "1e400" is not a number above 0 and at most 3600$/m],
    ['a memory fraction over 1', ['sweep', '--memory-fraction', '1.5', '--plan'], /--memory-fraction: "1\.5" is not a number above 0 and at most 1$/m],
    ['a sweep context past the schema', ['sweep', '--contexts', '32m', '--plan'], /--contexts: "32m" is not a whole number from 1 to 16,777,216$/m],
    ['a plan context past a billion', ['plan', '--context', '1024m'], /--context: "1024m" is not a whole number from 1 to 1,000,000,000$/m],
    ['a huge head count', ['sweep', '--heads', '99999999999999999999', '--plan'], /--heads: "99999999999999999999" is not a whole number from 1 to 1,024$/m],
  ];
  it.each(cases)('%s: exit 2', async (_, argv, message) => {
    const io = capture();
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr).toMatch(message);
  });

  it('values inside the ranges still work (threads 0 and 2, batch 4096, 1 B of memory)', async () => {
    const io = capture();
    expect(await main([...SWEEP.slice(0, 7), '--threads', '0', '--batch', '1,4096', '--plan'], io)).toBe(0);
    expect(await main([...SWEEP.slice(0, 7), '--threads', '2', '--plan'], io)).toBe(0);
    expect(await main(['plan', '--preset', 'mistral-7b', '--memory', '1', '--json'], io)).toBe(0);
  });
});

describe('plan --report', () => {
  const mistral = presetModel('mistral-7b');
  const timed = (variant: 'mha' | 'gqa') => point({ variant, context: 4096 });
  it("BAD CALL - another model's report is refused: its timings are not shown as this model's", async () => {
    const other = join(dir, 'other-model.json');
    writeReport(other, report([timed('mha')]));
    const io = capture();
    expect(await main(['plan', '--preset', 'mistral-7b', '--report', other], io)).toBe(2);
    expect(io.stdout).toBe('');
    expect(io.stderr).toMatch(
      /--report .*other-model\.json is a sweep of another model, m \(4 heads x 16, 4 K\/V heads, 8 layers\), not of mistral-7b \(32 heads x 128, 8 K\/V heads, 32 layers\): its timings are not this model's/,
    );
  });

  it('a report of the same attention dims is used; another name or layer count is said in a note', async () => {
    const same = join(dir, 'same-dims.json');
    const r = report([timed('gqa')]);
    writeReport(same, { ...r, model: { ...r.model, name: 'my-sweep', attention: mistral.attention, numLayers: 4 } });
    const io = capture();
    expect(await main(['plan', '--preset', 'mistral-7b', '--report', same], io)).toBe(0);
    expect(io.stdout).toMatch(
      /note: --report .*same-dims\.json is a sweep of my-sweep \(32 heads x 128, 8 K\/V heads, 4 layers\): same attention dims as mistral-7b/,
    );
    const exact = join(dir, 'same-model.json');
    writeReport(exact, { ...r, model: { ...r.model, name: 'mistral-7b', attention: mistral.attention, numLayers: mistral.numLayers } });
    const quiet = capture();
    expect(await main(['plan', '--preset', 'mistral-7b', '--report', exact], quiet)).toBe(0);
    expect(quiet.stdout).not.toMatch(/note: --report/);
  });
});

describe('BAD CALL - kvscope onnx checks the fit before allocating', () => {
  // 2 layers x 16 K/V heads x 16 dims in fp32: 4 KiB of cache per token, so a past of 64m
  // needs 512 GiB (past and present): more than any machine the tests run on
  const model = join(dir, 'fit.onnx');
  writeTinyDecoder(model, { layers: 2, numHeads: 16, numKvHeads: 16, headDim: 16, vocab: 50 });
  it('--contexts 64m is refused with the budget and the longest past that fits, exit 2', async () => {
    const io = capture();
    const started = Date.now();
    expect(await main(['onnx', model, '--contexts', '256,64m', '--budget', '0.05'], io)).toBe(2);
    expect(io.stderr).toMatch(
      /kvscope: past length 67108864 does not fit: at 67108864 a decode step needs 513 GiB \(past and present K\/V 512 GiB, weights [\d.]+ [KM]iB\) but the budget is [\d.]+ [KMGT]?i?B \(80% of [\d.]+ [KMGT]?i?B available\); the longest past that fits is \d+: use shorter past lengths/,
    );
    expect(io.stdout).toBe(''); // refused before the first point: nothing measured, nothing allocated
    expect(Date.now() - started).toBeLessThan(10_000);
  });
  it('--memory-fraction sets the share, and is range-checked like the sweep', async () => {
    const io = capture();
    expect(await main(['onnx', model, '--contexts', '64m', '--memory-fraction', '0.5'], io)).toBe(2);
    expect(io.stderr).toMatch(/\(50% of [\d.]+ [KMGT]?i?B available\)/);
    const bad = capture();
    expect(await main(['onnx', model, '--contexts', '64', '--memory-fraction', '0'], bad)).toBe(2);
    expect(bad.stderr).toMatch(/--memory-fraction: "0" is not a number above 0 and at most 1/);
  });
});
