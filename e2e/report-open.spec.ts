/**
 * Opening a report sets the whole screen to it: the setup holds the report's config (not the
 * form's), a header names the report, the Run card reads as finished, and the KV-memory chart
 * draws the report's budget line and largest-fit markers on a y axis that spans every value
 * (the report has negative RSS deltas, drawn at the floor rather than dragging the axis).
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { parseReport } from '../src/core/report/report.js';
import { dropFile } from './drop.js';
import { logPageErrors } from './fixtures.js';

const FILE = 'docs/measurements/readme-compare-webgpu.json';

test('a dropped report of another config resets setup, header, Run card and the KV chart', async ({ page }) => {
  logPageErrors(page);
  await page.goto('/');
  const text = readFileSync(FILE, 'utf8');
  const report = parseReport(text);
  // The form starts on the default sweep (DeepSeek-V3, 512..128k*4), not the report's Llama 512..8K on WebGPU.
  await expect(page.getByRole('combobox', { name: 'Preset' })).toHaveValue('deepseek-v3');
  await expect(page.getByLabel('Contexts')).not.toHaveValue('512, 2048, 8192');

  await dropFile(page, 'compare-webgpu.json', text);
  await expect(page.getByTestId('opened-report')).toHaveText('file: compare-webgpu.json');

  // The header names the report near the top.
  const header = page.getByTestId('viewing-report');
  await expect(header.getByRole('heading')).toHaveText(`Viewing report llama-3.1-8b · webgpu · ${report.createdAt.slice(0, 16).replace('T', ' ')}`);

  // The setup is the report's config: Run would rerun it.
  await expect(page.getByRole('combobox', { name: 'Preset' })).toHaveValue('llama-3.1-8b');
  await expect(page.getByLabel('Contexts')).toHaveValue('512, 2048, 8192');
  await expect(page.getByRole('combobox', { name: 'Provider' })).toHaveValue('webgpu');
  await expect(page.getByLabel('Measured layers')).toHaveValue('1');
  await expect(page.getByTestId('setup-from-report')).toBeVisible();

  // The Run card reads as a finished run, not one waiting for its first point.
  const run = page.getByRole('region', { name: 'Run' });
  await expect(run).toHaveAttribute('data-phase', 'done');
  await expect(run.getByRole('heading', { name: 'Sweep complete' })).toBeVisible();
  await expect(run).not.toContainText('Waiting for the first point');
  await expect(run.getByTestId('progress-count')).toHaveText(`${report.points.length} / ${report.points.length}`);

  // The KV chart: the report's budget line and largest-fit markers, every series within the y axis.
  const kv = page.locator('[data-chart="memory"] canvas');
  await expect(kv).toHaveAttribute('data-values', /^[1-9]/);
  const series = JSON.parse((await kv.getAttribute('data-series')) ?? '[]') as string[];
  expect(series).toContain('memory budget');
  expect(series).toContain('MHA largest fit');
  expect(series).toContain('MLA (absorbed) analytic');
  expect(series).toContain('MHA measured (RSS, 1 layer ×32)');
  const yMin = Number(await kv.getAttribute('data-y-min'));
  const yMax = Number(await kv.getAttribute('data-y-max'));
  const minValue = Number(await kv.getAttribute('data-min-value'));
  expect(minValue).toBeGreaterThan(0);
  expect(yMin).toBeLessThanOrEqual(minValue);
  expect(yMax).toBeGreaterThanOrEqual(report.memoryBudget!.bytes);

  // New sweep: back to the setup and its plan, the report's config kept.
  await header.getByRole('button', { name: 'New sweep' }).click();
  await expect(page.getByTestId('viewing-report')).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Run' })).toHaveCount(0);
  await expect(page.getByLabel('Contexts')).toHaveValue('512, 2048, 8192');
});
