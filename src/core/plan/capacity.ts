/**
 * The capacity planner: for a model, a memory budget and weight/cache dtypes, the weights, the
 * KV cache per token and at a context (window-aware), and the largest context x batch that
 * fits, per attention variant ("what if" the same model used GQA(g) or MLA). All analytic, and
 * labelled so; a measured sweep of the same dims can be shown beside it, and turns into a
 * whole-model decode estimate built on measured figures.
 */
import type { CapacityAnswer, CapacityRequest, OnnxCapacityAnswer, OnnxCapacityRequest, VariantCapacityInfo } from '@/contract/api.js';
import { type CacheCost, describeLayers, describePaging, IDEAL_NOTE, layersOf, layerTokensAt, maxTokensHeld, type Paging } from '@/contract/layers.js';
import type { Report } from '@/contract/schemas.js';
import { cacheBytesPerElement } from '@/contract/lists.js';
import { variantSpec } from '../measure/planner.js';
import { modelFromHfConfig, textConfigOf, type ModelInfo } from '../model/hf-config.js';
import { estimateParams, type ParamCount } from '../model/params.js';
import { perGpuAnswer } from './parallel-answer.js';
import { PRESETS, presetModel } from '../model/presets.js';
import {
  BYTES_PER_ELEMENT,
  cacheCost,
  kvBytesPerToken,
  SpecError,
  valueDim,
  VARIANTS,
  type AnalyticDtype,
  type AttentionSpec,
  type Variant,
} from '../model/spec.js';
import { fitOf, pagingOf } from './fit.js';
import { ceilingsOf } from '@/contract/roofline.js';

export interface CapacityInput {
  model: ModelInfo;
  params: ParamCount;
  memoryBytes: number;
  weightDtype: AnalyticDtype;
  cacheDtype: AnalyticDtype;
  context: number;
  batch: number;
  gqaGroups: number;
  /** The latent rank (d_c) of the MLA what-if for a model that is not MLA (default 4 d_h, DeepSeek-V2's ratio). */
  mlaRank?: number;
  /** A sweep of this model's dims on this machine, for measured figures and the estimate. */
  report?: Report;
  /** The paged figure's assumption (default PLAN_DEFAULTS: 16-token pages, windowed layers keep their window). */
  paging?: Paging;
}

/** The dims a capacity row is computed for: what a what-if assumed (e.g. the MLA rank). */
export function describeSpec(s: AttentionSpec): string {
  if (s.kind === 'mla') return `MLA ${s.numHeads} heads, d_c ${s.kvLoraRank} + d_R ${s.qkRopeHeadDim}`;
  const v = valueDim(s);
  return `${s.numHeads} heads x ${s.headDim}${v !== s.headDim ? `/${v}` : ''}, ${s.numKvHeads} K/V head${s.numKvHeads === 1 ? '' : 's'}`;
}

/**
 * One variant's capacity; the shape is the contract's (the app shows it as is): cache per
 * token and at the context (window-aware), largest context (null: any, behind a window) and
 * batch, the ratio to MHA, and measured figures and the estimate where a report exists.
 */
export interface VariantCapacity extends VariantCapacityInfo {
  variant: Variant;
}

export interface CapacityResult {
  analytic: true;
  weightsBytes: number;
  activeWeightBytes: number;
  paramsSource: ParamCount['source'];
  /** Tokens the largest layer holds at the context (the context unless every layer is windowed). */
  cacheTokens: number;
  cacheBytesPerElement: number;
  idealNote: string;
  paging: Paging & { note: string };
  freeForCacheBytes: number;
  fitsAtAll: boolean;
  variants: VariantCapacity[];
}

const MODEL_VARIANT: Record<string, Variant> = { mha: 'mha', gqa: 'gqa', mqa: 'mqa', mla: 'mla-absorbed' };

