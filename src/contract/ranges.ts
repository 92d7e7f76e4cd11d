/**
 * The allowed range of every model dimension a user can type, once, without zod (the renderer
 * imports it): the sweep schema (config.ts), the config.json reader, the app's setup form and the
 * CLI's flags check the same bounds and say them in the same words ("K/V heads must be a whole
 * number from 1 to 1,024"). The bounds sit far above every real model (DeepSeek-V3: 128 heads,
 * 61 layers) and far below absurd input (100,000 heads).
 */

/** An inclusive range. */
export interface Range {
  min: number;
  max: number;
}

/** The model's dims, each with the name the app's field and the errors give it. */
export const MODEL_RANGES = {
  numHeads: { min: 1, max: 1024, name: 'Query heads' },
  numKvHeads: { min: 1, max: 1024, name: 'K/V heads' },
  headDim: { min: 1, max: 8192, name: 'Head dim' },
  vHeadDim: { min: 1, max: 8192, name: 'V head dim' },
  numLayers: { min: 1, max: 1024, name: 'Model layers' },
  kvLoraRank: { min: 1, max: 65536, name: 'kv_lora_rank' },
  qkNopeHeadDim: { min: 1, max: 8192, name: 'qk_nope_head_dim' },
  qkRopeHeadDim: { min: 1, max: 8192, name: 'qk_rope_head_dim' },
  qLoraRank: { min: 0, max: 65536, name: 'q_lora_rank' },
} as const satisfies Record<string, Range & { name: string }>;
export type ModelDim = keyof typeof MODEL_RANGES;

/** Layers built into each measured graph (the app's "Measured layers"). */
export const MEASURED_LAYERS_RANGE = { min: 1, max: 256 } as const satisfies Range;

/** 1024 -> "1,024". */
export const wholeText = (n: number): string => n.toLocaleString('en-US');

/** "K/V heads must be a whole number from 1 to 1,024": the one sentence for a count out of its range. */
export function rangeMessage(name: string, r: Range): string {
  return `${name} must be a whole number from ${wholeText(r.min)} to ${wholeText(r.max)}`;
}

/** The words for a model dim out of its range. */
export const dimMessage = (dim: ModelDim): string => rangeMessage(MODEL_RANGES[dim].name, MODEL_RANGES[dim]);

/** Whether a value is a whole number within the range. */
export const inRange = (v: unknown, r: Range): v is number => typeof v === 'number' && Number.isInteger(v) && v >= r.min && v <= r.max;

/**
 * A context beyond the model's trained length (max_position_embeddings) is allowed (what-if
 * sweeps measure it) but labelled: the words under the plan, or null where every context is within it.
 */
export function contextBeyondModelText(contexts: readonly number[], maxContext: number | null, format: (t: number) => string): string | null {
  if (maxContext === null) return null;
  const over = contexts.filter((c) => c > maxContext);
  if (over.length === 0) return null;
  return (
    `${over.length === 1 ? 'Context' : 'Contexts'} ${over.map(format).join(', ')} ${over.length === 1 ? 'is' : 'are'} beyond the model's ` +
    `${format(maxContext)} (max_position_embeddings): measured as a what-if and marked hypothetical (*).`
  );
}
