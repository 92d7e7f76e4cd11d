/**
 * Two fits, one definition each. "Fits for measurement": the measured layers' graph (a few layers,
 * the session's cost included) within the memory budget: the plan's `fits`, decided by the sweep
 * planner. "The whole model fits this device": the analytic cache of all the model's layers at
 * the point's context and batch within the same budget: this module, read by the plan's summary,
 * the results table (field registry) and the KV chart (chart-data). Pure.
 */

/** Whether the whole model's cache at the point fits the budget; null where no budget is known. */
export function wholeModelFits(p: { modelCacheBytes: number }, budgetBytes: number | null | undefined): boolean | null {
  if (budgetBytes === null || budgetBytes === undefined || !(budgetBytes > 0)) return null;
  return p.modelCacheBytes <= budgetBytes;
}

/** The words for a point whose whole-model cache is over the budget (tooltips, the table's title). */
export const OVER_BUDGET_TEXT = "the whole model's cache is over this device's memory budget";
