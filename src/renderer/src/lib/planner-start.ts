/**
 * The planner's first screen: a preset and weight dtype whose weights fit the memory detected
 * here, so the planner opens on a plan that fits (or, where none does, on the default with the
 * dead end explained: src/present/plan-words.ts). Pure.
 */
import type { PresetInfo } from '@/contract/api';
import { PLAN_DEFAULTS } from '@/contract/defaults';
import { DTYPE_TABLE, type AnalyticDtypeName } from '@/contract/lists';
import { WEIGHT_DTYPE_LADDER } from '@/present/plan-words';

/** Share of the memory the weights may take on the first screen, the rest left for the cache. */
export const FIRST_SCREEN_WEIGHT_SHARE = 0.8;

/**
 * The first preset and weight dtype whose weights fit: widest dtype first, and at each dtype the
 * default preset, then the others largest first. Null where none fits (or nothing is known).
 */
export function firstFit(presets: readonly PresetInfo[], freeBytes: number | null): { presetId: string; weightDtype: AnalyticDtypeName } | null {
  if (!(freeBytes && freeBytes > 0)) return null;
  const known = presets.filter((p) => p.params);
  const order = [...known].sort((a, b) => Number(b.id === PLAN_DEFAULTS.preset) - Number(a.id === PLAN_DEFAULTS.preset) || b.params!.total - a.params!.total);
  for (const weightDtype of WEIGHT_DTYPE_LADDER)
    for (const p of order)
      if (p.params!.total * DTYPE_TABLE[weightDtype].bytes <= freeBytes * FIRST_SCREEN_WEIGHT_SHARE) return { presetId: p.id, weightDtype };
  return null;
}
