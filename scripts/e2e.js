#!/usr/bin/env node
// Builds the app (renderer served by the e2e bridge; main/preload for the Electron tests) and
// runs the Playwright suites. Exits non-zero when the build or any test fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const run = (cmd, args) => {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.error) {
    console.error(r.error.message);
    return 1;
  }
  return r.status ?? 1;
};

if (!process.env.KVSCOPE_E2E_SKIP_BUILD) {
  const built = run('npx', ['electron-vite', 'build']);
  if (built !== 0) process.exit(built);
}
const chromium = process.env.KVSCOPE_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`e2e: no Chromium at ${chromium}; install it (scripts/setup-system.sh) or set KVSCOPE_CHROMIUM`);
  process.exit(1);
}
process.exit(run('npx', ['playwright', 'test', '-c', 'e2e/playwright.config.ts', ...process.argv.slice(2)]));
