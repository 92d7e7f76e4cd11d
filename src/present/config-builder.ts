/**
 * One builder from flat values (the CLI's flags, the app's setup form) to a sweep config: which
 * model source, the custom dims, the lists and the defaults are decided here once. Each surface
 * reads its own values through a FieldReader (its syntax and the words of its errors: a flag, a
 * form field); the schema (SweepConfigSchema) validates the result. Pure: no Node, no zod.
 */
import { DEFAULT_BUDGET_SECONDS, DEFAULT_MAX_STEP_SECONDS, DEFAULT_MEMORY_FRACTION, SWEEP_DEFAULTS } from '@/contract/defaults.js';
import { CACHE_DTYPES, MODES, PROVIDER_CHOICES, VARIANTS, type Variant } from '@/contract/lists.js';
import { MEASURED_LAYERS_RANGE, MODEL_RANGES } from '@/contract/ranges.js';
import type { SweepConfigInput } from '@/contract/schemas.js';
import { MAX_CONTEXT_TOKENS } from './contexts.js';

/** An inclusive range a value must fall in (seconds and fractions exclude their minimum). */
export interface Range {
  min: number;
  max: number;
}

/** The ranges of the sweep's numeric fields: SweepConfigSchema's (the model's dims: contract/ranges.ts MODEL_RANGES). */
export const SWEEP_RANGES = {
  heads: MODEL_RANGES.numHeads,
  headDim: MODEL_RANGES.headDim,
  modelLayers: MODEL_RANGES.numLayers,
  contexts: { min: 1, max: MAX_CONTEXT_TOKENS },
  batch: { min: 1, max: 4096 },
  layers: MEASURED_LAYERS_RANGE,
  gqaGroups: { min: 1, max: 1 << 16 },
  threads: { min: 0, max: 1024 },
  maxPrefill: { min: 1, max: 1 << 20 },
  seconds: { min: 0, max: 3600 },
  memoryFraction: { min: 0, max: 1 },
} as const satisfies Record<string, Range>;

/** Custom dims left out: a head dimension of 128 and 32 layers. */
export const CUSTOM_DEFAULTS = { headDim: 128, numLayers: 32 } as const;

/** What a value comes as: a flag's text, or a form's number. */
export type Flat = string | number;

/** The model a sweep measures, as the surfaces collect it. */
export type ModelFields =
  | { source: 'preset'; preset: string }
  /** Custom dims; kind (and K/V heads) follow from the heads where the kind is not given. */
  | {
      source: 'custom';
      name?: string;
      kind?: 'mha' | 'gqa' | 'mqa' | 'mla';
      numHeads: Flat;
      numKvHeads?: Flat;
      headDim?: Flat;
      numLayers?: Flat;
      mla?: { kvLoraRank: Flat; qkNopeHeadDim: Flat; qkRopeHeadDim: Flat; vHeadDim: Flat };
    }
  /** A parsed JSON file: a kvscope custom-model file (it has "attention") or a Hugging Face config.json. */
  | { source: 'file'; name?: string; json: unknown };

export interface SweepFields {
  model: ModelFields;
  /** Lists: a flag's comma-separated text or a form's chosen values. */
  variants: string | readonly string[];
  dtypes: string | readonly string[];
  modes: string | readonly string[];
  contexts: string;
  batches: string;
  provider: string;
  gqaGroups?: Flat;
  layers?: Flat;
  budgetSeconds?: Flat;
  maxStepSeconds?: Flat;
  threads?: Flat;
  memoryFraction?: Flat;
  maxPrefillContext?: Flat;
  verify?: boolean;
}

/** A field of SweepFields, or a part of the model's. */
export type Field =
  | Exclude<keyof SweepFields, 'model'>
  | 'model'
  | 'numHeads'
  | 'numKvHeads'
  | 'headDim'
  | 'numLayers'
  | 'mla'
  | 'kvLoraRank'
  | 'qkNopeHeadDim'
  | 'qkRopeHeadDim'
  | 'vHeadDim';

/** How one surface reads its values; each method throws that surface's error naming the field. */
export interface FieldReader {
  /** A whole number within the range (inclusive). */
  count(field: Field, value: Flat, range: Range): number;
  /** A finite number above range.min and at most range.max. */
  number(field: Field, value: Flat, range: Range): number;
  contexts(field: Field, value: string, range: Range): number[];
  counts(field: Field, value: string, range: Range): number[];
  /** The values chosen, each one of `allowed` (or an alias's); at least one. */
  choice<T extends string>(field: Field, value: string | readonly string[], allowed: readonly T[], aliases?: Record<string, readonly T[]>): T[];
  fail(field: Field, message: string): never;
}

