/**
 * The sweep planner: which points a config asks for, in what order, and for each the predicted
 * memory (cache + weights + workspace) against the budget. Pure: no session is opened here.
 */
import { attainableSeconds } from '@/contract/roofline.js';
import { MEASURED_LAYERS_RANGE } from '@/contract/ranges.js';
import type { SweepConfig } from '@/contract/schemas.js';
import { layerCost, normalizeRequest, type Form, type Mode } from '../graph/builders.js';
import {
  blockedWorkspaceBytes,
  fullWorkspaceBytes,
  PREFILL_WORKSPACE_BYTES,
  prefillBlockRows,
  queryBlocks,
  windowedBlockRows,
} from '../graph/prefill-blocks.js';
import { modelFromHfConfig, type ModelInfo } from '../model/hf-config.js';
import { gqaOf, mhaOf, mlaOf, presetModel } from '../model/presets.js';
import { cacheBytesAt, largestContextFor, layersOf, type AttendWithin } from '@/contract/layers.js';
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
import { layerShares, prefillShares, shareSuffix } from './layer-shares.js';

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
  /** Hybrid models' prefill: the window or chunk this point's queries attend within. */
  attendWithin?: AttendWithin;
  /** Identical layers the point's graph holds (config.layers, or the planner's choice under "auto": chooseLayers). */
  layers: number;
  /** Under "auto": why more than one layer, or why the target was not reached. */
  layersNote?: string;
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
  /** How the layers per graph were set, in words (a fixed count, or auto and what it did). */
  layersNote: string;
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
  if (mode === 'prefill') return prefillTransientBytes({ spec, variant, form: 'decomposed', batch, t, dtype, rows: t });
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

/** What one prefill layer's bytes depend on. */
export interface PrefillShape {
  spec: AttentionSpec;
  variant: Variant;
  form: Form;
  batch: number;
  /** Prompt tokens the layer attends over. */
  t: number;
  dtype: Dtype;
  /** Queries per block (the blocked form); the full form takes all t rows at once. */
  rows: number;
  /** A windowed or chunked layer's span; null for a global layer. */
  within?: AttendWithin | null;
}

/**
 * Bytes one prefill layer holds while it runs, beyond its inputs and its output: the scores'
 * workspace (all T rows at once in the full form, one block of `rows` in the blocked form), the
 * full-size tensors made once per layer (the transposed K; MLA naive's K_nope^T and V; the
 * transposed latent), and, in the blocked form, the blocks' outputs and their stacked copy (two
 * more outputs' worth while the Loop ends; three where a shorter last block is concatenated).
 */
