/**
 * The capacity answer's `perGpu`: a model, its what-if variants and a multi-GPU layout turned
 * into per-layer byte figures for ./parallel.ts, with the decode estimate of
 * ./parallel-estimate.ts built on a measured report where one is given.
 */
import { layersOf } from '@/contract/layers.js';
import type { ParallelRequest, PerGpuAnswer } from '@/contract/parallel-api.js';
import type { Report } from '@/contract/schemas.js';
import { cacheBytesPerElement } from '@/contract/lists.js';
import { variantSpec } from '../measure/planner.js';
import type { ModelInfo } from '../model/hf-config.js';
import { attentionParamsPerLayer, type ParamCount } from '../model/params.js';
import { BYTES_PER_ELEMENT, type AnalyticDtype, type Variant } from '../model/spec.js';
import { planParallel, type CacheSplit, type LayerCache, type VariantLayers } from './parallel.js';
import { withDecodeEstimate, type MeasuredStep, type StepSource } from './parallel-estimate.js';
import { ceilingsOf } from '@/contract/roofline.js';

/**
 * Every layer's cache of a variant whose whole-model bytes per token (over its attention layers)
 * are `perToken`: each attention layer holds at most its window or chunk (contract/layers.ts), a
 * stateful layer a fixed state per sequence in the cache dtype.
 */
export function layerCaches(model: ModelInfo, perToken: number, bytesPerElement: number): LayerCache[] {
  const layers = layersOf(model);
  const attention = Math.max(1, layers.filter((l) => l.kind !== 'stateful').length);
  return layers.map((l) =>
    l.kind === 'stateful'
      ? { bytesPerToken: 0, maxTokens: 0, stateBytes: l.stateElements * bytesPerElement }
      : { bytesPerToken: perToken / attention, maxTokens: l.kind === 'sliding' ? l.window : l.kind === 'chunked' ? l.chunk : null },
  );
}

/** How a variant's cache splits under TP. */
export function cacheSplit(model: ModelInfo, variant: Variant, gqaGroups: number): CacheSplit {
  const spec = variantSpec(model, variant, gqaGroups);
  return spec.kind === 'mla' ? { kind: 'latent' } : { kind: 'heads', numKvHeads: spec.numKvHeads };
}

/** A report's measured per-layer decode steps per variant (ok points with a timing). */
export function measuredSteps(report: Report): Record<string, MeasuredStep[]> {
  const out: Record<string, MeasuredStep[]> = {};
  for (const p of report.points) {
    if (p.status !== 'ok' || p.mode !== 'decode' || !p.timing) continue;
    (out[p.variant] ??= []).push({ perLayerMs: p.timing.perLayerMs, bytes: p.kvBytesPerTokenPerLayer * p.cacheTokens * p.batch, context: p.context });
  }
  return out;
}

export interface PerGpuInput {
  parallel: ParallelRequest;
  model: ModelInfo;
  params: ParamCount;
  weightDtype: AnalyticDtype;
  /** The cache's dtype (a stateful layer's state is held in it). */
  cacheDtype?: AnalyticDtype;
  context: number;
  batch: number;
  gqaGroups: number;
  /** Memory of one GPU where the layout does not say (the request's or the detected). */
  memoryBytes: number;
  /** The capacity planner's rows (one GPU): variant, isModel, shape, whole-model bytes per token. */
  rows: readonly { variant: string; isModel: boolean; shape: string; kvBytesPerToken: number }[];
  /** A sweep of the model's dims measured here, for the estimate. */
  report?: Report;
  reportLabel?: string;
}

/** The per-GPU figures of a layout, with the decode estimate. */
export function perGpuAnswer(i: PerGpuInput): PerGpuAnswer {
  const p = i.parallel;
  const wb = BYTES_PER_ELEMENT[i.weightDtype];
  const variants: VariantLayers[] = i.rows.map((r) => ({
    variant: r.variant,
    isModel: r.isModel,
    shape: r.shape,
    split: cacheSplit(i.model, r.variant as Variant, i.gqaGroups),
    layers: layerCaches(i.model, r.kvBytesPerToken, cacheBytesPerElement(i.cacheDtype ?? 'bf16')),
  }));
  const input = {
    layout: {
      tp: p.tp,
      pp: p.pp,
      dp: p.dp,
      dcp: p.dcp,
      dpAttention: p.dpAttention,
      gpuCount: p.gpuCount ?? p.tp * p.pp * p.dp,
      gpuMemoryBytes: p.gpuMemoryBytes ?? i.memoryBytes,
    },
    model: {
      numHeads: i.model.attention.numHeads,
      hiddenSize: i.model.hiddenSize,
      weightsBytes: i.params.total * wb,
      activeWeightBytes: i.params.active * wb,
      attentionWeightBytes: Math.min(i.params.total, attentionParamsPerLayer(i.model.attention, i.model.hiddenSize) * i.model.numLayers) * wb,
    },
    variants,
    context: i.context,
    batch: i.batch,
  };
  const figures = planParallel(input);
  let step: StepSource | null = null;
  let missing: string | undefined;
  const ceilings = ceilingsOf(i.report?.probes);
  if (p.hbmGBs !== null) step = { kind: 'roofline', bandwidthGBs: p.hbmGBs };
  else if (i.report && ceilings)
    step = {
      kind: 'measured',
      bandwidthGBs: ceilings.bandwidthGBs,
      label: `${i.reportLabel ?? 'a sweep'} (${i.report.provider.name}, ${i.report.createdAt.slice(0, 10)})`,
      steps: measuredSteps(i.report),
    };
  else
    missing = i.report
      ? "no decode estimate: the sweep report has no bandwidth probe; give each GPU's memory bandwidth (HBM GB/s) for an analytic one"
      : "no decode estimate: it needs a sweep of this model measured here (a report) or each GPU's memory bandwidth (HBM GB/s)";
  // Activations cross the all-reduce in bf16, in fp32 only for fp32 weights.
  const activationBytes = i.weightDtype === 'fp32' ? 4 : 2;
  return withDecodeEstimate(figures, input, { linkGBs: p.linkGBs, activationBytes, step, missing });
}
