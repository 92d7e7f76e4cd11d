/** Whether the engine is timing a point now: the sweep store sets it, the chart scheduler (chart-setup.ts) reads it. */
let timing: () => boolean = () => false;

export function setChartGate(fn: () => boolean): void {
  timing = fn;
}

export function chartGateClosed(): boolean {
  return timing();
}

/** Whether a sweep is running (charts out of view then wait: chart-parking.ts); the sweep store sets it. */
let live: () => boolean = () => false;

export function setChartLive(fn: () => boolean): void {
  live = fn;
}

export function chartsLive(): boolean {
  return live();
}
