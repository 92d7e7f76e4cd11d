/**
 * The sweep planner: which points a config asks for, in what order, and for each the predicted
 * memory (cache + weights + workspace) against the budget. Pure: no session is opened here.
 */
import { attainableSeconds } from '@/contract/roofline.js';
import type { SweepConfig } from '@/contract/schemas.js';
import { layerCost, normalizeRequest, type Form, type Mode } from '../graph/builders.js';
import { modelFromHfConfig, type ModelInfo } from '../model/hf-config.js';
import { gqaOf, mhaOf, mlaOf, presetModel } from '../model/presets.js';
import { kvBytesPerToken, SpecError, validateSpec, valueDim, VARIANTS, type AttentionSpec, type Dtype, type Variant } from '../model/spec.js';
import type { Provider } from '../runtime/providers.js';
import { formatBytes } from '@/present/format.js';

export interface PlannedPoint {
  id: string;
  variant: Variant;
  mode: Mode;
  context: number;
  cacheTokens: number;
  batch: number;
  dtype: Dtype;
  spec: AttentionSpec;
  form: Form;
  kvBytesPerTokenPerLayer: number;
  modelCacheBytes: number;
  /** Resident + workspace bytes of the measured graph. */
  predictedBytes: number;
  flops: number;
  bytesRead: number;
  fits: boolean;
  hypothetical: boolean;
  /** Why it does not fit, with the numbers. */
  reason?: string;
}

export interface Plan {
  model: ModelInfo;
  points: PlannedPoint[];
  availableBytes: number;
  budgetBytes: number;
  /** Whether the host's available memory or a GPU's free memory bounded the budget, and how it was made. */
  budgetLimitedBy: 'host' | 'device';
  budgetNote: string;
  /** Seconds the sweep should take, from the probe figures given (or rough defaults). */
  estimatedSeconds: number;
  largestContextThatFits: Record<string, number | null>;
}

/** Fixed bytes a session costs beyond its tensors (runtime, arena slack), from measurements here. */
export const SESSION_BASE_BYTES = 64 * 2 ** 20;

export function resolveModel(source: SweepConfig['model']): ModelInfo {
  if (source.source === 'preset') return presetModel(source.preset);
  if (source.source === 'hf-config') return modelFromHfConfig(source.config, source.name);
  validateSpec(source.attention);
  return {
    name: source.name,
    modelType: 'custom',
    attention: source.attention,
    numLayers: source.numLayers,
    hiddenSize: 0,
    maxContext: source.maxContext,
    slidingWindow: null,
    vocabSize: null,
    derivedFrom: { custom: 'dims entered by the user' },
  };
}

/** The spec each variant is measured with: the model's dims expressed as that variant. */
export function variantSpec(model: ModelInfo, variant: Variant, gqaGroups: number): AttentionSpec {
  switch (variant) {
    case 'mha':
      return mhaOf(model.attention);
    case 'gqa':
      return gqaOf(model.attention, gqaGroups);
    case 'mqa':
      return { ...mhaOf(model.attention), kind: 'mqa', numKvHeads: 1 };
    default:
      return mlaOf(model.attention);
  }
}

/** Intermediate bytes a graph needs while it runs (per measured layer at most two alive). */
export function workspaceBytes(spec: AttentionSpec, variant: Variant, mode: Mode, batch: number, t: number, dtype: Dtype): number {
  const el = dtype === 'fp16' ? 2 : 4;
  const H = spec.numHeads;
  const tq = mode === 'decode' ? 1 : t;
  const scores = batch * H * tq * t * el;
  if (mode === 'prefill') {
    const mask = t * t * el;
    const extra = spec.kind === 'mla' && variant === 'mla-naive' ? batch * H * t * (spec.qkNopeHeadDim + spec.vHeadDim) * el * 2 : 0;
    return 3 * scores + mask + extra;
  }
  if (spec.kind === 'mla') {
    if (variant === 'mla-naive') return batch * H * t * (spec.qkNopeHeadDim + spec.vHeadDim) * el + 3 * scores;
    return 4 * scores;
  }
  return 2 * scores + batch * H * valueDim(spec) * el;
}

export { formatBytes };

export interface PlanEnv {
  availableBytes: number;
  provider: Provider;
  /** Free memory of the GPU a GPU provider runs on, where known (nvidia-smi); ignored for the CPU. */
  deviceFreeBytes?: number | null;
  /** Probe figures for the time estimate and the too-slow guard; rough defaults when absent. */
  bandwidthGBs?: number;
  gflops?: number;
}

const ORDER: readonly Variant[] = VARIANTS;

/** Predicted seconds of one step from the roofline figures. */
export function predictedStepSeconds(p: Pick<PlannedPoint, 'flops' | 'bytesRead'>, bandwidthGBs: number, gflops: number): number {
  return attainableSeconds({ bytes: p.bytesRead, flops: p.flops }, { bandwidthGBs, gflops });
}

