/**
 * Desktop conventions and accessibility (issue 15, items 3, 7 and 11), in Chromium against the
 * real engine through the bridge: the Tab order, Enter / Ctrl+Enter / Escape, Ctrl+S and Ctrl+O,
 * the theme tokens' contrast as the charts draw them, tooltips with every series at a context,
 * the legend's line styles, "show as table", and axe-core with zero violations in the welcome,
 * sweep (running and done), planner, compare and report-opened states, in both themes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test, type Page } from '@playwright/test';
import { CHANNELS } from '../src/contract/channels.js';
import { contrastRatio } from '../src/present/contrast.js';
import { THEME_RULES, THEMES } from '../src/present/theme.js';
import { dropFile } from './drop.js';
import { openApp } from './fixtures.js';

test.describe.configure({ mode: 'serial' });

/** axe-core's browser bundle: KVSCOPE_AXE (a path to axe.min.js), else the axe-core package. */
function axeSource(): string | null {
  const env = process.env.KVSCOPE_AXE;
  if (env && existsSync(env)) return readFileSync(env, 'utf8');
  try {
    return readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  } catch {
    return null;
  }
}
const AXE = axeSource();

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await openApp(browser);
  // a first run: the welcome card shows
  await page.addInitScript(() => localStorage.removeItem('kvscope.welcomeSeen'));
  await page.goto('/');
});

