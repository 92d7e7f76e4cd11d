/**
 * The planner's per-GPU plan in Chromium against the real engine through the e2e bridge: the
 * GPUs / TP / DP fields, the Per GPU card's figures and placement rules (Llama-3.1-70B at TP 8
 * and TP 16, DeepSeek-V3 under DP attention), and a form and an engine error for a bad layout.
 */
import { expect, test, type Page } from '@playwright/test';

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto('/');
});

test.afterAll(async () => {
  await page.close();
});

test('planner: per-GPU figures for a multi-GPU layout', async () => {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Planner' }).click();
  await page.getByLabel('Planner preset').selectOption('llama-3.1-70b');
  await page.getByLabel('Planner context').fill('131072');
  await expect(page.getByTestId('planner-summary')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('planner-per-gpu')).toHaveCount(0); // one GPU until a layout is given
  await page.getByLabel('GPUs').fill('8x80GB');
  await page.getByLabel('TP (tensor)').fill('8');
  const card = page.getByTestId('planner-per-gpu');
  await expect(card).toContainText('Per GPU: 8 × 80 GB (74.5 GiB)');
  await expect(page.getByTestId('per-gpu-kv-gqa')).toHaveText('40,960 B');
  await expect(card.locator('tr[data-variant="gqa"]')).toContainText('8 K/V heads split over 8 TP ranks: 1 per GPU');
  await expect(page.getByTestId('per-gpu-estimate')).toContainText('no decode estimate');
  // TP 16: the 8 K/V heads are replicated, each GPU still holds 40,960 B/token
  await page.getByLabel('GPUs').fill('16x80GB');
  await page.getByLabel('TP (tensor)').fill('16');
  await expect(card.locator('tr[data-variant="gqa"]')).toContainText('each replicated on 2 GPUs');
  await expect(page.getByTestId('per-gpu-kv-gqa')).toHaveText('40,960 B');
  await page.getByLabel('GPU memory GB/s').fill('3350');
  await expect(page.getByTestId('per-gpu-estimate')).toContainText('estimate, analytic roofline');
  // a bad layout: a form error names the field, an engine error says what to change
  await page.getByLabel('TP (tensor)').fill('0');
  await expect(page.getByRole('alert').filter({ hasText: 'TP must be a whole number from 1 to 1,024' })).toBeVisible();
  await page.getByLabel('TP (tensor)').fill('8');
  await expect(page.getByRole('alert').filter({ hasText: '16 GPUs do not match TP 8 x PP 1 x DP 1 = 8' })).toBeVisible();
  // DeepSeek-V3 under DP attention over 8 x 141 GB: the latent whole per sequence, sequences split
  await page.getByLabel('Planner preset').selectOption('deepseek-v3');
  await page.getByLabel('Weight dtype').selectOption('fp8');
  await page.getByLabel('GPUs').fill('8x141GB');
  await page.getByLabel('TP (tensor)').fill('1');
  await page.getByLabel('DP (data)').fill('8');
  await page.getByLabel('DP attention').check();
  await expect(page.getByTestId('per-gpu-kv-mla-absorbed')).toHaveText('70,272 B');
  await expect(card.locator('tr[data-variant="mla-absorbed"]')).toContainText('sequences split over 8 DP-attention ranks');
  await page.screenshot({ path: 'docs/screenshots/planner-gpus.png', fullPage: true });
});
