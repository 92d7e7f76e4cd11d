/**
 * The engine's answers to the UI's queries, from core: machine facts and providers, presets,
 * and the sweep plan (points, predicted memory, duration) before anything runs.
 */
import os from 'node:os';
import type { OnnxLayout, OnnxSweepResult, PlanSummary, PresetInfo, SystemInfo } from '@/contract/api.js';
import type { SweepConfig } from '@/contract/schemas.js';
import { planSweep } from '@/core/measure/planner.js';
import { SpecError } from '@/core/model/spec.js';
import { rememberedProbes } from '@/core/measure/probe-memory.js';
import { availableMemory, cpuModel, gpuFacts, nvidiaFreeBytes, nvidiaGpusAsync, osDescription } from '@/core/measure/system.js';
import { PRESETS, presetModel } from '@/core/model/presets.js';
import { chooseProvider, providerStatuses as providers } from '@/core/measure/provider-choice.js';
import { ortVersion, type Provider } from '@/core/runtime/providers.js';

export { providers };

export async function describe(): Promise<SystemInfo> {
  const statuses = await providers();
  return {
    machine: {
      cpuModel: cpuModel(),
      cores: os.cpus().length,
      totalMemoryBytes: os.totalmem(),
      freeMemoryBytes: availableMemory(),
      os: osDescription(),
      gpu: gpuFacts(await nvidiaGpusAsync()).map((g) => ({ name: g.name, vendor: g.vendor, driver: g.driver, memoryBytes: g.memoryBytes })),
      onnxruntimeVersion: ortVersion(),
      nodeVersion: process.versions.node,
    },
    providers: statuses,
    autoProvider: (await chooseProvider('auto')).provider,
    enginePid: process.pid,
  };
}

export function presets(): PresetInfo[] {
  return PRESETS.map((p) => {
    const m = presetModel(p.id);
    return { id: p.id, title: p.title, source: p.source, attention: m.attention, numLayers: m.numLayers, maxContext: m.maxContext, params: p.params };
  });
}

export async function resolveProvider(asked: SweepConfig['provider']): Promise<Provider> {
  return (await chooseProvider(asked)).provider;
}

/**
 * A model error that names its field crosses to the app as "field: message", the shape of a schema
 * error's path, so the app puts it at that field (renderer lib/field-errors.ts).
 */
function withFieldPath<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SpecError && e.field) throw new SpecError(`${e.field}: ${e.message}`, e.field);
    throw e;
  }
}

export async function plan(config: SweepConfig): Promise<PlanSummary> {
  const provider = await resolveProvider(config.provider);
  const deviceFreeBytes = provider === 'cpu' ? null : nvidiaFreeBytes(await nvidiaGpusAsync());
  // the estimate from this machine's rates where a sweep has probed them in this engine
  const p = withFieldPath(() => planSweep(config, { availableBytes: availableMemory(), provider, deviceFreeBytes, ...rememberedProbes(provider) }));
  return {
    model: {
      name: p.model.name,
      modelType: p.model.modelType,
      attention: p.model.attention,
      numLayers: p.model.numLayers,
      hiddenSize: p.model.hiddenSize,
      maxContext: p.model.maxContext,
      slidingWindow: p.model.slidingWindow,
      layerKinds: p.model.layerKinds,
      ...(p.model.warnings?.length ? { warnings: p.model.warnings } : {}),
    },
    provider,
    points: p.points.map((q) => ({
      id: q.id,
      variant: q.variant,
      mode: q.mode,
      context: q.context,
      cacheTokens: q.cacheTokens,
      batch: q.batch,
      dtype: q.dtype,
      kvBytesPerTokenPerLayer: q.kvBytesPerTokenPerLayer,
      modelCacheBytes: q.modelCacheBytes,
      predictedBytes: q.predictedBytes,
      fits: q.fits,
      hypothetical: q.hypothetical,
      reason: q.reason,
      form: q.form,
      ...(q.prefillBlock ? { prefillBlock: q.prefillBlock } : {}),
      layers: q.layers,
      ...(q.layersNote ? { layersNote: q.layersNote } : {}),
    })),
    availableBytes: p.availableBytes,
    budgetBytes: p.budgetBytes,
    budgetNote: p.budgetNote,
    estimatedSeconds: p.estimatedSeconds,
    largestContextThatFits: p.largestContextThatFits,
    layersNote: p.layersNote,
  };
}

/** The KV layout of an ONNX decoder (the ONNX protobuf code and onnxruntime live in the engine, not in main). */
export async function onnxInspect(path: string): Promise<OnnxLayout> {
  const { readFile } = await import('node:fs/promises');
  const { basename } = await import('node:path');
  const { detectDecoderLayout } = await import('@/core/model/onnx-decoder.js');
  const l = detectDecoderLayout(await readFile(path));
  return {
    path,
    name: basename(path),
    layers: l.layers,
    numKvHeads: l.numKvHeads,
    headDim: l.headDim,
    dtype: l.dtype,
    kvBytesPerToken: l.kvBytesPerToken,
    otherInputs: l.otherInputs.map((o) => o.name),
    params: l.params,
    weightBytes: l.weightBytes,
  };
}

/** Decode steps of an ONNX decoder at growing past lengths, with its own weights. */
export async function onnxSweep(path: string, pasts: number[]): Promise<OnnxSweepResult> {
  const { sweepDecoder } = await import('@/core/model/onnx-decoder.js');
  const layout = await onnxInspect(path);
  const r = await sweepDecoder(path, pasts);
  return {
    layout,
    points: r.points.map((p) => ({
      past: p.past,
      medianMs: p.medianMs,
      ci95Ms: p.ci95Ms,
      noise: p.noise,
      p95Ms: p.p95Ms,
      analyticPresentBytes: p.analyticPresentBytes,
      measuredPresentBytes: p.measuredPresentBytes,
      rssDeltaBytes: p.rssDeltaBytes,
    })),
  };
}
