/**
 * The sweep planner: which points a config asks for, in what order, and for each the predicted
 * memory (cache + weights + workspace) against the budget. Pure: no session is opened here.
 */
import { attainableSeconds } from '@/contract/roofline.js';
import type { SweepConfig } from '@/contract/schemas.js';
import { layerCost, normalizeRequest, type Form, type Mode } from '../graph/builders.js';
import { blockedWorkspaceBytes, fullWorkspaceBytes, PREFILL_WORKSPACE_BYTES, prefillBlockRows, queryBlocks } from '../graph/prefill-blocks.js';
import { modelFromHfConfig, type ModelInfo } from '../model/hf-config.js';
import { gqaOf, mhaOf, mlaOf, presetModel } from '../model/presets.js';
import { cacheBytesAt, largestContextFor, layersOf } from '@/contract/layers.js';
import {
  cacheCost,
  kvBytesPerToken,
  kvElementsPerToken,
  SpecError,
  validateSpec,
  valueDim,
  VARIANTS,
  type AttentionSpec,
  type Dtype,
  type Variant,
} from '../model/spec.js';
import { isQuantizedCache } from '@/contract/lists.js';
import type { Provider } from '../runtime/providers.js';
import { formatBytes } from '@/present/format.js';
import { layerShares } from './layer-shares.js';

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
  /** Blocked prefill: query rows per block (the planner's choice, see prefill-blocks.ts). */
  prefillBlock?: number;
  /** Why the point has the form it has, where the planner chose it (prefill). */
  notes?: string;
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
  /** Hybrid models: the layers this point stands for (layer-shares.ts). */
  layerGroup?: { layers: number; kind: string; primary: boolean };
  /** Why the point cannot be measured at all (a quantized cache in prefill); it is reported as unsupported. */
  unsupported?: string;
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
    layerKinds: layersOf({ numLayers: source.numLayers, slidingWindow: null }),
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

/** Intermediate bytes a decode graph needs while it runs (per measured layer at most two alive). */
export function workspaceBytes(spec: AttentionSpec, variant: Variant, mode: Mode, batch: number, t: number, dtype: Dtype): number {
  if (mode === 'prefill') return prefillTransientBytes(spec, variant, 'decomposed', batch, t, dtype, t);
  const el = dtype === 'fp16' ? 2 : 4;
  // A quantized cache's dequant form makes an fp32 copy of the layer's cache each step.
  const copy = isQuantizedCache(dtype) ? batch * t * kvElementsPerToken(spec) * 4 : 0;
  if (copy > 0) return copy + workspaceBytes(spec, variant, mode, batch, t, 'fp32');
  const H = spec.numHeads;
  const scores = batch * H * t * el;
  if (spec.kind === 'mla') {
    if (variant === 'mla-naive') return batch * H * t * (spec.qkNopeHeadDim + spec.vHeadDim) * el + 3 * scores;
    return 4 * scores;
  }
  return 2 * scores + batch * H * valueDim(spec) * el;
}

/**
 * Bytes one prefill layer holds while it runs, beyond its inputs and its output: the scores'
 * workspace (all T rows at once in the full form, one block of `rows` in the blocked form), the
 * full-size tensors made once per layer (the transposed K; MLA naive's K_nope^T and V; the
 * transposed latent), and, in the blocked form, the blocks' outputs and their stacked copy (two
 * more outputs' worth while the Loop ends).
 */