export function planCapacity(i: CapacityInput): CapacityResult {
  if (!(i.memoryBytes > 0)) throw new SpecError('memory budget must be positive (e.g. --memory 80GB)', 'memory');
  if (!Number.isInteger(i.context) || i.context < 1) throw new SpecError(`context must be a positive integer, got ${i.context}`, 'context');
  if (!Number.isInteger(i.batch) || i.batch < 1) throw new SpecError(`batch must be a positive integer, got ${i.batch}`, 'batch');
  if (i.mlaRank !== undefined && (!Number.isInteger(i.mlaRank) || i.mlaRank < 1))
    throw new SpecError(`MLA rank must be a positive integer, got ${i.mlaRank}`, 'mlaRank');
  const layers = layersOf(i.model);
  const paging = pagingOf(i.paging);
  // attention layers (a stateful layer caches no token)
  const L = layers.filter((l) => l.kind !== 'stateful').length;
  const wb = BYTES_PER_ELEMENT[i.weightDtype];
  const weightsBytes = i.params.total * wb;
  const activeWeightBytes = i.params.active * wb;
  const free = i.memoryBytes - weightsBytes;
  const cacheTokens = maxTokensHeld(layers, i.context);
  const layerTokens = layerTokensAt(layers, i.context);
  const modelVariant = MODEL_VARIANT[i.model.attention.kind]!;
  const mhaPerToken = kvBytesPerToken(variantSpec(i.model, 'mha', i.gqaGroups), i.cacheDtype) * L;
  const variants: VariantCapacity[] = [];
  for (const variant of VARIANTS) {
    if (variant === 'mla-naive') continue; // same cache as absorbed
    let cost: CacheCost;
    let shape: string;
    try {
      const spec = variantSpec(i.model, variant, i.gqaGroups);
      if (spec.kind === 'mla' && i.mlaRank !== undefined && i.model.attention.kind !== 'mla') spec.kvLoraRank = i.mlaRank;
      cost = cacheCost(spec, i.cacheDtype);
      shape = describeSpec(spec);
    } catch {
      continue; // e.g. GQA groups that do not divide the heads
    }
    const perToken = cost.perTokenPerLayer * L;
    const ideal = fitOf(layers, cost, i, free);
    const cacheBytesAtContext = ideal.cacheBytesAtContext;
    const v: VariantCapacity = {
      variant,
      shape,
      isModel: variant === modelVariant || (i.model.attention.kind === 'gqa' && variant === 'gqa'),
      kvBytesPerTokenPerLayer: cost.perTokenPerLayer,
      kvBytesPerToken: perToken,
      ...ideal,
      paged: fitOf(layers, cost, i, free, paging),
      vsMha: mhaPerToken > 0 ? perToken / mhaPerToken : 1,
    };
    const r = i.report;
    if (r) {
      const pts = r.points.filter(
        (p) => p.status === 'ok' && p.mode === 'decode' && p.timing && (p.variant === variant || (variant === 'mla-absorbed' && p.variant === 'mla-absorbed')),
      );
      // the measured point nearest in context (log scale)
      const near = pts.sort((a, b) => Math.abs(Math.log(a.context / i.context)) - Math.abs(Math.log(b.context / i.context)))[0];
      if (near?.timing) {
        v.measured = {
          perLayerMs: near.timing.perLayerMs,
          // one measured layer's step, scaled to the layer-tokens the model holds at that context
          modelMs: (near.timing.perLayerMs * layerTokensAt(layers, near.context)) / near.cacheTokens,
          measuredDeltaBytes: near.memory?.measuredDeltaBytes ?? null,
          context: near.context,
        };
      }
      // no tokens/s for a model whose weights do not fit: it would not run at all
      const ceilings = ceilingsOf(r.probes);
      if (ceilings && free > 0) {
        const bw = ceilings.bandwidthGBs * 1e9;
        const weightsMs = (activeWeightBytes / bw) * 1000;
        // Attention: a measured step within a factor of 2 of the context, scaled linearly (decode
        // reads the cache once); farther away, fixed per-step costs would dominate the scaling,
        // so cache bytes / measured bandwidth instead.
        const usable = near?.timing && near.cacheTokens >= cacheTokens / 2 && near.cacheTokens <= cacheTokens * 2 ? near : undefined;
        const attentionMs = usable?.timing
          ? usable.timing.perLayerMs * (layerTokens / usable.cacheTokens) * (i.batch / usable.batch)
          : (cacheBytesAtContext / bw) * 1000;
        v.estimate = {
          tokensPerSecond: (i.batch * 1000) / (weightsMs + attentionMs),
          weightsMs,
          attentionMs,
          basis: `estimate: active weights / measured ${ceilings.bandwidthGBs.toFixed(1)} GB/s + ${usable ? `measured attention step at ${usable.context} tokens, scaled to ${cacheTokens}` : 'cache bytes / measured bandwidth (no measured step within 2x of this context)'}`,
        };
      }
    }
    variants.push(v);
  }
  return {
    analytic: true,
    weightsBytes,
    activeWeightBytes,
    paramsSource: i.params.source,
    cacheTokens,
    cacheBytesPerElement: cacheBytesPerElement(i.cacheDtype),
    idealNote: IDEAL_NOTE,
    paging: { ...paging, note: describePaging(paging) },
    freeForCacheBytes: Math.max(0, free),
    fitsAtAll: free > 0,
    variants,
  };
}