/** Seconds of a sweep before its first point: the probes and start-up. */
export const STARTUP_SECONDS = 8;

/**
 * Seconds one point should take, from the probe figures: filling its cache (~1.5 GB/s), loading,
 * warm-up, then timed runs up to the budget; 0 for a point that will not run (does not fit, too slow).
 */
export function pointSeconds(
  p: Pick<PlannedPoint, 'fits' | 'flops' | 'bytesRead' | 'predictedBytes'>,
  config: Pick<SweepConfig, 'maxStepSeconds' | 'budgetSeconds'>,
  probes: { bandwidthGBs: number; gflops: number },
): number {
  if (!p.fits) return 0;
  const step = predictedStepSeconds(p, probes.bandwidthGBs, probes.gflops);
  if (step > config.maxStepSeconds) return 0;
  return p.predictedBytes / 1.5e9 + 0.3 + Math.min(config.budgetSeconds, Math.max(5 * step, 0.05)) + 3 * step;
}

export function planSweep(config: SweepConfig, env: PlanEnv): Plan {
  const model = resolveModel(config.model);
  // The cache is built in host memory and, for a GPU provider, also lives on the device: the
  // smaller of the two budgets applies where the device's free memory is known.
  const device = env.provider !== 'cpu' && env.deviceFreeBytes != null ? env.deviceFreeBytes : null;
  const limitedByDevice = device !== null && device < env.availableBytes;
  const limitBytes = limitedByDevice ? device : env.availableBytes;
  const budgetBytes = limitBytes * config.memoryFraction;
  const limitName = limitedByDevice ? `free ${env.provider} device memory` : 'available';
  const budgetNote = `${Math.round(config.memoryFraction * 100)}% of ${formatBytes(limitBytes)} ${limitName}`;
  const variants = [...new Set(config.variants)].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  const contexts = [...new Set(config.contexts)].sort((a, b) => a - b);
  const points: PlannedPoint[] = [];
  for (const mode of config.modes)
    for (const dtype of config.dtypes)
      for (const batch of config.batches)
        for (const context of contexts) {
          if (mode === 'prefill' && context > config.maxPrefillContext) continue;
          for (const variant of variants) {
            const spec = variantSpec(model, variant, config.gqaGroups);
            const cacheTokens = mode === 'decode' && model.slidingWindow ? Math.min(context, model.slidingWindow) : context;
            const req = normalizeRequest({ variant, spec, mode, batch, context: cacheTokens, dtype, layers: config.layers });
            const cost = layerCost(req);
            const perLayer = kvBytesPerToken(spec, dtype);
            const resident = cost.residentBytes * config.layers + (mode === 'prefill' ? cost.ioBytes : 0);
            const predictedBytes = resident + workspaceBytes(spec, variant, mode, batch, cacheTokens, dtype) + SESSION_BASE_BYTES;
            const fits = predictedBytes <= budgetBytes;
            points.push({
              id: `${mode}/${variant}/${dtype}/b${batch}/t${context}`,
              variant,
              mode,
              context,
              cacheTokens,
              batch,
              dtype,
              spec,
              form: 'decomposed',
              kvBytesPerTokenPerLayer: perLayer,
              modelCacheBytes: perLayer * cacheTokens * batch * model.numLayers,
              predictedBytes,
              flops: cost.flops * config.layers,
              bytesRead: (cost.residentBytes + cost.ioBytes) * config.layers,
              fits,
              hypothetical: model.maxContext !== null && context > model.maxContext,
              reason: fits
                ? undefined
                : `needs ${formatBytes(predictedBytes)} but the budget is ${formatBytes(budgetBytes)} ` +
                  `(${budgetNote}); ` +
                  `use a shorter context, a smaller batch or fewer measured layers`,
            });
          }
        }
  const probes = { bandwidthGBs: env.bandwidthGBs ?? 10, gflops: env.gflops ?? 50 };
  const estimatedSeconds = STARTUP_SECONDS + points.reduce((a, p) => a + pointSeconds(p, config, probes), 0);
  const largestContextThatFits: Record<string, number | null> = {};
  const firstDtype = config.dtypes[0] ?? 'fp32';
  for (const variant of variants) {
    if (model.slidingWindow) {
      largestContextThatFits[variant] = null;
      continue;
    }
    const perToken = kvBytesPerToken(variantSpec(model, variant, config.gqaGroups), firstDtype) * model.numLayers;
    largestContextThatFits[variant] = Math.floor(budgetBytes / perToken);
  }
  if (points.length === 0) throw new SpecError('the sweep has no points: check contexts, modes and maxPrefillContext');
  return {
    model,
    points,
    availableBytes: env.availableBytes,
    budgetBytes,
    budgetLimitedBy: limitedByDevice ? 'device' : 'host',
    budgetNote,
    estimatedSeconds,
    largestContextThatFits,
  };
}
