/**
 * Small frictions (issue 15, item 12): a config.json dropped on the Sweep view fills the Sweep's
 * setup, the welcome can be reopened, and the setup fits its sidebar.
 */
import { expect, test, type Page } from '@playwright/test';
import { dropFile } from './drop.js';

test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto('/');
});
test.afterAll(async () => {
  await page.close();
});

test('a config.json dropped on the Sweep view fills the Sweep setup and stays there', async () => {
  const config = {
    model_type: 'llama',
    hidden_size: 2048,
    num_attention_heads: 16,
    num_key_value_heads: 4,
    num_hidden_layers: 16,
    max_position_embeddings: 8192,
  };
  await dropFile(page, 'config.json', JSON.stringify(config));
  await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Sweep' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByLabel('config.json', { exact: true })).toBeChecked();
  await expect(page.getByLabel('config.json text')).toHaveValue(/"num_key_value_heads": 4/);
  // and a file that is not JSON gets its error at the config field, with the field kept as it was
  await dropFile(page, 'config.json', '{ "model_type": "llama", ');
  await expect(page.getByText('config.json is not valid JSON')).toBeVisible();
  await expect(page.getByLabel('config.json text')).toHaveValue(/"num_key_value_heads": 4/);
});

test('the welcome reopens from the header', async () => {
  const welcome = page.getByRole('heading', { name: 'What kvscope measures' });
  if (await welcome.isVisible()) await page.getByRole('button', { name: 'Set up my own' }).click();
  await expect(welcome).toHaveCount(0);
  await page.getByRole('button', { name: 'About' }).click();
  await expect(welcome).toBeVisible();
  await expect(page.getByRole('region', { name: 'What kvscope measures' })).toContainText('what-if');
});

test('the setup fits its sidebar at 1024 and 1440 px', async () => {
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 800 });
    const over = await page.locator('aside.side').evaluate((el) => {
      const box = el.getBoundingClientRect();
      const wider = [...el.querySelectorAll('*')].filter((c) => c.getBoundingClientRect().right > box.right + 0.5).map((c) => c.tagName + '.' + c.className);
      return { scroll: el.scrollWidth - el.clientWidth, wider: wider.slice(0, 5) };
    });
    expect(over, `at ${width} px`).toEqual({ scroll: 0, wider: [] });
  }
});

test('the planner tables are not clipped at 1024 px: each fits or scrolls', async () => {
  await page.setViewportSize({ width: 1024, height: 800 });
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Planner' }).click();
  await expect(page.locator('main table').first()).toBeVisible({ timeout: 30_000 });
  const clipped = await page.locator('main').evaluate((main) =>
    [...main.querySelectorAll('table')].flatMap((t) => {
      const right = t.getBoundingClientRect().right;
      // the nearest ancestor that cuts it off: overflow other than visible, narrower than the table
      for (let a = t.parentElement; a && a !== main.parentElement; a = a.parentElement) {
        const cs = getComputedStyle(a);
        const box = a.getBoundingClientRect();
        if (right > box.right + 0.5 && (cs.overflowX === 'hidden' || cs.overflowX === 'clip'))
          return [`${t.getAttribute('aria-label') ?? t.className} cut by ${a.tagName}.${a.className}`];
        if (right > box.right + 0.5 && cs.overflowX === 'visible' && a === main) return [`${t.getAttribute('aria-label') ?? t.className} overflows the window`];
        if (cs.overflowX === 'auto' || cs.overflowX === 'scroll') return [];
      }
      return right > window.innerWidth + 0.5 ? [`${t.className} beyond the window`] : [];
    }),
  );
  expect(clipped).toEqual([]);
  await page.setViewportSize({ width: 1440, height: 1000 });
});