export function prefillTransientBytes({ spec, variant, form, batch, t, dtype, rows, within = null }: PrefillShape): number {
  const el = dtype === 'fp16' ? 2 : 4;
  const H = spec.numHeads;
  const blocked = form === 'blocked';
  // a windowed layer's block scores rows x (rows + L - 1) keys, from key-side tensors padded by L - 1 rows
  const keys = within ? Math.min(t, rows) + within.size - 1 : t;
  const padded = t + (within ? within.size - 1 : 0);
  const scores = blocked ? blockedWorkspaceBytes(spec, variant, batch, keys, dtype, rows) : fullWorkspaceBytes(spec, variant, batch, t, dtype);
  let once: number;
  let dv: number;
  if (spec.kind !== 'mla') {
    dv = valueDim(spec);
    once = batch * spec.numKvHeads * padded * spec.headDim * el + (blocked ? 0 : batch * H * t * spec.headDim * el); // K^T; the full form's scaled q
    if (within) once += batch * spec.numKvHeads * padded * dv * el; // the padded V
  } else {
    dv = spec.vHeadDim;
    const latent = batch * padded * (spec.kvLoraRank + spec.qkRopeHeadDim) * el * (within ? 2 : 1); // transposed (and padded) latent
    const naive = variant === 'mla-naive' ? batch * H * padded * (spec.qkNopeHeadDim + spec.vHeadDim) * el : 0;
    const fullAbsorbed = !blocked && variant === 'mla-absorbed' ? 2 * batch * H * t * spec.kvLoraRank * el : 0; // q_lat, o_lat
    once = latent + (blocked ? naive : 2 * naive) + fullAbsorbed;
  }
  // The Loop keeps every block's output, then stacks them into one tensor, then transposes it;
  // where a shorter last block follows the Loop, a Concat makes one more output-sized tensor.
  const blockOutputs = blocked ? (t % rows === 0 ? 2 : 3) * batch * H * t * dv * el : 0;
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

/** A windowed layer's prefill form: blocked, each block of queries against its window's or chunk's keys only. */
export function windowedForm(
  spec: AttentionSpec,
  variant: Variant,
  batch: number,
  t: number,
  dtype: Dtype,
  within: AttendWithin,
): { form: Form; prefillBlock: number; notes: string } {
  const rows = windowedBlockRows(spec, variant, batch, t, dtype, within);
  const what = within.kind === 'sliding' ? `its window of the last ${within.size} tokens` : `its own chunk of ${within.size} tokens`;
  return {
    form: 'blocked',
    prefillBlock: rows,
    notes:
      `prefill of a ${within.kind} layer: each query attends only ${what}; ` +
      `${queryBlocks(t, rows).length} blocks of ${rows} queries, each against ${Math.min(t, rows) + within.size - 1} keys`,
  };
}

/**
 * The predicted bytes of a prefill point, by part (they sum to its predictedBytes; docs/measurement.md,
 * "Predicted memory of a prefill point"; scripts/prefill-long.ts prints them beside the measured RSS).
 */
export interface PrefillMemoryParts {
  /** The graph's inputs, fed from JS memory that onnxruntime reads in place: q, k, v (MLA: q_nope, q_pe, c_KV, k_pe). */
  inputs: number;
  /** Every measured layer's output, as the graph holds it. */
  outputs: number;
  /** onnxruntime-node's copy of each output into a JS buffer when the run returns. */
  outputCopies: number;
  /** MLA's up-projection weights, all measured layers. */
  weights: number;
  /** One layer's transient bytes (prefillTransientBytes): the scores' workspace, the tensors made once, the blocks' outputs. */
  transient: number;
  /**
   * The CPU arena's high-water above the tensors it holds (the outputs and the transient bytes):
   * an eighth of them (PREFILL_ARENA_SLACK). Measured here at 32K (Llama-3.1-8B dims, blocked):
   * the arena held 76 MiB (4%) more than those tensors, and making the feeds left about 60 MiB of
   * JS garbage; without this part the peak RSS was 0.1 GiB over the prediction.
   */
  arenaSlack: number;
  /** The session itself (runtime). */
  session: number;
}

/** The arena's slack as a share of the tensors it holds during a prefill (see PrefillMemoryParts). */
export const PREFILL_ARENA_SLACK = 1 / 8;

/** The predicted bytes of a prefill point whose graph holds `layers` measured layers, by part. */
export function prefillMemoryParts(shape: PrefillShape, layers: number): PrefillMemoryParts {
  const { spec, variant, form, batch, t, dtype, rows, within = null } = shape;
  const cost = layerCost(
    normalizeRequest({ variant, spec, mode: 'prefill', batch, context: t, dtype, layers, form, prefillBlock: rows, attendWithin: within }),
  );
  const out = prefillOutputBytes(spec, batch, t, dtype);
  const transient = prefillTransientBytes(shape);
  return {
    // prefill's ioBytes hold the inputs and one layer's output
    inputs: cost.ioBytes - out,
    outputs: out * layers,
    outputCopies: out * layers,
    weights: cost.residentBytes * layers,
    transient,
    arenaSlack: Math.ceil((out * layers + transient) * PREFILL_ARENA_SLACK),
    session: SESSION_BASE_BYTES,
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
  /** The provider's fixed cost of one run (ms; the probes' empty-graph run), where measured: config.layers "auto" needs it. */
  runCostMs?: number | null;
}

/** The fixed run cost's share of a step that config.layers "auto" keeps a point under. */
export const RUN_COST_SHARE = 0.05;

export interface LayersChoice {
  layers: number;
  /** Why more than one layer, or why the target was missed; absent where one layer meets it. */
  note?: string;
}

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/**
 * The layers one graph holds under config.layers "auto": the fewest that bring the provider's
 * fixed run cost r under RUN_COST_SHARE of the graph's step, the step predicted as r + L s (s: one
 * layer's predicted work, the roofline's attainable time, a lower bound, so the measured share is
 * at most the predicted one): L >= r (1 - share) / (share s). Capped by what the memory budget
 * holds (fitLayers), by --max-step (slowLayers) and by the range's maximum; a cap that stops short
 * says so. One layer where the run cost is unknown or already under the share.
 */
export function chooseLayers(i: { runCostMs: number | null; layerStepMs: number; fitLayers: number; slowLayers: number }): LayersChoice {
  const r = i.runCostMs;
  const s = i.layerStepMs;
  if (r === null || !(r > 0)) return { layers: 1 };
  const share = (L: number): number => r / (r + L * s);
  if (share(1) <= RUN_COST_SHARE) return { layers: 1 };
  const wanted = s > 0 ? Math.ceil((r * (1 - RUN_COST_SHARE)) / (RUN_COST_SHARE * s) - 1e-9) : Infinity;
  const caps: [number, string][] = [
    [Math.max(1, Math.floor(i.fitLayers)), 'the memory budget holds no more'],
    [Math.max(1, Math.floor(i.slowLayers)), 'more would be predicted over --max-step'],
    [MEASURED_LAYERS_RANGE.max, `${MEASURED_LAYERS_RANGE.max} is the most a graph holds`],
  ];
  const cap = caps.reduce((a, b) => (b[0] < a[0] ? b : a));
  const layers = Math.min(wanted, cap[0]);
  const head = `the provider's fixed run cost (${r.toFixed(3)} ms) is ${pct(share(1))} of a one-layer step (predicted ${s.toFixed(3)} ms of work per layer)`;
  if (layers >= wanted) return { layers, note: `${layers} layers per graph: ${head}; with ${layers} it is ${pct(share(layers))}` };
  return {
    layers,
    note: `${layers} layer${layers === 1 ? '' : 's'} per graph, short of the ${wanted} that would bring it under ${pct(RUN_COST_SHARE)}: ${head}; ${cap[1]}, so the fixed cost is still ${pct(share(layers))} of the step`,
  };
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

/** How the plan set the layers per graph, in words: a fixed count, or what "auto" did and why. */
function planLayersNote(config: SweepConfig, env: PlanEnv, points: readonly PlannedPoint[]): string {
  if (config.layers !== 'auto') return `${config.layers} layer${config.layers === 1 ? '' : 's'} per graph (set)`;
  if (env.provider === 'cpu')
    return 'auto: 1 layer per graph on the CPU, whose fixed run cost is tens of microseconds; layers are stacked on GPU providers only';
  if (env.runCostMs == null) return `auto: chosen per point once the provider's fixed run cost is measured, before the first point`;
  const counts = points.map((p) => p.layers);
  const more = points.filter((p) => p.layers > 1).length;
  const short = points.filter((p) => p.layersNote?.includes('short of')).length;
  if (more === 0 && short === 0)
    return `auto: 1 layer per graph; the fixed run cost (${env.runCostMs.toFixed(3)} ms) is under ${pct(RUN_COST_SHARE)} of every point's predicted step`;
  return (
    `auto: ${Math.min(...counts)}-${Math.max(...counts)} layers per graph; ${more} point(s) hold more than one so the fixed run cost ` +
    `(${env.runCostMs.toFixed(3)} ms) is under ${pct(RUN_COST_SHARE)} of their step${short ? `; ${short} point(s) fall short (memory or --max-step)` : ''}`
  );
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
    layers: 1,
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
  const probes = { bandwidthGBs: env.bandwidthGBs ?? 10, gflops: env.gflops ?? 50 };
  // Auto layers act on GPU providers only: the CPU keeps one layer per graph (docs/measurement.md, "Layers per graph").
  const runCostMs = env.provider === 'cpu' ? null : (env.runCostMs ?? null);
  for (const mode of config.modes)
    for (const dtype of config.dtypes)
      for (const batch of config.batches)
        for (const context of contexts) {
          if (mode === 'prefill' && context > config.maxPrefillContext) continue;
          // A hybrid model: decode, one point per distinct number of tokens its layers hold; prefill,
          // one per window or chunk shorter than the prompt (layer-shares.ts).
          const hybrid = mode === 'decode' ? layerShares(layers, context) : prefillShares(layers, context);
          const shares = hybrid?.shares.map((s, i) => ({ ...s, primary: i === 0 })) ?? [null];
          for (const variant of variants)
            for (const share of shares) {
              const spec = variantSpec(model, variant, config.gqaGroups);
              if (mode === 'prefill' && isQuantizedCache(dtype)) {
                points.push(quantizedPrefillPoint({ mode, variant, dtype, batch, context, spec, model, layers }));
                continue;
              }
              const cacheTokens = share ? share.held : mode === 'decode' && model.slidingWindow ? Math.min(context, model.slidingWindow) : context;
              const within = share?.within ?? null;
              const pf =
                mode === 'prefill'
                  ? within
                    ? windowedForm(spec, variant, batch, cacheTokens, dtype, within)
                    : prefillForm(spec, variant, batch, cacheTokens, dtype)
                  : null;
              const form: Form = pf?.form ?? (isQuantizedCache(dtype) ? 'dequant' : 'decomposed');
              const req = normalizeRequest({
                variant,
                spec,
                mode,
                batch,
                context: cacheTokens,
                dtype,
                layers: 1,
                form,
                prefillBlock: pf?.prefillBlock,
                attendWithin: within,
              });
              const cost = layerCost(req);
              const perLayer = kvBytesPerToken(spec, dtype);
              // Bytes of the measured graph with L layers: fixed + L x perGraphLayer. Decode: the
              // resident cache per layer plus one workspace; prefill: its parts (prefillMemoryParts),
              // whose per-layer share is the outputs, their JS copies, the weights and their arena slack.
              const sum = (parts: PrefillMemoryParts): number => Object.values(parts).reduce((x, y) => x + y, 0);
              const prefillBytes = (layers: number): number =>
                sum(prefillMemoryParts({ spec, variant, form, batch, t: cacheTokens, dtype, rows: req.prefillBlock!, within }, layers));
              const layerBytes = pf ? prefillBytes(2) - prefillBytes(1) : cost.residentBytes;
              const fixedBytes = pf ? prefillBytes(1) - layerBytes : workspaceBytes(spec, variant, mode, batch, cacheTokens, dtype) + SESSION_BASE_BYTES;
              const oneLayer = { flops: cost.flops, bytesRead: cost.residentBytes + cost.ioBytes };
              const layerStepMs = predictedStepSeconds(oneLayer, probes.bandwidthGBs, probes.gflops) * 1000;
              const choice: LayersChoice =
                config.layers === 'auto'
                  ? chooseLayers({
                      runCostMs,
                      layerStepMs,
                      fitLayers: (budgetBytes - fixedBytes) / layerBytes,
                      slowLayers: (config.maxStepSeconds * 1000) / layerStepMs,
                    })
                  : { layers: config.layers };
              const L = choice.layers;
              const predictedBytes = pf ? prefillBytes(L) : fixedBytes + L * layerBytes;
              const fits = predictedBytes <= budgetBytes;
              points.push({
                id: `${mode}/${variant}/${dtype}/b${batch}/t${context}${share && !share.primary ? shareSuffix(share) : ''}`,
                variant,
                mode,
                context,
                cacheTokens,
                batch,
                dtype,
                spec,
                form,
                ...(pf?.prefillBlock ? { prefillBlock: pf.prefillBlock } : {}),
                ...(within ? { attendWithin: within } : {}),
                ...(pf ? { notes: pf.notes } : {}),
                kvBytesPerTokenPerLayer: perLayer,
                // the whole model's cache at the context: the exact sum over its layers (window-aware)
                modelCacheBytes: cacheBytesAt(layers, cacheCost(spec, dtype), context, batch),
                predictedBytes,
                flops: oneLayer.flops * L,
                bytesRead: oneLayer.bytesRead * L,
                fits,
                hypothetical: model.maxContext !== null && context > model.maxContext,
                reason: fits
                  ? undefined
                  : `needs ${formatBytes(predictedBytes)} but the budget is ${formatBytes(budgetBytes)} ` +
                    `(${budgetNote}); ` +
                    `use a shorter context, a smaller batch or fewer measured layers`,
                ...(share ? { layerGroup: { layers: share.layers, kind: share.kind, primary: share.primary } } : {}),
                layers: L,
                ...(choice.note ? { layersNote: choice.note } : {}),
              });
            }
        }
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
    layersNote: planLayersNote(config, env, points),
  };
}