/** The contract's answer without the memory source, which the caller knows. */
export type OnnxCapacity = Omit<OnnxCapacityAnswer, 'memoryBytes' | 'memorySource'>;

/**
 * Capacity of an imported ONNX decoder: weights as stored in the file (its initializers), the
 * cache per token from its past_key_values layout (in its own dtype, or `cacheBytesPerElement`),
 * and what fits. No what-if variants: the graph does not say how many query heads it has.
 */
export function planOnnxCapacity(
  layout: { layers: number; numKvHeads: number; headDim: number; dtype: 'fp32' | 'fp16'; weightBytes: number },
  i: { memoryBytes: number; context: number; batch: number; cacheDtype?: AnalyticDtype },
): OnnxCapacity {
  if (!(i.memoryBytes > 0)) throw new SpecError('memory budget must be positive (e.g. --memory 80GB)', 'memory');
  if (!Number.isInteger(i.context) || i.context < 1) throw new SpecError(`context must be a positive integer, got ${i.context}`, 'context');
  if (!Number.isInteger(i.batch) || i.batch < 1) throw new SpecError(`batch must be a positive integer, got ${i.batch}`, 'batch');
  const el = cacheBytesPerElement(i.cacheDtype ?? layout.dtype);
  const kvBytesPerToken = layout.layers * 2 * layout.numKvHeads * layout.headDim * el;
  const free = Math.max(0, i.memoryBytes - layout.weightBytes);
  return {
    analytic: true,
    weightsBytes: layout.weightBytes,
    kvBytesPerToken,
    cacheBytesAtContext: kvBytesPerToken * i.context * i.batch,
    freeForCacheBytes: free,
    largestContext: Math.floor(free / (kvBytesPerToken * i.batch)),
    largestBatch: Math.floor(free / (kvBytesPerToken * i.context)),
  };
}

/** The model a capacity request names, with its parameter count (published for presets, estimated from a config.json). */
export function capacityModel(source: CapacityRequest['model']): { model: ModelInfo; params: ParamCount } {
  if (source.kind === 'hf-config') {
    const model = modelFromHfConfig(source.config, source.name || undefined);
    return { model, params: estimateParams(textConfigOf(source.config).cfg, model.attention, model.numLayers, model.hiddenSize, model.layerKinds) };
  }
  const model = presetModel(source.id);
  const preset = PRESETS.find((p) => p.id === model.name);
  if (!preset) throw new SpecError(`unknown preset ${source.id}`, 'preset');
  return { model, params: { ...preset.params, source: 'published' } };
}

/** The attention dims a sweep's timings depend on, as one comparable string (the kind follows from the heads). */
function timedDims(s: AttentionSpec): string {
  return s.kind === 'mla'
    ? `mla ${s.numHeads} ${s.kvLoraRank} ${s.qkNopeHeadDim} ${s.qkRopeHeadDim} ${s.vHeadDim}`
    : `${s.numHeads} ${s.numKvHeads} ${s.headDim} ${valueDim(s)}`;
}

/**
 * Whether a report's timings can stand for a model's: another model's dims are refused (a
 * SpecError, never shown as this model's); the same dims under another name or layer count give
 * a note saying so (the timings are per layer, scaled to this model's layers). `label` names the
 * report in the words, e.g. "--report a.json".
 */
