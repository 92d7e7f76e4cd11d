/**
 * The full Electron app through Playwright's _electron. Runs where the Electron binary is
 * installed (npm install downloads it); skips with a reason where it is not, as on machines
 * that cannot download it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { _electron as electron, expect, test } from '@playwright/test';
import type { KvscopeApi } from '../src/contract/api.js';

const require = createRequire(import.meta.url);

/** The installed Electron binary, found without require('electron') (which tries to download it). */
function electronBinary(): string | null {
  try {
    const pkg = dirname(require.resolve('electron/package.json'));
    const rel = readFileSync(join(pkg, 'path.txt'), 'utf8').trim();
    const bin = join(pkg, 'dist', rel);
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/**
 * What the preload exposes on window.kvscope (src/preload/index.ts): each group's methods, or
 * 'function'. Typed against the contract's KvscopeApi, so a group added, removed or renamed
 * there fails the typecheck until this list follows.
 */
type ApiShape = { [K in keyof KvscopeApi]: KvscopeApi[K] extends (...args: never[]) => unknown ? 'function' : (keyof KvscopeApi[K])[] };
const API_SHAPE = {
  system: ['describe'],
  presets: ['list'],
  sweep: ['plan', 'start', 'cancel'],
  files: ['openConfig'],
  reports: ['save', 'export', 'open', 'parse', 'compare'],
  history: ['list', 'open', 'delete'],
  planner: ['capacity', 'onnx'],
  onnx: ['inspect', 'sweep', 'drop'],
  onEvent: 'function',
  onMenu: 'function',
} satisfies ApiShape;

const binary = electronBinary();
const SKIP_REASON =
  'Electron binary not installed (node_modules/electron/dist is missing: its download failed or was skipped); run `node node_modules/electron/install.js` where the network allows';
if (binary === null) console.log(`[electron e2e] skipped: ${SKIP_REASON}`);

test.skip(binary === null, SKIP_REASON);

test('the app opens a secure window, detects devices and plans', async () => {
  const app = await electron.launch({ executablePath: binary!, args: ['.'], env: { ...process.env, KVSCOPE_E2E: '1' } });
  try {
    const win = await app.firstWindow();
    // Sandboxed, isolated, no Node in the page: only the preload's one object.
    expect(
      await win.evaluate(() => [typeof (window as unknown as { require?: unknown }).require, typeof (window as unknown as { process?: unknown }).process]),
    ).toEqual(['undefined', 'undefined']);
    const exposed = await win.evaluate(() =>
      Object.fromEntries(
        Object.entries(window.kvscope as unknown as Record<string, unknown>).map(([k, v]) => [
          k,
          typeof v === 'function' ? 'function' : Object.keys(v as object).sort(),
        ]),
      ),
    );
    const expected = Object.fromEntries(Object.entries(API_SHAPE).map(([k, v]) => [k, typeof v === 'string' ? v : [...v].sort()]));
    expect(exposed).toEqual(expected);
    await expect(win.getByRole('region', { name: 'Device' }).getByText(/cpu: works/)).toBeVisible({ timeout: 60_000 });
    await expect(win.getByTestId('plan-points')).toContainText(/\d+ planned/);
  } finally {
    await app.close();
  }
});
