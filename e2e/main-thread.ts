/**
 * The renderer's main-thread tasks over a window, with the CPU time each took: a Chromium trace
 * (`RunTask` events of the page's `CrRendererMain` thread, `dur` and `tdur`). A long-task entry
 * (`PerformanceObserver('longtask')`) gives a task's wall time only, and on a 2-core machine that
 * includes the time the OS ran other threads: one busy loop of 80 ms in the page, with a 2-thread
 * job beside it, read 87 ms of wall time and 38 ms of the thread's CPU time here (2026-12-01). The
 * frame budget judges the CPU time (what the app's own code costs the thread) and logs the wall
 * time and the wait beside it.
 */
import type { Page } from '@playwright/test';

export interface MainThreadTask {
  /** Start, on the page's `performance.now()` clock (ms). */
  start: number;
  /** Wall time (ms). */
  wall: number;
  /** CPU time of the main thread within the task (ms); null where the trace had none. */
  cpu: number | null;
}

interface TraceEvent {
  name: string;
  cat?: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { startTime?: number } };
}

const MARK = 'kvscope-trace-clock';

export async function startMainThreadTrace(page: Page): Promise<void> {
  const browser = page.context().browser();
  if (!browser) throw new Error('tracing needs a browser (a persistent context has none)');
  await browser.startTracing(page, { categories: ['disabled-by-default-devtools.timeline', 'blink.user_timing'] });
  // a mark on both clocks: its trace timestamp and its performance.now() line the two up
  await page.evaluate((m) => performance.mark(m), MARK);
}

export async function stopMainThreadTrace(page: Page): Promise<MainThreadTask[]> {
  const browser = page.context().browser()!;
  const raw = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  return mainThreadTasks(Array.isArray(raw) ? raw : (raw.traceEvents ?? []));
}

/** The page's main-thread tasks in a trace, on the page's clock. */
export function mainThreadTasks(events: TraceEvent[]): MainThreadTask[] {
  const mark = events.find((e) => e.name === MARK && e.args?.data?.startTime !== undefined);
  if (!mark) throw new Error(`the trace has no ${MARK} mark: it cannot be lined up with the page's clock`);
  const offsetMs = mark.ts / 1000 - mark.args!.data!.startTime!;
  const main = new Set(
    events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && e.pid === mark.pid).map((e) => e.tid),
  );
  return events
    .filter((e) => e.ph === 'X' && e.name === 'RunTask' && e.pid === mark.pid && main.has(e.tid))
    .map((e) => ({ start: e.ts / 1000 - offsetMs, wall: (e.dur ?? 0) / 1000, cpu: e.tdur === undefined ? null : e.tdur / 1000 }));
}
