/**
 * The README's pictures, from real runs: the CLI's default sweep (DeepSeek-V3's dims, 512..128K,
 * the MLA question) and a comparison of two providers (the CPU and WebGPU, Llama-3.1-8B's dims at 512..8K),
 * opened in the app through the e2e bridge and photographed in Chromium.
 *
 *   npm run shots                 # about 10 minutes on a 2-core VM; writes docs/screenshots/readme-*.png
 *   npm run shots -- --quick      # toy dims, to check the script itself (pictures go to scratch/)
 *   npm run shots -- --reuse      # photograph the kept reports again, without new sweeps
 *
 * The reports are kept beside the pictures (docs/measurements/readme-*.json), so every figure in
 * a picture can be looked up. Needs the built renderer (npx electron-vite build) and Chromium.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, chromiumPath } from '../src/cli/chromium.js';
import { readReport } from '../src/core/report/report.js';
import { History } from '../src/main/report-service.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const reuse = process.argv.includes('--reuse');
const shots = join(root, quick ? 'scratch/shots' : 'docs/screenshots');
const kept = join(root, quick ? 'scratch/shots' : 'docs/measurements');
const port = 47890;

const dims = quick ? ['--heads', '4', '--head-dim', '16', '--model-layers', '8', '--gqa-groups', '2', '--contexts', '64..256', '--budget', '0.2'] : [];
// The comparison: a GQA model at contexts where WebGPU on a software rasteriser still takes
// under --max-step per step, so both providers measure every point.
const compareDims = ['--preset', 'llama-3.1-8b', '--contexts', '512..8k*4'];
const runs = [
  { name: 'readme-default-sweep', args: [...dims] },
  { name: 'readme-compare-cpu', args: [...(quick ? dims : compareDims), '--ep', 'cpu'] },
  { name: 'readme-compare-webgpu', args: [...(quick ? dims : compareDims), '--ep', 'webgpu'] },
];

function sweep(name: string, args: string[]): string {
  const out = join(kept, `${name}.json`);
  if (reuse && existsSync(out)) return out;
  console.log(`shots: kvscope sweep ${args.join(' ')} --out ${out}`);
  const r = spawnSync(process.execPath, [join(root, 'bin/kvscope.js'), 'sweep', ...args, '--out', out], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`shots: the sweep for ${name} failed (exit ${r.status})`);
  return out;
}

async function main(): Promise<void> {
  const chromium = chromiumPath();
  if (!chromium) throw new Error('shots: no Chromium found; install it (scripts/setup-system.sh) or set KVSCOPE_CHROMIUM');
  if (!existsSync(join(root, 'out/renderer/index.html'))) throw new Error('shots: build the renderer first: npx electron-vite build');
  mkdirSync(shots, { recursive: true });
  mkdirSync(kept, { recursive: true });

  // The reports go into a fresh app data folder's history, where the app opens them as a user would.
  const dataDir = mkdtempSync(join(tmpdir(), 'kvscope-shots-'));
  const history = new History(join(dataDir, 'history'));
  const ids = runs.map((r) => history.add(readReport(sweep(r.name, r.args))).id);

  const bridge = spawn('npx', ['tsx', 'e2e/bridge/server.ts', '--port', String(port)], {
    cwd: root,
    env: { ...process.env, KVSCOPE_E2E_DIR: dataDir },
    stdio: 'inherit',
    detached: true,
  });
  const { chromium: pw } = await import('playwright-core');
  const browser = await pw.launch({ executablePath: chromium, args: ['--headless', ...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    for (let i = 0; ; i++) {
      try {
        await page.goto(`http://127.0.0.1:${port}/`);
        break;
      } catch (err) {
        if (i > 120) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    // the app settled: devices detected and the setup's plan made, as a user would see it
    await page
      .getByRole('region', { name: 'Device' })
      .getByText(/cpu: works/)
      .waitFor({ timeout: 120_000 });
    await page
      .getByTestId('plan-points')
      .getByText(/planned/)
      .waitFor({ timeout: 120_000 });
    const historyCard = page.getByRole('region', { name: 'History' });
    const row = (id: string) => historyCard.locator(`tr[data-history-id="${id}"]`);

    await row(ids[0]!).getByRole('button', { name: 'Open' }).click();
    await page.getByTestId('opened-report').waitFor();
    await page.waitForTimeout(1500); // chart animations
    await page.screenshot({ path: join(shots, 'readme-default-sweep.png'), fullPage: true });

    for (const id of ids.slice(1))
      await row(id)
        .getByRole('button', { name: /^Compare/ })
        .click();
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('button', { name: /^Compare/ })
      .click();
    await page.getByTestId('ratio-table').locator('tbody tr').first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(shots, 'readme-compare.png'), fullPage: true });
    console.log(`shots: written to ${shots}`);
  } finally {
    await browser.close();
    if (bridge.pid) process.kill(-bridge.pid, 'SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
