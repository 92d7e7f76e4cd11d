/**
 * The capacity planner's words where the plan is a dead end, and the name a config.json goes by:
 * one definition for the app's planner and `kvscope plan`. Pure.
 */
import { DTYPE_TABLE, type AnalyticDtypeName } from '@/contract/lists.js';
import { formatBytes } from './format.js';

/** Weight dtypes to try, widest first: what the planner's first screen and the dead-end advice walk through. */
export const WEIGHT_DTYPE_LADDER: readonly AnalyticDtypeName[] = ['bf16', 'fp8', 'int4'];

/**
 * Why nothing fits, and what would: the weights alone against the memory, then the narrower weight
 * dtypes that would fit (or that none does), a smaller model, or splitting the model over GPUs
 * (the CLI's --tp where it has it). Null where the weights fit.
 */
export function weightsDeadEnd(
  a: { weightsBytes: number; memoryBytes: number; params: { total: number } },
  weightDtype: AnalyticDtypeName,
  surface: 'cli' | 'app' = 'app',
): string | null {
  if (a.weightsBytes < a.memoryBytes) return null;
  const narrower = WEIGHT_DTYPE_LADDER.filter((d) => DTYPE_TABLE[d].bytes < DTYPE_TABLE[weightDtype].bytes);
  const fitting = narrower.find((d) => a.params.total * DTYPE_TABLE[d].bytes < a.memoryBytes);
  const split = Math.ceil(a.weightsBytes / a.memoryBytes);
  const tp = surface === 'cli' ? `--tp ${split}` : `splitting the model over ${split} such devices (tensor parallel)`;
  const dtypeAdvice = fitting
    ? `${fitting} weights (${formatBytes(a.params.total * DTYPE_TABLE[fitting].bytes)})`
    : narrower.length
      ? `narrower weights (even ${narrower.at(-1)} needs ${formatBytes(a.params.total * DTYPE_TABLE[narrower.at(-1)!].bytes)})`
      : null;
  const tries = [tp, 'a smaller model', dtypeAdvice].filter((t): t is string => t !== null);
  return (
    `Weights alone need ${formatBytes(a.weightsBytes)} (${weightDtype}), more than the ${formatBytes(a.memoryBytes)} of memory: no context fits. ` +
    `Try ${tries.slice(0, -1).join(', ')} or ${tries.at(-1)}.`
  );
}

/**
 * The name a config.json goes by: `_name_or_path` ("mistralai/Mistral-7B-v0.1"), else the file's
 * own name where it says more than "config.json", else its first architecture
 * ("MistralForCausalLM"), else its model_type.
 */
export function configModelName(json: unknown, fileName = ''): string {
  const cfg = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  const arch = Array.isArray(cfg.architectures) ? text(cfg.architectures[0]) : null;
  const file = /^config(\s*\(\d+\))?\.json$/i.test(fileName.trim()) ? null : text(fileName);
  return text(cfg._name_or_path) ?? file ?? arch ?? text(cfg.model_type) ?? 'config.json';
}
