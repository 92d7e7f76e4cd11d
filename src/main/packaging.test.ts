/**
 * The installer config: onnxruntime-node's whole bin/ folder must be unpacked from the asar,
 * because the addon (onnxruntime_binding.node) loads libonnxruntime beside it. Checked against
 * the files the installed package really has, with the matcher electron-builder uses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8')) as {
  asarUnpack: string[];
  asar: boolean;
  files: string[];
  icon?: string;
  electronFuses?: Record<string, boolean>;
};
const ortDir = join(root, 'node_modules/onnxruntime-node');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

const unpacked = (path: string): boolean => config.asarUnpack.some((g) => minimatch(path, g, { dot: true }));

describe('electron-builder config', () => {
  const binFiles = walk(join(ortDir, 'bin')).map((f) => relative(root, f).split('\\').join('/'));

  it('the addon loads its binding from bin/napi-v6/<platform>/<arch>/', () => {
    const loader = readFileSync(join(ortDir, 'dist/binding.js'), 'utf8');
    expect(loader).toContain('../bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node');
  });

  it('asarUnpack matches the binding and the shared library it loads, on every platform shipped', () => {
    const binding = binFiles.filter((f) => f.endsWith('/onnxruntime_binding.node'));
    const libs = binFiles.filter((f) => /\/(libonnxruntime\.so\.[\d.]+|libonnxruntime[\d.]*\.dylib|onnxruntime\.dll)$/.test(f));
    expect(binding.some((f) => f.includes('/linux/x64/'))).toBe(true);
    expect(libs.some((f) => /linux\/x64\/libonnxruntime\.so\.\d/.test(f))).toBe(true);
    for (const f of [...binding, ...libs]) expect(unpacked(f), f).toBe(true);
  });

  it('the whole bin/ folder is unpacked, and nothing outside it needs to be', () => {
    expect(binFiles.length).toBeGreaterThan(4);
    for (const f of binFiles) expect(unpacked(f), f).toBe(true);
    expect(unpacked('node_modules/onnxruntime-node/dist/binding.js')).toBe(false);
    expect(unpacked('out/main/index.js')).toBe(false);
  });

  it('flips the Electron fuses: no Node mode, NODE_OPTIONS or --inspect; asar only, its integrity checked; cookies encrypted', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
    });
    // the names are electron-builder's own (its schema refuses others, and a misspelt fuse would stay unset)
    const scheme = JSON.parse(readFileSync(join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as {
      definitions: { FuseOptionsV1: { properties: Record<string, unknown> } };
    };
    for (const fuse of Object.keys(config.electronFuses ?? {})) expect(Object.keys(scheme.definitions.FuseOptionsV1.properties)).toContain(fuse);
  });

  it('with runAsNode off, main starts the engine as a utility process, not a fork of the Electron binary', () => {
    const main = walk(join(root, 'src/main')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const text = main.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(text).toContain('utilityProcess.fork(');
    expect(text).not.toMatch(/ELECTRON_RUN_AS_NODE|from 'node:child_process'[^\n]*\bfork\b|\bfork\b[^\n]*from 'node:child_process'/);
  });

  it('packs the built app into an asar', () => {
    expect(config.asar).toBe(true);
    expect(config.files).toContain('out/**');
  });

  it('the app icon: resources/icon.png, a PNG of at least 512 x 512 that the installer and the window both use', () => {
    expect(config.icon).toBe('resources/icon.png');
    const png = readFileSync(join(root, config.icon!));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // IHDR: width and height, big-endian, at bytes 16 and 20
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(512);
    // packed into the app, where main's window finds it two folders above out/main/
    expect(config.files.some((g) => minimatch('resources/icon.png', g))).toBe(true);
    const main = readFileSync(join(root, 'src/main/index.ts'), 'utf8');
    expect(main).toContain("join(here, '../../resources/icon.png')");
  });

  it('ships no build or test tools: tsx and esbuild are dev-only, playwright-core (CLI PNG export) and the CLI bundle stay out', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const tool of ['tsx', 'esbuild']) {
      expect(Object.keys(pkg.dependencies)).not.toContain(tool);
      expect(Object.keys(pkg.devDependencies)).toContain(tool);
    }
    const excluded = (path: string): boolean => config.files.some((g) => g.startsWith('!') && minimatch(path, g.slice(1), { dot: true }));
    expect(excluded('node_modules/playwright-core/lib/server/index.js')).toBe(true);
    expect(excluded('out/cli/main.js')).toBe(true);
    expect(excluded('out/main/index.js')).toBe(false);
  });
});
