/**
 * The full Electron app through Playwright's _electron. Runs where the Electron binary is
 * installed (npm install downloads it); skips with a reason where it is not, as on machines
 * that cannot download it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { _electron as electron, expect, test } from '@playwright/test';

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
    expect(await win.evaluate(() => Object.keys(window.kvscope).sort())).toEqual(['files', 'onEvent', 'presets', 'sweep', 'system']);
    await expect(win.getByRole('region', { name: 'Device' }).getByText(/cpu: works/)).toBeVisible({ timeout: 60_000 });
    await expect(win.getByTestId('plan-points')).toContainText(/\d+ planned/);
  } finally {
    await app.close();
  }
});
