/**
 * What the renderer specs share: a page that logs the app's console errors, and schema-shaped
 * synthetic points for the bridge's `/__test/emit` (they test rendering, not the engine).
 */
import type { Browser, Page } from '@playwright/test';

/** Echoes the page's console errors to the test's log. */
export function logPageErrors(page: Page): Page {
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[page error] ${m.text()}`);
  });
  return page;
}

/** A new page, with its console errors echoed to the test's log. */
export async function openApp(browser: Browser): Promise<Page> {
  return logPageErrors(await browser.newPage());
}

/** A measured decode point with one flat timing (`ms` everywhere), MHA-shaped dims of 4 x 16, 8 model layers. */
export function syntheticPoint(p: {
  id: string;
  variant: string;
  context: number;
  ms: number;
  kvBytesPerTokenPerLayer: number;
  overheadMs?: number | null;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    id: p.id,
    variant: p.variant,
    mode: 'decode',
    context: p.context,
    cacheTokens: p.context,
    batch: 1,
    dtype: 'fp32',
    status: 'ok',
    spec: { kind: 'mha', numHeads: 4, numKvHeads: 4, headDim: 16 },
    form: 'synthetic',
    kvBytesPerTokenPerLayer: p.kvBytesPerTokenPerLayer,
    modelCacheBytes: p.kvBytesPerTokenPerLayer * p.context * 8,
    hypothetical: false,
    timing: {
      medianMs: p.ms,
      ci95Ms: [p.ms, p.ms],
      p95Ms: p.ms,
      minMs: p.ms,
      meanMs: p.ms,
      cv: 0.01,
      iqrMs: 0,
      madMs: 0,
      outliers: 0,
      reps: 10,
      samplesMs: null,
      rounds: null,
      stoppedBy: 'target',
      noisy: false,
      noise: [],
      load: null,
      overheadMs: p.overheadMs ?? null,
      tokensPerSecond: 1000 / p.ms,
      perLayerMs: p.ms,
      modelMs: p.ms * 8,
    },
    ...p.extra,
  };
}
