/**
 * The installed CLI is a bundle (scripts/build-cli.mjs): it runs without tsx or esbuild, which are
 * build and test tools, and its HTML export carries the report's chart code bundled in.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { point, report } from '@/testing/fixtures.js';

const root = join(import.meta.dirname, '../..');
// inside the checkout, so the bundle's external packages resolve from its node_modules (out/ is
// not there yet in a fresh clone: the e2e build makes it later)
mkdirSync(join(root, 'out'), { recursive: true });
const dir = mkdtempSync(join(root, 'out', 'cli-test-'));
const bundle = join(dir, 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'kvscope-bundle-'));

/**
 * Runs the bundle's main() in a plain Node process (no --import tsx, no loader) where requiring
 * esbuild or tsx throws, as it would where they are not installed.
 */
function cli(args: string[]): string {
  const block = `const M = (await import('node:module')).default; const r = M._resolveFilename; M._resolveFilename = function (req, ...a) { if (/^(esbuild|tsx)(\\/|$)/.test(req)) throw new Error('not installed: ' + req); return r.call(this, req, ...a); };`;
  const code = `${block} const { main } = await import(${JSON.stringify(bundle)}); process.exitCode = await main(${JSON.stringify(args)});`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', cwd: tmp });
}

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'scripts/build-cli.mjs'), bundle], { stdio: 'pipe' });
}, 60_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe('the CLI bundle', () => {
  it('imports only node built-ins and the runtime dependencies, never tsx or esbuild', () => {
    const meta = JSON.parse(readFileSync(`${bundle}.meta.json`, 'utf8')) as {
      inputs: Record<string, unknown>;
      outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
    };
    const externals = new Set(
      Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => i.path)),
    );
    const deps = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    for (const e of externals) expect(deps, `${e} is imported by the bundle`).toContain(e.replace(/\/.*$/, ''));
    expect([...externals].some((e) => /^(tsx|esbuild)\b/.test(e))).toBe(false);
    // every source file is inside; nothing from node_modules is (packages stay external)
    expect(Object.keys(meta.inputs).some((f) => f.includes('src/cli/main.ts'))).toBe(true);
    expect(Object.keys(meta.inputs).some((f) => f.includes('node_modules'))).toBe(false);
  });

  it('runs a command and exports HTML with its charts, in plain Node', () => {
    expect(cli(['--version']).trim()).toMatch(/^\d+\.\d+\.\d+/);
    const plan = JSON.parse(cli(['plan', '--preset', 'llama-3.1-8b', '--json'])) as unknown;
    expect(plan).toBeTruthy();
    const file = join(tmp, 'r.json');
    writeFileSync(file, JSON.stringify(report([point({ variant: 'mha', context: 1024 }), point({ variant: 'mla-absorbed', context: 1024 })])));
    cli(['export', file, '--format', 'html', '--out', join(tmp, 'r.html')]);
    const html = readFileSync(join(tmp, 'r.html'), 'utf8');
    expect(html).toContain('<canvas');
    // the chart code (chart.js, bundled at build time) is inline
    expect(html.length).toBeGreaterThan(100_000);
  });
});
