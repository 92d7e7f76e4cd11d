/**
 * Reports, history, compare and the capacity planner in Chromium against the real engine
 * through the e2e bridge: save + reopen round trip, exports (CSV, HTML, PNG), a corrupted
 * report, history surviving a bridge restart, a comparison of two reports, planner figures
 * for a preset, a hybrid preset's per-layer and paged figures, config.json import errors and warnings, the MLA what-if rank, the capacity of an
 * imported ONNX decoder, deleting a history entry, and a GPU report from another machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { writeTinyDecoder } from '../src/core/model/tiny-decoder.js';
import { CSV_COLUMNS } from '../src/core/report/csv.js';
import { parseReport } from '../src/core/report/report.js';
import { dropFile } from './drop.js';
import { openApp } from './fixtures.js';

const SHOTS = 'docs/screenshots';
test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await openApp(browser);
  await page.goto('/');
});

test.afterAll(async () => {
  await page.close();
});

async function smallSweep(p: Page): Promise<void> {
  await p.getByLabel('Custom dims').check();
  await p.getByLabel('Attention kind').selectOption('mha');
  await p.getByLabel('Query heads').fill('4');
  await p.getByLabel('Head dim').fill('16');
  await p.getByLabel('Model layers').fill('8');
  for (const label of ['MHA', 'GQA', 'MQA', 'MLA (naive)', 'MLA (absorbed)']) {
    const box = p.getByRole('checkbox', { name: label, exact: true });
    if ((await box.isChecked()) !== ['MHA', 'GQA'].includes(label)) await box.click();
  }
  await p.getByLabel('GQA groups').fill('2');
  await p.getByLabel('Contexts').fill('64..128');
  await p.getByLabel('Seconds per point').fill('0.1');
  await p.getByLabel('Provider').selectOption('cpu');
  await p.getByLabel('Threads').fill('1');
  await expect(p.getByTestId('plan-points')).toHaveText('4 planned, 4 fit for measurement', { timeout: 60_000 });
  await p.getByRole('button', { name: 'Run sweep' }).click();
  await expect(p.getByRole('region', { name: 'Run' })).toHaveAttribute('data-phase', 'done', { timeout: 180_000 });
}

/** Every cell of the results table, row by row. */
async function tableText(p: Page): Promise<string[][]> {
  return p
    .getByRole('region', { name: 'Results table' })
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
}

async function chartValues(p: Page): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const id of ['memory', 'step-time', 'tokens', 'bandwidth', 'savings'])
    out[id] = await p.locator(`[data-chart="${id}"] canvas`).getAttribute('data-values');
  return out;
}

async function savedPath(p: Page, what: string): Promise<string> {
  const notice = p.getByTestId('notice');
  await expect(notice).toContainText(`${what} saved to `);
  const text = (await notice.textContent()) ?? '';
  return text.slice(text.indexOf(' saved to ') + ' saved to '.length).trim();
}

let savedReport = '';
/** History id of this spec's first sweep. */
let firstRunId = '';

test('save + reopen round trip shows identical figures', async () => {
  await smallSweep(page);
  const before = await tableText(page);
  const charts = await chartValues(page);
  expect(before).toHaveLength(4);
  await page.getByRole('button', { name: 'Save report (JSON)' }).click();
  savedReport = await savedPath(page, 'Report');
  expect(savedReport).toMatch(/kvscope-custom-cpu-\d{4}-\d{2}-\d{2}\.json$/);
  const text = readFileSync(savedReport, 'utf8');
  const report = parseReport(text);
  expect(report.points).toHaveLength(4);

  // A fresh page (nothing in memory), the saved file dropped on it.
  await page.reload();
  await expect(page.getByRole('region', { name: 'Results table' }).getByText('No points yet')).toBeVisible();
  await dropFile(page, 'saved-run.json', text);
  await expect(page.getByTestId('opened-report')).toHaveText('file: saved-run.json');
  await expect(page.getByRole('region', { name: 'Run' })).toHaveAttribute('data-phase', 'done');
  expect(await tableText(page)).toEqual(before);
  await expect.poll(() => chartValues(page)).toEqual(charts);
});

