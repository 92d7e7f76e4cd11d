/**
 * The app's states as a user meets them (issue 15): errors at their field, the plan's two fits,
 * the planner's first screen and dead end, the results table's columns, the notes panel that does
 * not move the charts, the ETA past a point's expected time and the counts after a cancel. The
 * renderer in Chromium against the real engine through the e2e bridge.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { CHANNELS } from '../src/contract/channels.js';
import { dropFile } from './drop.js';
import { openApp, syntheticPoint } from './fixtures.js';

test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await openApp(browser);
  await page.goto('/');
  await expect(page.getByRole('region', { name: 'Device' }).getByText(/cpu: works/)).toBeVisible({ timeout: 60_000 });
  const setUp = page.getByRole('button', { name: 'Set up my own' });
  if (await setUp.isVisible()) await setUp.click();
});

test.afterAll(async () => {
  await page.close();
});

/** The field is marked invalid and its aria-describedby names an element that says `text`. */
async function expectFieldError(p: Page, label: string, text: string): Promise<void> {
  const input = p.getByLabel(label, { exact: true });
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(input).toHaveAttribute('aria-describedby', /\S/);
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(' ');
  await expect(p.locator(`[id="${ids.at(-1)}"]`)).toHaveText(text);
}

test('errors sit at their field in plain words, with the field marked invalid', async () => {
  await page.getByLabel('Custom dims').check();
  await page.getByLabel('Attention kind').selectOption('gqa');
  await page.getByLabel('Query heads', { exact: true }).fill('8');
  await page.getByLabel('Head dim', { exact: true }).fill('16');
  await page.getByLabel('Model layers', { exact: true }).fill('4');
  await page.getByLabel('K/V heads', { exact: true }).fill('0');
  const kv = page.getByLabel('K/V heads', { exact: true });
  await expectFieldError(page, 'K/V heads', 'K/V heads must be a whole number from 1 to 1,024');
  // not in the Plan box
  await expect(page.getByTestId('plan-error')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/field-error.png' });

  // absurd values are bounded: 100,000 heads, 100,000 layers
  await kv.fill('2');
  await expect(kv).toHaveAttribute('aria-invalid', 'false');
  await page.getByLabel('Query heads', { exact: true }).fill('100000');
  await expectFieldError(page, 'Query heads', 'Query heads must be a whole number from 1 to 1,024');
  await page.getByLabel('Query heads', { exact: true }).fill('8');
  await page.getByLabel('Model layers', { exact: true }).fill('100000');
  await expectFieldError(page, 'Model layers', 'Model layers must be a whole number from 1 to 1,024');
  // an emptied field is an error, not silently the default
  await page.getByLabel('Model layers', { exact: true }).fill('4');
  await page.getByLabel('Head dim', { exact: true }).fill('');
  await expectFieldError(page, 'Head dim', 'Head dim must be a whole number from 1 to 8,192');
  await page.getByLabel('Head dim', { exact: true }).fill('16');
  await expect(page.getByTestId('plan-points')).toContainText('planned');
});

test("a config.json that lacks fields: the error under its text; a context past the model's is a labelled warning", async () => {
  await page.getByRole('radio', { name: 'config.json' }).check();
  await page.getByLabel('config.json text').fill('{"model_type": "llama", "hidden_size": 64}');
  await expect(page.getByTestId('setup-config-error')).toContainText('lacks "num_attention_heads"');
  await expect(page.getByLabel('config.json text')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('plan-error')).toHaveCount(0);

  await page.getByRole('radio', { name: 'Preset' }).check();
  await page.getByRole('combobox', { name: 'Preset' }).selectOption('llama-3.1-8b');
  await page.getByLabel('Contexts').fill('512, 1M');
  await expect(page.getByTestId('plan-hypothetical')).toHaveText(
    "Context 1M is beyond the model's 128K (max_position_embeddings): measured as a what-if and marked hypothetical (*).",
  );
  await expect(page.getByTestId('plan-error')).toHaveCount(0);
});

test('the plan says what fits for measurement and what fits as a whole model', async () => {
  await page.getByRole('combobox', { name: 'Preset' }).selectOption('deepseek-v3');
  await page.getByLabel('Contexts').fill('512..32k');
  await expect(page.getByTestId('plan-points')).toHaveText(/^\d+ planned, \d+ fit for measurement$/);
  // one measured layer fits; DeepSeek-V3's whole MHA cache at 32K does not (61 layers x 128 heads
  // x (192 + 128) x 4 B x 32K = 305 GiB, over any budget this machine has)
  await expect(page.getByTestId('plan-model-fit')).toHaveText(/^\d+ of \d+ points do not fit this device \(61 layers' cache over the budget\)$/);
});

test("a report's points whose whole model is over its budget are flagged in the table and the KV chart", async () => {
  const text = readFileSync('docs/measurements/readme-default-sweep.json', 'utf8');
  await dropFile(page, 'readme-default-sweep.json', text);
  const table = page.getByRole('region', { name: 'Results table' });
  await expect(table.locator('tbody tr')).toHaveCount(25);
  const heads = await table.locator('thead th').allTextContents();
  const col = heads.findIndex((h) => h.startsWith('Model fits'));
  expect(col).toBeGreaterThan(0);
  const cells = await table.locator('tbody tr').evaluateAll((rows, c) => rows.map((r) => r.querySelectorAll('td')[c]?.textContent?.trim()), col);
  // its budget was 18.1 GiB: six points' whole-model cache is over it (MHA, MLA naive... at 32K and 128K)
  expect(cells.filter((c) => c === 'no')).toHaveLength(6);
  expect(cells.filter((c) => c === 'yes')).toHaveLength(19);
  await expect(table.locator('td.warn', { hasText: /^no$/ })).toHaveCount(6);
  const series = JSON.parse((await page.locator('[data-chart="memory"] canvas').getAttribute('data-series')) ?? '[]') as string[];
  expect(series).toContain('whole model over the budget');
  // display names, and the key columns in view at 1440 px without scrolling
  await expect(table.locator('tbody tr').first().locator('td').first()).toHaveText(/^(MHA|GQA|MQA|MLA \(naive\)|MLA \(absorbed\))$/);
  for (const name of [/^Tok\/s \(attention\)/, /^Roofline/]) {
    const box = (await table.getByRole('button', { name }).boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1440);
  }
  await page.getByRole('button', { name: 'New sweep' }).click();
});

test('the planner opens on a plan that fits, explains a dead end, reads "128k", and names a dropped config', async () => {
  await page.getByRole('button', { name: 'Planner' }).click();
  const summary = page.getByTestId('planner-summary');
  await expect(summary).toBeVisible({ timeout: 60_000 });
  // the first screen fits the memory detected here: no dead end
  await expect(page.getByTestId('planner-dead-end')).toHaveCount(0);

  await page.getByLabel('Planner preset').selectOption('deepseek-v3');
  await page.getByLabel('Weight dtype').selectOption('bf16');
  await page.getByLabel('Memory budget').fill('22.5GiB');
  await expect(page.getByTestId('planner-dead-end')).toHaveText(
    'Weights alone need 1.2 TiB (bf16), more than the 22.5 GiB of memory: no context fits. ' +
      'Try splitting the model over 56 such devices (tensor parallel), a smaller model or narrower weights (even int4 needs 312 GiB).',
  );
  // no tokens/s for a model that would not run
  const rows = page.getByTestId('planner-table').locator('tbody tr');
  for (const r of await rows.all()) await expect(r.locator('td').nth(7)).toHaveText('–');
  await expect(page.getByRole('alert')).toHaveCount(0);

  await page.getByLabel('Memory budget').fill('80GB');
  await page.getByLabel('Planner preset').selectOption('llama-3.1-8b');
  await page.getByLabel('Planner context').fill('128k');
  await expect(page.getByTestId('planner-table').locator('thead')).toContainText('Cache at 128K');

  await expect(page.getByLabel('Planner context')).toHaveAttribute('aria-invalid', 'false');

  // config.json chosen, nothing entered yet: a hint, no red error
  await page.getByRole('radio', { name: 'config.json' }).check();
  await expect(page.getByTestId('config-waiting')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  const mistral = {
    architectures: ['MistralForCausalLM'],
    model_type: 'mistral',
    hidden_size: 4096,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    num_hidden_layers: 32,
    max_position_embeddings: 32768,
    sliding_window: 4096,
    vocab_size: 32000,
    intermediate_size: 14336,
  };
  await dropFile(page, 'config.json', JSON.stringify(mistral));
  await expect(summary.getByRole('heading')).toContainText('MistralForCausalLM');
  // its chart reaches past the context asked for ("128k"): 1K..256K, 9 contexts x 4 variants (32K before "128k" was read)
  await expect(page.locator('[data-chart="planner-memory"] canvas')).toHaveAttribute('data-values', '36');
  await page.screenshot({ path: 'test-results/planner-states.png', fullPage: true });
  await page.getByRole('button', { name: 'Sweep' }).click();
});

test('notes arrive in a fixed panel that does not move the charts, in the app’s words', async ({ request }) => {
  await page.getByLabel('Custom dims').check();
  await page.getByLabel('Attention kind').selectOption('mha');
  await page.getByLabel('Query heads', { exact: true }).fill('4');
  await page.getByLabel('Head dim', { exact: true }).fill('16');
  await page.getByLabel('Model layers', { exact: true }).fill('8');
  for (const label of ['MHA', 'GQA', 'MQA', 'MLA (naive)', 'MLA (absorbed)']) {
    const box = page.getByRole('checkbox', { name: label, exact: true });
    if ((await box.isChecked()) !== (label === 'MHA' || label === 'MQA')) await box.click();
  }
  await page.getByLabel('Contexts').fill('64, 128');
  await page.getByLabel('Timed seconds per point').fill('0.1');
  await page.getByLabel('Provider').selectOption('cpu');
  await page.getByLabel('Threads').fill('1');
  await expect(page.getByTestId('plan-points')).toHaveText('4 planned, 4 fit for measurement', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Run sweep' }).click();
  const run = page.getByRole('region', { name: 'Run' });
  await expect(run).toHaveAttribute('data-phase', 'done', { timeout: 180_000 });
  const chart = page.locator('[data-chart="memory"]');
  // the chart's place in the page (not the viewport: opening the notes scrolls to their button)
  const top = (): Promise<number> => chart.evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
  const before = await top();
  const runId = await run.getAttribute('data-run-id');
  // a point whose step is mostly the fixed run cost brings the short-step note
  const count = page.getByTestId('notes-count');
  const n0 = Number(await count.textContent());
  const hadRunCost = (await page.getByTestId('run-cost-note').count()) > 0;
  const shortStep = {
    type: 'point',
    runId,
    point: syntheticPoint({
      id: 'decode/mha/fp32/b1/t100000',
      variant: 'mha',
      context: 100000,
      ms: 1,
      kvBytesPerTokenPerLayer: 512,
      overheadMs: 0.95,
      // and a node left to the CPU: a note of its own, whatever notes the real run brought
      extra: { placement: { attention: [], fellBack: ['MatMul'], byProvider: { cpu: 1 } } },
    }),
  };
  expect((await request.post('/__test/emit', { data: [shortStep] })).ok()).toBe(true);
  await expect(count).toHaveText(String(n0 + 1 + (hadRunCost ? 0 : 1)));
  expect(await top()).toBe(before);
  await page.getByTestId('notes-panel').getByRole('button').click();
  const note = page.getByTestId('run-cost-note');
  await expect(note).toBeVisible();
  await expect(note).toContainText('Measured layers');
  await expect(note).not.toContainText('--layers');
  await expect(note).not.toContainText('W_UK');
  // opened, the notes lie over the page: the charts stay where they were
  expect(await top()).toBe(before);
  await page.screenshot({ path: 'test-results/notes-open.png' });
  await page.getByTestId('notes-panel').getByRole('button').click();
});

test('the ETA says when a point runs past its expected time, and the counts agree after a cancel', async ({ request }) => {
  await page.getByLabel('Contexts').fill('64..16k');
  await page.getByLabel('Timed seconds per point').fill('0.3');
  await expect(page.getByTestId('plan-points')).toHaveText(/^18 planned/);
  const hold = async (held: boolean): Promise<void> => {
    const res = await request.post('/__test/hold-engine', { data: { hold: held } });
    expect(res.ok(), await res.text()).toBe(true);
  };
  await page.getByRole('button', { name: 'Run sweep' }).click();
  const run = page.getByRole('region', { name: 'Run' });
  await expect(run.getByTestId('measured-count')).toHaveText(/^[1-9]/, { timeout: 120_000 });
  await hold(true);
  try {
    const runId = await run.getAttribute('data-run-id');
    // the engine is held: a progress event for a point expected to take 1 s, then 2 s pass
    const progress = { type: 'progress', runId, done: 3, total: 18, current: 'decode/mha/fp32/b1/t2048', etaSeconds: 30, pointSeconds: 1 };
    expect((await request.post('/__test/emit', { data: [progress] })).ok()).toBe(true);
    await expect(run.getByTestId('eta')).toHaveText('29 s after this point, which is taking longer than expected', { timeout: 10_000 });
    const cancelSent = page.waitForResponse((r) => r.url().endsWith(`/api/${encodeURIComponent(CHANNELS.sweepCancel)}`) && r.ok());
    await run.getByRole('button', { name: 'Cancel' }).click();
    await cancelSent;
  } finally {
    await hold(false);
  }
  await expect(run).toHaveAttribute('data-phase', 'cancelled', { timeout: 60_000 });
  const rows = await page.getByRole('region', { name: 'Results table' }).locator('tbody tr').count();
  const [done, total] = ((await run.getByTestId('progress-count').textContent()) ?? '').split(' / ').map(Number);
  const measured = Number(await run.getByTestId('measured-count').textContent());
  expect(done).toBe(rows);
  expect(total).toBe(18);
  expect(measured).toBeLessThanOrEqual(done!);
  await page.screenshot({ path: 'test-results/cancel-counts.png' });
});