export function prefillTransientBytes(spec: AttentionSpec, variant: Variant, form: Form, batch: number, t: number, dtype: Dtype, rows: number): number {
  const el = dtype === 'fp16' ? 2 : 4;
  const H = spec.numHeads;
  const blocked = form === 'blocked';
  const scores = blocked ? blockedWorkspaceBytes(spec, variant, batch, t, dtype, rows) : fullWorkspaceBytes(spec, variant, batch, t, dtype);
  let once: number;
  let dv: number;
  if (spec.kind !== 'mla') {
    dv = valueDim(spec);
    once = batch * spec.numKvHeads * t * spec.headDim * el + (blocked ? 0 : batch * H * t * spec.headDim * el); // K^T; the full form's scaled q
  } else {
    dv = spec.vHeadDim;
    const latent = batch * t * (spec.kvLoraRank + spec.qkRopeHeadDim) * el;
    const naive = variant === 'mla-naive' ? batch * H * t * (spec.qkNopeHeadDim + spec.vHeadDim) * el : 0;
    const fullAbsorbed = !blocked && variant === 'mla-absorbed' ? 2 * batch * H * t * spec.kvLoraRank * el : 0; // q_lat, o_lat
    once = latent + (blocked ? naive : 2 * naive) + fullAbsorbed;
  }
  // The Loop keeps every block's output, then stacks them into one tensor, then transposes it.
  const blockOutputs = blocked ? 2 * batch * H * t * dv * el : 0;
  return scores + once + blockOutputs;
}

/** The prefill form for a prompt: the full form while its scores fit PREFILL_WORKSPACE_BYTES, else blocked, with the reason. */
export function prefillForm(
  spec: AttentionSpec,
  variant: Variant,
  batch: number,
  t: number,
  dtype: Dtype,
): { form: Form; prefillBlock?: number; notes: string } {
  const full = fullWorkspaceBytes(spec, variant, batch, t, dtype);
  const bound = formatBytes(PREFILL_WORKSPACE_BYTES);
  if (full <= PREFILL_WORKSPACE_BYTES)
    return { form: 'decomposed', notes: `full T x T prefill: its scores' workspace ${formatBytes(full)} is within ${bound}` };
  const rows = prefillBlockRows(spec, variant, batch, t, dtype);
  const ws = blockedWorkspaceBytes(spec, variant, batch, t, dtype, rows);
  return {
    form: 'blocked',
    prefillBlock: rows,
    notes:
      `blocked prefill: the full form's scores would take ${formatBytes(full)} (over ${bound}); ` +
      `${queryBlocks(t, rows).length} blocks of ${rows} queries, workspace ${formatBytes(ws)}${ws > PREFILL_WORKSPACE_BYTES ? ' (one query row is over the bound)' : ''}`,
  };
}

/** Bytes of one prefill layer's output [B, n_h, T, d_v]. */
function prefillOutputBytes(spec: AttentionSpec, batch: number, t: number, dtype: Dtype): number {
  return batch * spec.numHeads * t * (spec.kind === 'mla' ? spec.vHeadDim : valueDim(spec)) * (dtype === 'fp16' ? 2 : 4);
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
  p: Pick<PlannedPoint, 'fits' | 'flops' | 'bytesRead' | 'predictedBytes' | 'unsupported'>,
  config: Pick<SweepConfig, 'maxStepSeconds' | 'budgetSeconds'>,
  probes: { bandwidthGBs: number; gflops: number },
): number {
  if (!p.fits || p.unsupported) return 0;
  const step = predictedStepSeconds(p, probes.bandwidthGBs, probes.gflops);
  if (step > config.maxStepSeconds) return 0;
  return p.predictedBytes / 1.5e9 + 0.3 + Math.min(config.budgetSeconds, Math.max(5 * step, 0.05)) + 3 * step;
}