test('export buttons write CSV, standalone HTML and a chart PNG', async () => {
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const csv = await savedPath(page, 'CSV');
  expect(csv).toMatch(/\.csv$/);
  const lines = readFileSync(csv, 'utf8').split(/\r?\n/);
  expect(lines[0]).toBe(CSV_COLUMNS.map((c) => c[0]).join(','));
  expect(lines.filter(Boolean)).toHaveLength(5);

  await page.getByRole('button', { name: 'Export HTML' }).click();
  const html = await savedPath(page, 'HTML');
  expect(existsSync(html)).toBe(true);
  expect(readFileSync(html, 'utf8')).toContain('<!doctype html>');

  await page.getByRole('button', { name: /^Export PNG of Decode step time/ }).click();
  const png = await savedPath(page, 'PNG of step-time');
  expect(png).toMatch(/-step-time\.png$/);
  expect(readFileSync(png).subarray(1, 4).toString('latin1')).toBe('PNG');
});

test("a corrupted report shows parseReport's error and nothing breaks", async () => {
  const rows = await tableText(page);
  await dropFile(page, 'broken.json', '{"schema":"kvscope.report","version":1,"points":[');
  await expect(page.getByTestId('notice')).toContainText('broken.json is not valid JSON');
  await expect(page.getByTestId('notice')).toHaveAttribute('role', 'alert');
  await dropFile(page, 'hostile.json', JSON.stringify({ schema: 'kvscope.report', version: 1, kvscopeVersion: '<img src=x onerror=alert(1)>' }));
  await expect(page.getByTestId('notice')).toContainText('hostile.json is not a valid report');
  expect(await tableText(page)).toEqual(rows);
});

test('history survives a bridge restart', async ({ browser }) => {
  const history = page.getByRole('region', { name: 'History' });
  await history.getByRole('button', { name: 'Refresh' }).click();
  const first = history.locator('tbody tr').first();
  await expect(first).toContainText('custom');
  const id = await first.getAttribute('data-history-id');
  expect(id).toBeTruthy();
  firstRunId = id!;

  // A second bridge (a restart of the app) on the same data folder.
  const port = Number(process.env.KVSCOPE_BRIDGE_PORT ?? 47831) + 1;
  const bridge: ChildProcess = spawn('npx', ['tsx', 'e2e/bridge/server.ts', '--port', String(port)], { env: process.env, stdio: 'ignore', detached: true });
  try {
    const other = await browser.newPage();
    await expect
      .poll(
        async () => {
          try {
            return (await other.goto(`http://127.0.0.1:${port}/`))?.status();
          } catch {
            return 0;
          }
        },
        { timeout: 60_000, intervals: [500] },
      )
      .toBe(200);
    const row = other.getByRole('region', { name: 'History' }).locator(`tr[data-history-id="${id}"]`);
    await expect(row).toBeVisible();
    await row.getByRole('button', { name: 'Open' }).click();
    await expect(other.getByTestId('opened-report')).toHaveText(`history: ${id}`);
    expect(await tableText(other)).toEqual(await tableText(page));
    await other.close();
  } finally {
    if (bridge.pid) process.kill(-bridge.pid, 'SIGTERM');
  }
});