export function reportNoteFor(label: string, report: Report, model: ModelInfo): string | null {
  const of = `${report.model.name} (${describeSpec(report.model.attention)}, ${report.model.numLayers} layers)`;
  const self = `${model.name} (${describeSpec(model.attention)}, ${model.numLayers} layers)`;
  if (timedDims(report.model.attention) !== timedDims(model.attention))
    throw new SpecError(
      `${label} is a sweep of another model, ${of}, not of ${self}: its timings are not this model's; give a report swept with the same attention dims`,
      'report',
    );
  if (report.model.name === model.name && report.model.numLayers === model.numLayers) return null;
  return `${label} is a sweep of ${of}: same attention dims as ${self}, its per-layer timings scaled to ${model.numLayers} layers`;
}

/** A sweep report the measured figures come from: the app's newest history entry of the model, or the CLI's --report. */
export interface MeasuredSource {
  /** The history id, or the file. */
  id: string;
  report: Report;
  /** What the report is, where it is not exactly this model (reportNoteFor). */
  note?: string | null;
}

export interface CapacityEnv {
  /** Memory detected free here, used where the request has none. */
  detectedFreeBytes: number;
  /** A report of the model for measured figures, if any. */
  measured?: (model: ModelInfo) => MeasuredSource | null;
}

/**
 * The capacity planner's answer (one shape for `kvscope plan --json`, the app's planner:capacity
 * and the e2e bridge): the model, the analytic figures per variant, the model's own variant's at
 * the top, and measured figures where a report of the model exists.
 */
export function capacityAnswer(req: CapacityRequest, env: CapacityEnv): CapacityAnswer {
  const { model, params } = capacityModel(req.model);
  const memoryBytes = req.memoryBytes ?? req.parallel?.gpuMemoryBytes ?? env.detectedFreeBytes;
  const measured = env.measured?.(model) ?? null;
  const r = planCapacity({
    model,
    params,
    memoryBytes,
    weightDtype: req.weightDtype,
    cacheDtype: req.cacheDtype,
    context: req.context,
    batch: req.batch,
    gqaGroups: req.gqaGroups,
    ...(req.mlaRank !== undefined ? { mlaRank: req.mlaRank } : {}),
    ...(req.paging ? { paging: req.paging } : {}),
    report: measured?.report,
  });
  const own = r.variants.find((v) => v.isModel) ?? r.variants[0]!;
  return {
    model: {
      name: model.name,
      modelType: model.modelType,
      attention: model.attention,
      numLayers: model.numLayers,
      hiddenSize: model.hiddenSize,
      maxContext: model.maxContext,
      slidingWindow: model.slidingWindow,
      layerKinds: model.layerKinds,
      layers: describeLayers(layersOf(model)),
      derivedFrom: model.derivedFrom,
      ...(model.warnings?.length ? { warnings: model.warnings } : {}),
    },
    params,
    memoryBytes,
    memorySource: req.memoryBytes === null && !req.parallel?.gpuMemoryBytes ? 'detected' : 'entered',
    context: req.context,
    batch: req.batch,
    spec: model.attention,
    kvBytesPerToken: own.kvBytesPerToken,
    cacheBytesAtContext: own.cacheBytesAtContext,
    largestContext: own.largestContext,
    largestBatch: own.largestBatch,
    paged: own.paged,
    ...r,
    measuredFrom: measured ? { id: measured.id, createdAt: measured.report.createdAt, provider: measured.report.provider.name } : null,
    reportNote: measured?.note ?? null,
    ...(req.parallel
      ? {
          perGpu: perGpuAnswer({
            ...req,
            parallel: req.parallel,
            model,
            params,
            memoryBytes,
            rows: r.variants,
            ...(measured ? { report: measured.report, reportLabel: measured.id } : {}),
          }),
        }
      : {}),
  };
}

/** The planner's answer for an imported ONNX decoder (analytic; no what-if variants). */
export function onnxCapacityAnswer(req: OnnxCapacityRequest, detectedFreeBytes: number): OnnxCapacityAnswer {
  const memoryBytes = req.memoryBytes ?? detectedFreeBytes;
  const r = planOnnxCapacity(req.layout, {
    memoryBytes,
    context: req.context,
    batch: req.batch,
    ...(req.cacheDtype ? { cacheDtype: req.cacheDtype } : {}),
  });
  return { ...r, memoryBytes, memorySource: req.memoryBytes === null ? 'detected' : 'entered' };
}
