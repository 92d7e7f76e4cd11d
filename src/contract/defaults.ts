/**
 * Every default of a sweep, shared by the schema, the CLI and the app, in a module without zod:
 * the renderer imports it, and zod's JIT probe (new Function) would trip the app's strict CSP.
 * docs/measurement.md ("Defaults") and the README's flags say these values.
 */
import { VARIANTS } from './lists.js';

/** Seconds of timed runs per point at most. */
export const DEFAULT_BUDGET_SECONDS = 2;

/** A point predicted (from the probes) to take longer per step is recorded as too-slow, not run. */
export const DEFAULT_MAX_STEP_SECONDS = 1;

/** Share of the available memory a point (or an ONNX decode step) may use; the rest is headroom. */
export const DEFAULT_MEMORY_FRACTION = 0.8;

/** Seconds of timed runs per past length when an imported ONNX decoder is swept (`kvscope onnx`, the app's ONNX view). */
export const DEFAULT_DECODER_BUDGET_SECONDS = 0.3;

/** Past lengths of an ONNX decoder sweep. */
export const DEFAULT_DECODER_CONTEXTS = '256,1k,4k';

/**
 * The default sweep of the CLI and the app: DeepSeek-V3's attention dims as every variant, 512 to
 * 128K tokens in x4 steps. It answers "what does MLA save at long context, and what does it cost
 * per step" with the model MLA was built for (2-3 minutes on the 2-core development VM, README).
 */
export const DEFAULT_SWEEP = {
  preset: 'deepseek-v3',
  contexts: '512..128k*4',
  variants: VARIANTS,
} as const;

/** A quicker first look, labelled as such where offered: Llama 3.1 8B's dims, 512 to 8K tokens (MLA is a what-if there). */
export const QUICK_SWEEP = {
  label: 'Quick check: Llama-3.1-8B, 512..8K',
  preset: 'llama-3.1-8b',
  contexts: '512..8k',
  variants: ['mha', 'gqa', 'mqa', 'mla-absorbed'],
} as const;

/** Remaining sweep defaults (the schema's). */
export const SWEEP_DEFAULTS = {
  gqaGroups: 8,
  batches: [1],
  dtypes: ['fp32'],
  modes: ['decode'],
  provider: 'auto',
  layers: 'auto',
  maxPrefillContext: 131072,
  threads: 0,
  verify: true,
} as const;

/** Capacity planner defaults (the CLI's `plan` and the app's planner). */
export const PLAN_DEFAULTS = {
  preset: 'deepseek-v3',
  context: 32768,
  batch: 1,
  cacheDtype: 'bf16',
  weightDtype: 'bf16',
  gqaGroups: 8,
  /** The paged figure's assumption: vLLM's default block size, and windowed layers keep their window's pages (a hybrid allocator). */
  pageTokens: 16,
  pagedWindows: 'window',
} as const;
