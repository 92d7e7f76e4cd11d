/** The setup form's plain state and its translation into a SweepConfig. Pure. */
import { DEFAULT_BUDGET_SECONDS } from '../../../contract/defaults';
import type { SweepConfigInput } from '../../../contract/schemas';
import type { Variant } from '../../../present/variants';
import { parseContexts, parseIntList } from './format';

export { ALL_VARIANTS, VARIANT_LABELS, type Variant } from '../../../present/variants';

export type SourceKind = 'preset' | 'custom' | 'hf-config';
export type CustomKind = 'mha' | 'gqa' | 'mqa' | 'mla';

export interface SetupForm {
  source: SourceKind;
  preset: string;
  custom: {
    name: string;
    kind: CustomKind;
    numHeads: number;
    numKvHeads: number;
    headDim: number;
    kvLoraRank: number;
    qkNopeHeadDim: number;
    qkRopeHeadDim: number;
    vHeadDim: number;
    numLayers: number;
  };
  /** Pasted or opened config.json text. */
  hfConfigText: string;
  hfConfigName: string;
  variants: Variant[];
  gqaGroups: number;
  contexts: string;
  batches: string;
  dtypes: ('fp32' | 'fp16')[];
  modes: ('decode' | 'prefill')[];
  layers: number;
  budgetSeconds: number;
  /** onnxruntime intra-op threads; 0 = its default (all cores). */
  threads: number;
  provider: 'auto' | 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml';
}

/** The app's default sweep: Llama 3.1 8B dims, 512 to 8K tokens (the plan shows its estimated time). */
export function defaultForm(): SetupForm {
  return {
    source: 'preset',
    preset: 'llama-3.1-8b',
    custom: {
      name: 'custom',
      kind: 'mha',
      numHeads: 8,
      numKvHeads: 8,
      headDim: 64,
      kvLoraRank: 256,
      qkNopeHeadDim: 64,
      qkRopeHeadDim: 32,
      vHeadDim: 64,
      numLayers: 32,
    },
    hfConfigText: '',
    hfConfigName: '',
    variants: ['mha', 'gqa', 'mqa', 'mla-absorbed'],
    gqaGroups: 8,
    contexts: '512..8k',
    batches: '1',
    dtypes: ['fp32'],
    modes: ['decode'],
    layers: 1,
    budgetSeconds: DEFAULT_BUDGET_SECONDS,
    threads: 0,
    provider: 'auto',
  };
}

export class FormError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'FormError';
  }
}

function modelOf(form: SetupForm): SweepConfigInput['model'] {
  if (form.source === 'preset') return { source: 'preset', preset: form.preset };
  if (form.source === 'hf-config') {
    if (!form.hfConfigText.trim()) throw new FormError('hfConfig', 'paste a config.json or open one');
    let parsed: unknown;
    try {
      parsed = JSON.parse(form.hfConfigText);
    } catch (err) {
      throw new FormError('hfConfig', `config.json is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new FormError('hfConfig', 'config.json must hold a JSON object');
    return { source: 'hf-config', name: form.hfConfigName || undefined, config: parsed as Record<string, unknown> };
  }
  const c = form.custom;
  const attention =
    c.kind === 'mla'
      ? {
          kind: 'mla' as const,
          numHeads: c.numHeads,
          kvLoraRank: c.kvLoraRank,
          qkNopeHeadDim: c.qkNopeHeadDim,
          qkRopeHeadDim: c.qkRopeHeadDim,
          vHeadDim: c.vHeadDim,
          qLoraRank: 0,
        }
      : {
          kind: c.kind,
          numHeads: c.numHeads,
          numKvHeads: c.kind === 'mha' ? c.numHeads : c.kind === 'mqa' ? 1 : c.numKvHeads,
          headDim: c.headDim,
        };
  return { source: 'custom', name: c.name || 'custom', attention, numLayers: c.numLayers, maxContext: null };
}

/** The config the form describes; throws FormError naming the field at fault. */
export function formToConfig(form: SetupForm): SweepConfigInput {
  if (form.variants.length === 0) throw new FormError('variants', 'choose at least one variant');
  if (form.dtypes.length === 0) throw new FormError('dtypes', 'choose at least one cache dtype');
  if (form.modes.length === 0) throw new FormError('modes', 'choose decode, prefill or both');
  let contexts: number[];
  try {
    contexts = parseContexts(form.contexts);
  } catch (err) {
    throw new FormError('contexts', (err as Error).message);
  }
  let batches: number[];
  try {
    batches = parseIntList(form.batches, 'batch size', 4096);
  } catch (err) {
    throw new FormError('batches', (err as Error).message);
  }
  if (!Number.isInteger(form.layers) || form.layers < 1 || form.layers > 256) throw new FormError('layers', 'layers must be a whole number from 1 to 256');
  if (!(form.budgetSeconds > 0) || form.budgetSeconds > 3600) throw new FormError('budgetSeconds', 'the time budget per point must be between 0 and 3600 s');
  if (!Number.isInteger(form.threads) || form.threads < 0 || form.threads > 1024)
    throw new FormError('threads', 'threads must be a whole number (0 = all cores)');
  return {
    model: modelOf(form),
    variants: [...form.variants],
    gqaGroups: form.gqaGroups,
    contexts,
    batches,
    dtypes: [...form.dtypes],
    modes: [...form.modes],
    provider: form.provider,
    layers: form.layers,
    budgetSeconds: form.budgetSeconds,
    threads: form.threads,
  };
}
