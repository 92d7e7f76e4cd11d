/** Whether the engine is timing a point now: the sweep store sets it, the chart scheduler (chart-setup.ts) reads it. */
let timing: () => boolean = () => false;

export function setChartGate(fn: () => boolean): void {
  timing = fn;
}

export function chartGateClosed(): boolean {
  return timing();
}