test.afterAll(async () => {
  await page.close();
});

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core's violations on the page as it is now ("rule: target - summary" lines). */
async function axeViolations(p: Page): Promise<string[]> {
  if (!AXE) return [];
  // evaluated through the devtools protocol, so the page's CSP (no inline script) does not apply
  if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(AXE);
  const { violations, passed } = await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: AxeViolation[]; passes: unknown[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return { violations: r.violations, passed: r.passes.length };
  });
  // axe ran its rules (color-contrast, button-name, th-has-data-cells, ...), not nothing
  expect(passed).toBeGreaterThan(10);
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} - ${v.help}`));
}

const theme = (p: Page): Promise<string | undefined> => p.evaluate(() => document.documentElement.dataset.theme);

/** axe in the light and the dark theme (the theme toggled and back). */
async function expectAxeClean(p: Page, state: string): Promise<void> {
  if (!AXE) {
    // Not a test.skip: that would skip the rest of the test, the checks that need no axe too.
    const why = `axe not run (${state}): axe-core is not installed; add the devDependency axe-core or set KVSCOPE_AXE to an axe.min.js`;
    console.log(why);
    test.info().annotations.push({ type: 'axe skipped', description: why });
    return;
  }
  const start = await theme(p);
  for (let i = 0; i < 2; i++) {
    const now = await theme(p);
    expect(await axeViolations(p), `axe in the ${state} state, ${now} theme`).toEqual([]);
    await p.getByRole('button', { name: /^Switch to (light|dark) theme$/ }).click();
    await expect.poll(() => theme(p)).not.toBe(now);
  }
  expect(await theme(p)).toBe(start);
}

async function setTheme(p: Page, want: 'light' | 'dark'): Promise<void> {
  if ((await theme(p)) !== want) await p.getByRole('button', { name: `Switch to ${want} theme` }).click();
  await expect.poll(() => theme(p)).toBe(want);
}

async function setVariants(p: Page, wanted: string[]): Promise<void> {
  for (const label of ['MHA', 'GQA', 'MQA', 'MLA (naive)', 'MLA (absorbed)']) {
    const box = p.getByRole('checkbox', { name: label, exact: true });
    if ((await box.isChecked()) !== wanted.includes(label)) await box.click();
  }
}

async function smallModel(p: Page, contexts: string, seconds: string): Promise<void> {
  await p.getByLabel('Custom dims').check();
  await p.getByLabel('Attention kind').selectOption('mha');
  await p.getByLabel('Query heads').fill('4');
  await p.getByLabel('Head dim').fill('16');
  await p.getByLabel('Model layers').fill('8');
  await setVariants(p, ['MHA', 'GQA', 'MQA', 'MLA (absorbed)']);
  await p.getByLabel('GQA groups').fill('2');
  await p.getByLabel('Provider').selectOption('cpu');
  await p.getByLabel('Threads').fill('1');
  await p.getByLabel('Seconds per point').fill(seconds);
  await p.getByLabel('Contexts').fill(contexts);
}

test('welcome: "Run the default sweep" is an early Tab stop; axe finds nothing', async () => {
  await expect(page.getByRole('button', { name: 'Run the default sweep' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Device' }).getByText(/cpu: works/)).toBeVisible({ timeout: 60_000 });
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  let stops = 0;
  for (; stops < 10; stops++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === 'Run the default sweep') break;
  }
  // header: three view tabs, About and the theme switch, then the welcome's first action
  expect(stops + 1).toBeLessThanOrEqual(6);
  await expectAxeClean(page, 'welcome');
});

test('Enter in Contexts does not start a sweep; Ctrl+Enter does; Escape cancels it', async ({ request }) => {
  await page.getByRole('button', { name: 'Set up my own' }).click();
  await smallModel(page, '64..16k', '0.3');
  await expect(page.getByTestId('plan-points')).toHaveText(/^36 planned/);
  const starts: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith(`/api/${encodeURIComponent(CHANNELS.sweepStart)}`)) starts.push(r.url());
  });
  const run = page.getByRole('region', { name: 'Run' });
  await page.getByLabel('Contexts').press('Enter');
  // the plan re-runs 250 ms after an edit; a start would have been sent by now
  await page.waitForTimeout(1000);
  expect(starts).toEqual([]);
  await expect(page.locator('section[aria-label="Run"][data-phase="running"]')).toHaveCount(0);

  const hold = async (held: boolean): Promise<void> => {
    const res = await request.post('/__test/hold-engine', { data: { hold: held } });
    expect(res.ok(), await res.text()).toBe(true);
  };
  await page.getByLabel('Contexts').press('Control+Enter');
  await expect(run).toHaveAttribute('data-phase', 'running');
  expect(starts).toHaveLength(1);
  await expect(run.getByTestId('progress-count')).toHaveText(/^[1-9]\d* \/ 36$/, { timeout: 120_000 });
  // held still (SIGSTOP) so the sweep cannot finish before Escape is read
  await hold(true);
  try {
    await expectAxeClean(page, 'sweep running');
    const cancelSent = page.waitForResponse((r) => r.url().endsWith(`/api/${encodeURIComponent(CHANNELS.sweepCancel)}`) && r.ok());
    await page.locator('body').press('Escape');
    await cancelSent;
  } finally {
    await hold(false);
  }
  await expect(run).toHaveAttribute('data-phase', 'cancelled', { timeout: 60_000 });
});

test('a finished sweep: chart colours pass contrast in both themes, tooltips list every series, legend swatches differ, show as table', async () => {
  await smallModel(page, '64..512', '0.1');
  await expect(page.getByTestId('plan-points')).toHaveText('16 planned, 16 fit for measurement');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  const run = page.getByRole('region', { name: 'Run' });
  await expect(run).toHaveAttribute('data-phase', 'done', { timeout: 180_000 });
  const step = page.locator('[data-chart="step-time"]');
  await expect(step.locator('canvas')).toHaveAttribute('data-values', '16');

  // Ctrl+S saves the report shown; Ctrl+O asks main for a report to open (the bridge's dialog answers none).
  await page.locator('body').press('Control+s');
  await expect(page.getByTestId('notice')).toContainText('Report saved to ');
  const asked = page.waitForRequest((r) => r.url().endsWith(`/api/${encodeURIComponent(CHANNELS.reportOpen)}`));
  await page.locator('body').press('Control+o');
  await asked;

  for (const t of ['dark', 'light'] as const) {
    await setTheme(page, t);
    for (const id of ['memory', 'step-time', 'savings']) {
      const card = page.locator(`[data-chart="${id}"]`);
      // redrawn in the theme: its text is the theme's muted text token
      await expect
        .poll(async () => (JSON.parse((await card.locator('canvas').getAttribute('data-colors')) ?? '{"text":[]}') as { text: string[] }).text[0])
        .toBe(THEMES[t]['fg-muted']);
      const { colors, background } = await card.evaluate((el) => ({
        colors: JSON.parse(el.querySelector('canvas')!.dataset.colors!) as { text: string[]; grid: string[]; series: [string, string][] },
        background: getComputedStyle(el).backgroundColor,
      }));
      for (const c of colors.text) expect(contrastRatio(c, background), `${t} ${id} text ${c} on ${background}`).toBeGreaterThanOrEqual(THEME_RULES.text);
      for (const c of colors.grid) expect(contrastRatio(c, background), `${t} ${id} grid ${c} on ${background}`).toBeGreaterThanOrEqual(THEME_RULES.grid);
      expect(colors.series.length, id).toBeGreaterThan(0);
      for (const [label, c] of colors.series)
        expect(contrastRatio(c, background), `${t} ${id} ${label} ${c} on ${background}`).toBeGreaterThanOrEqual(THEME_RULES.text);
    }
  }
  await setTheme(page, 'dark');

  // The tooltip at a context lists every series there, values formatted.
  const canvas = step.locator('canvas');
  const series = JSON.parse((await canvas.getAttribute('data-series'))!) as string[];
  expect(series).toHaveLength(4);
  const [left, top, right, bottom] = JSON.parse((await canvas.getAttribute('data-area'))!) as number[];
  const box = (await canvas.boundingBox())!;
  const seen: { title: string[]; lines: string[] }[] = [];
  for (let x = left! + 2; x < right!; x += 8) {
    await page.mouse.move(box.x + x, box.y + (top! + bottom!) / 2);
    const tip = await canvas.getAttribute('data-tooltip');
    if (tip) seen.push(JSON.parse(tip) as { title: string[]; lines: string[] });
  }
  const contexts = new Set(seen.map((s) => s.title.join(' ')));
  expect([...contexts].sort()).toEqual(['context 128 tokens', 'context 256 tokens', 'context 512 tokens', 'context 64 tokens']);
  for (const s of seen) {
    expect(s.lines.map((l) => l.slice(0, l.indexOf(':'))).sort(), s.title.join()).toEqual([...series].sort());
    for (const l of s.lines) expect(l).toMatch(/: [\d.]+ (ms|µs|s)\b/);
  }

  // Savings: "memory ×" is drawn dashed and "speed ×" solid, and so are their legend swatches.
  const legend = JSON.parse((await page.locator('[data-chart="savings"] canvas').getAttribute('data-colors'))!) as {
    legend: { text: string; pointStyle: string; lineDash: number[] }[];
  };
  const mem = legend.legend.find((i) => i.text === 'MQA memory ×')!;
  const speed = legend.legend.find((i) => i.text === 'MQA speed ×')!;
  expect([mem.pointStyle, speed.pointStyle]).toEqual(['line', 'line']);
  expect(mem.lineDash.length).toBeGreaterThan(0);
  expect(speed.lineDash).toEqual([]);

  // Show as table: every value of the chart, in a table.
  await step.getByRole('button', { name: /^Table of Decode step time/ }).click();
  const table = step.getByRole('table');
  await expect(table).toBeVisible();
  await expect(table.locator('thead th')).toHaveText(['Context', ...series]);
  await expect(table.locator('tbody tr')).toHaveCount(4);
  const cells = await table.locator('tbody td').allTextContents();
  expect(cells.filter((c) => c !== '–')).toHaveLength(16);
  for (const c of cells) expect(c).toMatch(/^[\d.]+ (ms|µs|s)\b/);
  await page.screenshot({ path: 'docs/screenshots/dark-theme.png', fullPage: true });
  await expectAxeClean(page, 'sweep done (table shown)');
  await step.getByRole('button', { name: /^Hide table of Decode step time/ }).click();
  await expect(table).toHaveCount(0);
});

test('planner and compare: axe finds nothing; the two reports read apart in the legend', async () => {
  const views = page.getByRole('navigation', { name: 'Views' });
  await views.getByRole('button', { name: 'Planner' }).click();
  await expect(page.getByTestId('planner-summary')).toBeVisible({ timeout: 60_000 });
  await expectAxeClean(page, 'planner');

  await views.getByRole('button', { name: 'Sweep' }).click();
  await page.getByRole('button', { name: 'Add to compare' }).click();
  // the same run from the history as the second report: the same series, told apart by report
  // (other specs' runs may be in the history too: the bridge's folder is shared by the run)
  const history = page.locator('tr[data-history-id]');
  await expect(history.first()).toBeVisible();
  await history
    .first()
    .getByRole('button', { name: /^Compare / })
    .click();
  await views.getByRole('button', { name: /^Compare/ }).click();
  const step = page.locator('[data-chart="compare-step"] canvas');
  await expect(step).toHaveAttribute('data-values', /^[1-9]/);
  const legend = (JSON.parse((await step.getAttribute('data-colors'))!) as { legend: { text: string; lineDash: number[] }[] }).legend;
  const one = legend.find((i) => i.text === 'MHA · #1')!;
  const two = legend.find((i) => i.text === 'MHA · #2')!;
  expect(one.lineDash).not.toEqual(two.lineDash);
  await expectAxeClean(page, 'compare');
});

test('an opened report: axe finds nothing; the largest-fit tooltip reads the context', async () => {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Sweep' }).click();
  await dropFile(page, 'compare-webgpu.json', readFileSync('docs/measurements/readme-compare-webgpu.json', 'utf8'));
  await expect(page.getByTestId('viewing-report')).toBeVisible();
  await expectAxeClean(page, 'report opened');

  const canvas = page.locator('[data-chart="memory"] canvas');
  await expect(canvas).toHaveAttribute('data-area', /\[/);
  const [left, top, right, bottom] = JSON.parse((await canvas.getAttribute('data-area'))!) as number[];
  const box = (await canvas.boundingBox())!;
  const fits: string[] = [];
  for (let x = left!; x <= right!; x += 4) {
    await page.mouse.move(box.x + x, box.y + (top! + bottom!) / 2);
    const tip = await canvas.getAttribute('data-tooltip');
    if (tip) fits.push(...(JSON.parse(tip) as { lines: string[] }).lines.filter((l) => l.includes('largest fit')));
  }
  expect(fits.length).toBeGreaterThan(0);
  for (const l of fits) expect(l).toMatch(/largest fit: [\d.]+[KM]? tokens( \([\d,]+\))?$/);
});
