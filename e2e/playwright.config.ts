import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from '../src/cli/chromium.js';

// The bridge's data folder (history, exported files): fresh per run, set before the workers
// fork so the specs and a second bridge (the restart test) see the same folder.
process.env.KVSCOPE_E2E_DIR ??= mkdtempSync(join(tmpdir(), 'kvscope-e2e-'));

const port = Number(process.env.KVSCOPE_BRIDGE_PORT ?? 47831);
const chromium = process.env.KVSCOPE_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: '.',
  outputDir: '../test-results',
  // One engine, one sweep at a time: tests share the bridge and run in order.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  timeout: 240_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  projects: [
    {
      name: 'renderer',
      testMatch: /(app|app-states|app-vs-cli|reports|report-open|frictions|planner-gpus|desktop)\.spec\.ts/,
      use: {
        baseURL: `http://127.0.0.1:${port}`,
        viewport: { width: 1440, height: 1000 },
        launchOptions: {
          executablePath: chromium,
          args: ['--headless', ...CHROMIUM_ARGS],
        },
      },
    },
    { name: 'electron', testMatch: /electron\.spec\.ts/ },
  ],
  webServer: {
    command: `npx tsx e2e/bridge/server.ts --port ${port}`,
    cwd: '..',
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { KVSCOPE_E2E_DIR: process.env.KVSCOPE_E2E_DIR },
  },
});