/** `--variants mla` and `all`. */
export const VARIANT_ALIASES: Record<string, readonly Variant[]> = { all: VARIANTS, mla: VARIANTS.filter((v) => v.startsWith('mla-')) };

function modelOf(m: ModelFields, read: FieldReader): SweepConfigInput['model'] {
  if (m.source === 'preset') return { source: 'preset', preset: m.preset };
  if (m.source === 'file') {
    if (typeof m.json !== 'object' || m.json === null || Array.isArray(m.json)) return read.fail('model', 'config.json must hold a JSON object');
    return 'attention' in m.json
      ? ({ source: 'custom', ...m.json } as SweepConfigInput['model'])
      : { source: 'hf-config', name: m.name || undefined, config: m.json as Record<string, unknown> };
  }
  const R = MODEL_RANGES;
  const heads = read.count('numHeads', m.numHeads, R.numHeads);
  if (m.kind === 'mla') {
    if (!m.mla) return read.fail('mla', 'MLA dims are missing');
    const attention = {
      kind: 'mla' as const,
      numHeads: heads,
      kvLoraRank: read.count('kvLoraRank', m.mla.kvLoraRank, R.kvLoraRank),
      qkNopeHeadDim: read.count('qkNopeHeadDim', m.mla.qkNopeHeadDim, R.qkNopeHeadDim),
      qkRopeHeadDim: read.count('qkRopeHeadDim', m.mla.qkRopeHeadDim, R.qkRopeHeadDim),
      vHeadDim: read.count('vHeadDim', m.mla.vHeadDim, R.vHeadDim),
      qLoraRank: 0,
    };
    const numLayers = read.count('numLayers', m.numLayers ?? CUSTOM_DEFAULTS.numLayers, R.numLayers);
    return { source: 'custom', name: m.name || 'custom', attention, numLayers, maxContext: null };
  }
  const kv = m.kind === 'mha' ? heads : m.kind === 'mqa' ? 1 : m.numKvHeads === undefined ? heads : read.count('numKvHeads', m.numKvHeads, R.numKvHeads);
  const headDim = read.count('headDim', m.headDim ?? CUSTOM_DEFAULTS.headDim, R.headDim);
  const numLayers = read.count('numLayers', m.numLayers ?? CUSTOM_DEFAULTS.numLayers, R.numLayers);
  const kind = m.kind ?? (kv === heads ? 'mha' : kv === 1 ? 'mqa' : 'gqa');
  return {
    source: 'custom',
    name: m.name || `custom ${heads}/${kv}x${headDim}`,
    attention: { kind, numHeads: heads, numKvHeads: kv, headDim },
    numLayers,
    maxContext: null,
  };
}

/** Layers per graph left out, empty or "auto": the planner chooses them per point. */
export const isAuto = (v: Flat | undefined): boolean => v === undefined || (typeof v === 'string' && ['', 'auto'].includes(v.trim().toLowerCase()));

/** The sweep config the values describe (defaults from contract/defaults.ts where a value is left out). */
export function buildSweepConfig(f: SweepFields, read: FieldReader): SweepConfigInput {
  const R = SWEEP_RANGES;
  const D = SWEEP_DEFAULTS;
  return {
    model: modelOf(f.model, read),
    variants: read.choice('variants', f.variants, VARIANTS, VARIANT_ALIASES),
    contexts: read.contexts('contexts', f.contexts, R.contexts),
    batches: read.counts('batches', f.batches, R.batch),
    dtypes: read.choice('dtypes', f.dtypes, CACHE_DTYPES),
    modes: read.choice('modes', f.modes, MODES),
    provider: read.choice('provider', f.provider, PROVIDER_CHOICES)[0]!,
    layers: isAuto(f.layers) ? 'auto' : read.count('layers', f.layers!, R.layers),
    budgetSeconds: read.number('budgetSeconds', f.budgetSeconds ?? DEFAULT_BUDGET_SECONDS, R.seconds),
    maxStepSeconds: read.number('maxStepSeconds', f.maxStepSeconds ?? DEFAULT_MAX_STEP_SECONDS, R.seconds),
    gqaGroups: read.count('gqaGroups', f.gqaGroups ?? D.gqaGroups, R.gqaGroups),
    threads: read.count('threads', f.threads ?? D.threads, R.threads),
    memoryFraction: read.number('memoryFraction', f.memoryFraction ?? DEFAULT_MEMORY_FRACTION, R.memoryFraction),
    maxPrefillContext: read.count('maxPrefillContext', f.maxPrefillContext ?? D.maxPrefillContext, R.maxPrefill),
    verify: f.verify ?? D.verify,
  };
}
