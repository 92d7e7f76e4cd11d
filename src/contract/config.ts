/** The sweep's configuration: the model's dims (a preset, custom dims or a config.json) and what to measure. */
import { z } from 'zod';
import { DEFAULT_BUDGET_SECONDS, DEFAULT_MAX_STEP_SECONDS, DEFAULT_MEMORY_FRACTION, SWEEP_DEFAULTS as D } from './defaults.js';
import { CACHE_DTYPES, MODES, PROVIDERS, VARIANTS } from './lists.js';
import { dimMessage, MEASURED_LAYERS_RANGE, MODEL_RANGES, rangeMessage, type ModelDim } from './ranges.js';

const LAYERS_MESSAGE = `${rangeMessage('Measured layers', MEASURED_LAYERS_RANGE)}, or "auto"`;

export const VariantSchema = z.enum(VARIANTS);
export const DtypeSchema = z.enum(CACHE_DTYPES);
export const ProviderSchema = z.enum(PROVIDERS);
export const ModeSchema = z.enum(MODES);

/** A model dim within its range (contract/ranges.ts), every failure in the range's own words. */
const dim = (d: ModelDim) => {
  const r = MODEL_RANGES[d];
  const error = dimMessage(d);
  return z.number({ error }).int({ error }).min(r.min, { error }).max(r.max, { error });
};

export const HeadSpecSchema = z.object({
  kind: z.enum(['mha', 'gqa', 'mqa']),
  numHeads: dim('numHeads'),
  numKvHeads: dim('numKvHeads'),
  headDim: dim('headDim'),
  vHeadDim: dim('vHeadDim').optional(),
});
export const MlaSpecSchema = z.object({
  kind: z.literal('mla'),
  numHeads: dim('numHeads'),
  kvLoraRank: dim('kvLoraRank'),
  qkNopeHeadDim: dim('qkNopeHeadDim'),
  qkRopeHeadDim: dim('qkRopeHeadDim'),
  vHeadDim: dim('vHeadDim'),
  qLoraRank: dim('qLoraRank'),
});
export const AttentionSpecSchema = z.discriminatedUnion('kind', [HeadSpecSchema, MlaSpecSchema]);

/** Where the model's dims come from. */
export const ModelSourceSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('preset'), preset: z.string().min(1).max(100) }),
  z.object({
    source: z.literal('custom'),
    name: z.string().min(1).max(200),
    attention: AttentionSpecSchema,
    numLayers: dim('numLayers'),
    maxContext: z
      .number()
      .int()
      .positive()
      .max(2 ** 31 - 1)
      .nullable(),
  }),
  /** A Hugging Face config.json, parsed. */
  z.object({ source: z.literal('hf-config'), name: z.string().max(200).optional(), config: z.record(z.string(), z.unknown()) }),
]);

export const SweepConfigSchema = z.object({
  model: ModelSourceSchema,
  /** Variants to measure; each is the model's dims expressed as that variant (equal dims). */
  variants: z.array(VariantSchema).min(1),
  /** K/V heads for the GQA variant when the model is not itself GQA. */
  gqaGroups: z
    .number()
    .int()
    .positive()
    .max(1 << 16)
    .default(D.gqaGroups),
  /** Cached tokens (decode) / prompt tokens (prefill), ascending. */
  contexts: z
    .array(
      z
        .number()
        .int()
        .positive()
        .max(1 << 24),
    )
    .min(1)
    .max(64),
  batches: z
    .array(z.number().int().positive().max(4096))
    .min(1)
    .max(16)
    .default([...D.batches]),
  dtypes: z
    .array(DtypeSchema)
    .min(1)
    .default([...D.dtypes]),
  modes: z
    .array(ModeSchema)
    .min(1)
    .default([...D.modes]),
  provider: z.union([ProviderSchema, z.literal('auto')]).default(D.provider),
  /**
   * Identical layers built into each graph; results are scaled to the model's layer count. "auto"
   * (the default): the planner chooses per point, so a GPU provider's fixed run cost is under 5% of
   * the step (planner.ts chooseLayers); a number holds every graph to that many.
   */
  layers: z
    .union(
      [
        z.literal('auto'),
        z
          .number({ error: LAYERS_MESSAGE })
          .int({ error: LAYERS_MESSAGE })
          .min(MEASURED_LAYERS_RANGE.min, { error: LAYERS_MESSAGE })
          .max(MEASURED_LAYERS_RANGE.max, { error: LAYERS_MESSAGE }),
      ],
      { error: LAYERS_MESSAGE },
    )
    .default(D.layers),
  /** Seconds of timed runs per point at most (sampling stops earlier once the median's 95% interval is within +/-2%). */
  budgetSeconds: z.number().positive().max(3600).default(DEFAULT_BUDGET_SECONDS),
  /** Prefill is measured only up to this context (its time grows as T^2; its memory is bounded by the blocked form). */
  maxPrefillContext: z
    .number()
    .int()
    .positive()
    .max(1 << 20)
    .default(D.maxPrefillContext),
  /** Intra-op threads (0: onnxruntime's default). */
  threads: z.number().int().min(0).max(1024).default(D.threads),
  /** Fraction of free memory a point may use; the rest is headroom. */
  memoryFraction: z.number().gt(0).max(1).default(DEFAULT_MEMORY_FRACTION),
  /** A point predicted (from the probes) to take longer per step is recorded, not run. */
  maxStepSeconds: z.number().positive().max(3600).default(DEFAULT_MAX_STEP_SECONDS),
  /** Check each graph on a small size against the float64 reference before timing it. */
  verify: z.boolean().default(D.verify),
});
export type SweepConfig = z.infer<typeof SweepConfigSchema>;
export type SweepConfigInput = z.input<typeof SweepConfigSchema>;