/** A quantized cache in prefill: listed, never run (prefill computes on float K/V; the cache is what decode reads). */
function quantizedPrefillPoint(a: {
  mode: Mode;
  variant: Variant;
  dtype: Dtype;
  batch: number;
  context: number;
  spec: AttentionSpec;
  model: ModelInfo;
  layers: ReturnType<typeof layersOf>;
}): PlannedPoint {
  return {
    id: `${a.mode}/${a.variant}/${a.dtype}/b${a.batch}/t${a.context}`,
    variant: a.variant,
    mode: a.mode,
    context: a.context,
    cacheTokens: a.context,
    batch: a.batch,
    dtype: a.dtype,
    spec: a.spec,
    form: 'dequant',
    kvBytesPerTokenPerLayer: kvBytesPerToken(a.spec, a.dtype),
    modelCacheBytes: cacheBytesAt(a.layers, cacheCost(a.spec, a.dtype), a.context, a.batch),
    predictedBytes: 0,
    flops: 0,
    bytesRead: 0,
    fits: true,
    hypothetical: a.model.maxContext !== null && a.context > a.model.maxContext,
    unsupported: `a ${a.dtype} cache is measured in decode only: prefill computes on float K/V (measure prefill with fp32 or fp16)`,
  };
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
  const layers = layersOf(model);
  for (const mode of config.modes)
    for (const dtype of config.dtypes)
      for (const batch of config.batches)
        for (const context of contexts) {
          if (mode === 'prefill' && context > config.maxPrefillContext) continue;
          // Decode of a hybrid model: one point per distinct number of tokens its layers hold.
          const hybrid = mode === 'decode' ? layerShares(layers, context) : null;
          const shares = hybrid?.shares.map((s, i) => ({ ...s, primary: i === 0 })) ?? [null];
          for (const variant of variants)
            for (const share of shares) {
              const spec = variantSpec(model, variant, config.gqaGroups);
              if (mode === 'prefill' && isQuantizedCache(dtype)) {
                points.push(quantizedPrefillPoint({ mode, variant, dtype, batch, context, spec, model, layers }));
                continue;
              }
              const cacheTokens = share ? share.held : mode === 'decode' && model.slidingWindow ? Math.min(context, model.slidingWindow) : context;
              const pf = mode === 'prefill' ? prefillForm(spec, variant, batch, cacheTokens, dtype) : null;
              const form: Form = pf?.form ?? (isQuantizedCache(dtype) ? 'dequant' : 'decomposed');
              const req = normalizeRequest({
                variant,
                spec,
                mode,
                batch,
                context: cacheTokens,
                dtype,
                layers: config.layers,
                form,
                prefillBlock: pf?.prefillBlock,
              });
              const cost = layerCost(req);
              const perLayer = kvBytesPerToken(spec, dtype);
              // prefill's ioBytes hold the inputs and one layer's output; every layer keeps its own
              // output, and onnxruntime-node copies each into a JS buffer when the run returns
              const outputs = prefillOutputBytes(spec, batch, cacheTokens, dtype) * (2 * config.layers - 1);
              const resident = cost.residentBytes * config.layers + (mode === 'prefill' ? cost.ioBytes + outputs : 0);
              const transient = pf
                ? prefillTransientBytes(spec, variant, form, batch, cacheTokens, dtype, req.prefillBlock)
                : workspaceBytes(spec, variant, mode, batch, cacheTokens, dtype);
              const predictedBytes = resident + transient + SESSION_BASE_BYTES;
              const fits = predictedBytes <= budgetBytes;
              points.push({
                id: `${mode}/${variant}/${dtype}/b${batch}/t${context}${share && !share.primary ? `/held${share.held}` : ''}`,
                variant,
                mode,
                context,
                cacheTokens,
                batch,
                dtype,
                spec,
                form,
                ...(pf?.prefillBlock ? { prefillBlock: pf.prefillBlock } : {}),
                ...(pf ? { notes: pf.notes } : {}),
                kvBytesPerTokenPerLayer: perLayer,
                // the whole model's cache at the context: the exact sum over its layers (window-aware)
                modelCacheBytes: cacheBytesAt(layers, cacheCost(spec, dtype), context, batch),
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
                ...(share ? { layerGroup: { layers: share.layers, kind: share.kind, primary: share.primary } } : {}),
              });
            }
        }
  const probes = { bandwidthGBs: env.bandwidthGBs ?? 10, gflops: env.gflops ?? 50 };
  const estimatedSeconds = STARTUP_SECONDS + points.reduce((a, p) => a + pointSeconds(p, config, probes), 0);
  const largestContextThatFits: Record<string, number | null> = {};
  const firstDtype = config.dtypes[0] ?? 'fp32';
  for (const variant of variants) {
    largestContextThatFits[variant] = largestContextFor(layers, cacheCost(variantSpec(model, variant, config.gqaGroups), firstDtype), 1, budgetBytes);
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