test('compare overlays two reports with per-point ratios', async () => {
  // A second run, then the shown report beside the first history entry.
  // (the page was reloaded above: the form is back to its defaults)
  await smallSweep(page);
  await page.getByRole('button', { name: 'Add to compare' }).click();
  // each add says what it did (History's Compare gave no feedback)
  await expect(page.getByTestId('notice')).toContainText('to Compare: 1 report there, add one more to compare');
  // Beside it, the first sweep from the history.
  const history = page.getByRole('region', { name: 'History' });
  const compareFirst = history.locator(`tr[data-history-id="${firstRunId}"]`).getByRole('button', { name: /^Compare/ });
  await compareFirst.click();
  await expect(page.getByTestId('notice')).toHaveText(`Added history entry ${firstRunId} to Compare: 2 reports there (the Compare tab)`);
  await compareFirst.click();
  await expect(page.getByTestId('notice')).toHaveText(`history entry ${firstRunId} is already in Compare`);
  const tab = page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: /^Compare/ });
  await expect(tab).toHaveText('Compare (2)');
  await tab.click();
  await expect(page.getByTestId('compare-items').locator('li')).toHaveCount(2);
  const table = page.getByTestId('ratio-table');
  await expect(table.locator('tbody tr')).toHaveCount(4);
  await expect(table.locator('thead')).toContainText('#2 / #1');
  // the ratio with its bootstrap 95% interval and a verdict (both runs carry raw samples)
  await expect(table.locator('tbody tr').first().locator('td').last()).toHaveText(
    /^\d+\.\d\d× \[\d+\.\d\d, \d+\.\d\d\] (faster|slower|no significant difference)$/,
  );
  for (const id of ['compare-memory', 'compare-step', 'compare-tokens']) {
    await expect(page.locator(`[data-chart="${id}"] canvas`)).toHaveAttribute('data-values', /^[1-9]/);
  }
  await page.getByRole('button', { name: 'Export comparison HTML' }).click();
  await expect(page.getByText(/Comparison HTML saved to .*kvscope-compare-2-reports-.*\.html/)).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/compare.png`, fullPage: true });
});

test('planner: figures for a preset, labelled analytic, measured beside them', async () => {
  // A short real sweep of the preset (GQA, one layer measured): its figures go into the history.
  const views = page.getByRole('navigation', { name: 'Views' });
  await views.getByRole('button', { name: 'Sweep' }).click();
  await page.getByRole('radio', { name: 'Preset' }).check();
  await page.getByRole('combobox', { name: 'Preset', exact: true }).selectOption('llama-3.1-8b');
  for (const label of ['MHA', 'GQA', 'MQA', 'MLA (naive)', 'MLA (absorbed)']) {
    const box = page.getByRole('checkbox', { name: label, exact: true });
    if ((await box.isChecked()) !== (label === 'GQA')) await box.click();
  }
  await page.getByLabel('Contexts').fill('64..128');
  await page.getByLabel('Measured layers').fill('1');
  await expect(page.getByTestId('plan-points')).toHaveText('2 planned, 2 fit for measurement', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByRole('region', { name: 'Run' })).toHaveAttribute('data-phase', 'done', { timeout: 180_000 });

  await views.getByRole('button', { name: 'Planner' }).click();
  await page.getByLabel('Planner preset').selectOption('llama-3.1-8b');
  await page.getByLabel('Memory budget').fill('80GB');
  await page.getByLabel('Weight dtype').selectOption('bf16');
  await page.getByLabel('Cache dtype').selectOption('bf16');
  await page.getByLabel('Planner context').fill('8192');
  const summary = page.getByTestId('planner-summary');
  await expect(summary).toContainText('llama-3.1-8b');
  await expect(summary).toContainText('analytic');
  // 32 layers x 2 (K, V) x 8 KV heads x 128 x 2 bytes = 131072 B/token.
  const gqa = page.getByTestId('kv-per-token-gqa');
  await expect(gqa).toHaveAttribute('title', '131072 bytes');
  await expect(gqa).toHaveText('128 KiB');
  await expect(page.locator('tr[data-variant="gqa"]')).toContainText('(model)');
  await expect(page.locator('tr[data-variant="gqa"] td').nth(2)).toHaveText('1.0 GiB');
  await expect(page.locator('[data-chart="planner-memory"] canvas')).toHaveAttribute('data-values', /^[1-9]/);
  // Measured beside analytic, and the estimate labelled as one.
  await expect(summary).toContainText('Measured figures from the cpu run');
  await expect(page.locator('tr[data-variant="gqa"] td').nth(7)).toHaveText(/ms at 128$/);
  await expect(page.locator('tr[data-variant="gqa"] td').nth(8)).toHaveText(/^≈ [\d,.]+$/);
  await expect(page.locator('tr[data-variant="gqa"] td').nth(8)).toHaveAttribute('title', /^estimate: /);
  await page.screenshot({ path: `${SHOTS}/planner.png`, fullPage: true });
});

test('planner: a hybrid preset, layer by layer, ideal and paged', async () => {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Planner' }).click();
  await page.getByRole('radio', { name: 'Preset' }).check();
  await page.getByLabel('Planner preset').selectOption('gpt-oss-20b');
  await page.getByLabel('Memory budget').fill('80GB');
  await page.getByLabel('Cache dtype').selectOption('bf16');
  await page.getByLabel('Planner context').fill('32768');
  await expect(page.getByTestId('planner-layers')).toContainText('12 sliding (window 128): layers 0, 2 … 22 (every 2nd); 12 global');
  // 12 full x 32768 + 12 sliding x 128 tokens x 2048 B; paged: the window spans 9 pages of 16
  await expect(page.getByTestId('cache-gqa')).toHaveAttribute('title', '808452096 bytes');
  await expect(page.getByTestId('paged-gqa')).toHaveAttribute('title', '808845312 bytes');
  await expect(page.getByTestId('paging-note')).toContainText('16-token pages');
  await page.getByLabel('Paged windowed layers').selectOption('full');
  await expect(page.getByTestId('paged-gqa')).toHaveAttribute('title', `${24 * 32768 * 2048} bytes`);
  await page.getByLabel('Paged windowed layers').selectOption('window');
});

test('planner: config.json import, derived fields, and malformed files', async () => {
  await page.getByLabel('config.json', { exact: true }).check();
  const text = page.getByLabel('Planner config.json text');
  await text.fill('{ "model_type": "llama", "hidden_size": ');
  await expect(page.getByTestId('config-error')).toContainText('config.json is not valid JSON');
  await text.fill(JSON.stringify({ model_type: 'llama', hidden_size: 4096, num_attention_heads: 'thirty-two', num_hidden_layers: 32 }));
  await expect(page.getByTestId('config-error')).toContainText('num_attention_heads');
  // A dropped config.json: what was derived from which field.
  await dropFile(
    page,
    'config.json',
    JSON.stringify({
      model_type: 'mistral',
      hidden_size: 4096,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      num_hidden_layers: 32,
      vocab_size: 32000,
      intermediate_size: 14336,
      sliding_window: 4096,
    }),
  );
  await expect(page.getByTestId('config-error')).toHaveCount(0);
  await expect(page.getByTestId('derived-from')).toContainText('num_key_value_heads');
  await expect(page.getByTestId('planner-summary')).toContainText('estimated from config.json');
});

test('planner: a config with an unknown model_type shows the warning', async () => {
  await page
    .getByLabel('Planner config.json text')
    .fill(
      JSON.stringify({ model_type: 'olmo2', hidden_size: 2048, num_attention_heads: 16, num_key_value_heads: 16, num_hidden_layers: 16, vocab_size: 100352 }),
    );
  await expect(page.getByTestId('config-error')).toHaveCount(0);
  await expect(page.getByTestId('config-warnings')).toContainText('olmo2');
  await expect(page.getByTestId('planner-summary')).toContainText('config.json');
  // The sweep setup shows the same warning for a config.json model.
  const views = page.getByRole('navigation', { name: 'Views' });
  await views.getByRole('button', { name: 'Sweep' }).click();
  await page.getByRole('radio', { name: 'config.json', exact: true }).check();
  await page
    .getByLabel('config.json text', { exact: true })
    .fill(JSON.stringify({ model_type: 'olmo2', hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 4, num_hidden_layers: 2, vocab_size: 1000 }));
  await expect(page.getByTestId('plan-config-warnings')).toContainText('olmo2', { timeout: 60_000 });
  await views.getByRole('button', { name: 'Planner' }).click();
});

test('planner: the MLA what-if rank changes the MLA row', async () => {
  await page.getByRole('radio', { name: 'Preset' }).check();
  await page.getByLabel('Planner preset').selectOption('llama-3.1-8b');
  await page.getByLabel('Memory budget').fill('80GB');
  await page.getByLabel('Cache dtype').selectOption('bf16');
  const mla = page.getByTestId('kv-per-token-mla-absorbed');
  // default rank 4 x 128: (512 + 64) x 2 B x 32 layers
  await expect(mla).toHaveAttribute('title', '36864 bytes');
  await expect(page.getByTestId('dims-mla-absorbed')).toHaveText('MLA 32 heads, d_c 512 + d_R 64');
  await page.getByLabel('What-if MLA rank').fill('256');
  // (256 + 64) x 2 B x 32 layers; the row says which rank it assumed
  await expect(mla).toHaveAttribute('title', '20480 bytes');
  await expect(page.getByTestId('dims-mla-absorbed')).toHaveText('MLA 32 heads, d_c 256 + d_R 64');
  await expect(page.getByTestId('dims-gqa')).toHaveText('32 heads x 128, 8 K/V heads');
  await expect(page.getByTestId('kv-per-token-gqa')).toHaveAttribute('title', '131072 bytes');
  await page.getByLabel('What-if MLA rank').fill('0');
  await expect(page.getByRole('alert').filter({ hasText: 'MLA rank must be a whole number from 1' })).toBeVisible();
  await page.getByLabel('What-if MLA rank').fill('');
  await expect(mla).toHaveAttribute('title', '36864 bytes');
});

test('planner: capacity of an imported ONNX decoder', async () => {
  // The bridge's "open dialog" answers with this file (a browser gives no path for a dropped file).
  const dir = join(process.env.KVSCOPE_E2E_DIR!, 'open');
  mkdirSync(dir, { recursive: true });
  writeTinyDecoder(join(dir, 'decoder.onnx'), { layers: 2, numHeads: 4, numKvHeads: 2, headDim: 8, vocab: 100 });
  await page.getByLabel('Memory budget').fill('1MB');
  await page.getByLabel('Planner context').fill('100');
  await page.getByLabel('Planner batch').fill('1');
  await page.getByRole('button', { name: 'Import .onnx…' }).click();
  await expect(page.getByTestId('onnx-layout')).toContainText('decoder.onnx');
  const plan = page.getByTestId('onnx-plan');
  await expect(plan).toContainText('analytic');
  await expect(plan).toContainText('does not say how many query heads');
  // 2 layers x 2 (K, V) x 2 KV heads x 8 x 4 B (fp32) = 256 B/token
  await expect(page.getByTestId('onnx-kv-per-token')).toHaveAttribute('title', '256 bytes');
  // the initializers: 12,546 fp32 values
  await expect(page.getByTestId('onnx-weights')).toHaveAttribute('title', '50184 bytes');
  await expect(page.getByTestId('onnx-cache-at-context')).toHaveText('25.0 KiB');
  await expect(page.getByTestId('onnx-largest-context')).toHaveText(new Intl.NumberFormat('en-US').format(Math.floor((1e6 - 50184) / 256)));
  // in the planner's cache dtype (bf16) instead of the file's fp32
  await page.getByLabel("Plan the ONNX cache in the planner's cache dtype").check();
  await expect(page.getByTestId('onnx-kv-per-token')).toHaveAttribute('title', '128 bytes');
  await page.screenshot({ path: `${SHOTS}/planner-onnx.png`, fullPage: true });
});

test('history: an entry is deleted after a confirm step', async () => {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Sweep' }).click();
  const history = page.getByRole('region', { name: 'History' });
  await history.getByRole('button', { name: 'Refresh' }).click();
  const rows = history.locator('tbody tr');
  const before = await rows.count();
  expect(before).toBeGreaterThan(1);
  const id = (await rows.last().getAttribute('data-history-id'))!;
  const file = join(process.env.KVSCOPE_E2E_DIR!, 'history', `${id}.json`);
  expect(existsSync(file)).toBe(true);
  await history.getByRole('button', { name: `Delete ${id}` }).click();
  // first click only asks; Keep leaves it
  await history.getByRole('button', { name: `Keep ${id}` }).click();
  await expect(rows).toHaveCount(before);
  await history.getByRole('button', { name: `Delete ${id}` }).click();
  await history.getByRole('button', { name: `Confirm delete ${id}` }).click();
  await expect(rows).toHaveCount(before - 1);
  await expect(history.locator(`tr[data-history-id="${id}"]`)).toHaveCount(0);
  await expect(page.getByTestId('notice')).toContainText(`Deleted history entry ${id}`);
  expect(existsSync(file)).toBe(false);
});

test('a GPU report from another machine opens with its device figures and the roofline note', async () => {
  // The H200 sweep (docs/measurements): WebGPU on NVIDIA, MHA read faster than the probe.
  await dropFile(page, 'h200-webgpu.json', readFileSync('docs/measurements/h200-webgpu.json', 'utf8'));
  await expect(page.getByTestId('opened-report')).toHaveText('file: h200-webgpu.json');
  await expect(page.getByRole('region', { name: 'Results table' }).locator('tbody tr')).toHaveCount(25);
  const note = page.getByTestId('roofline-note');
  await expect(note).toContainText('beat their roofline (up to 392%, decode/mha/fp32/b1/t131072)');
  await expect(note).toContainText('where the probe read 253.7 GB/s');
  await expect(page.getByTestId('run-cost-note')).toContainText(
    '14 decode point(s), up to 32768 tokens, take mostly what the same graph takes at 16 cached tokens',
  );
  await expect(page.getByRole('region', { name: 'Placement warnings' })).toHaveCount(0);
  // GPU memory (nvidia-smi) of the MHA layer at 128K: 20,643 MiB for a 20,480 MiB cache.
  const table = page.getByRole('region', { name: 'Results table' });
  const col = await table.locator('thead th').evaluateAll((ths) => ths.findIndex((th) => th.textContent?.startsWith('GPU memory')));
  expect(col).toBeGreaterThan(0);
  const row = (await tableText(page)).find((r) => r[0] === 'MHA' && r[1] === '128K');
  expect(row?.[col]).toBe('20.2 GiB');
});
