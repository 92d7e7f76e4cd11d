/**
 * The engine's answers to the UI's queries, from core: machine facts and providers, presets,
 * and the sweep plan (points, predicted memory, duration) before anything runs.
 */
import os from 'node:os';
import type { PlanSummary, PresetInfo, SystemInfo } from '../contract/api.js';
import type { SweepConfig } from '../contract/schemas.js';
import { planSweep } from '../core/measure/planner.js';
import { availableMemory, cpuModel, nvidiaGpus, osDescription } from '../core/measure/system.js';
import { PRESETS, presetModel } from '../core/model/presets.js';
import { detectProviders, ortVersion, pickAuto, type Provider, type ProviderStatus } from '../core/runtime/providers.js';

let detected: Promise<ProviderStatus[]> | null = null;

/** Providers are probed once per engine process (each probe opens a session). */
export function providers(): Promise<ProviderStatus[]> {
  detected ??= detectProviders();
  return detected;
}

export async function describe(): Promise<SystemInfo> {
  const statuses = await providers();
  return {
    machine: {
      cpuModel: cpuModel(),
      cores: os.cpus().length,
      totalMemoryBytes: os.totalmem(),
      freeMemoryBytes: availableMemory(),
      os: osDescription(),
      gpu: nvidiaGpus().map((g) => ({ name: g.name, vendor: g.vendor, driver: g.driver, memoryBytes: g.memoryBytes })),
      onnxruntimeVersion: ortVersion(),
      nodeVersion: process.versions.node,
    },
    providers: statuses,
    autoProvider: pickAuto(statuses),
    enginePid: process.pid,
  };
}

export function presets(): PresetInfo[] {
  return PRESETS.map((p) => {
    const m = presetModel(p.id);
    return { id: p.id, title: p.title, source: p.source, attention: m.attention, numLayers: m.numLayers, maxContext: m.maxContext };
  });
}

export async function resolveProvider(asked: SweepConfig['provider']): Promise<Provider> {
  const statuses = await providers();
  if (asked === 'auto') return pickAuto(statuses);
  const s = statuses.find((x) => x.name === asked);
  if (!s?.works) throw new Error(`execution provider ${asked} does not work here: ${s?.reason ?? 'not detected'}`);
  return asked;
}

export async function plan(config: SweepConfig): Promise<PlanSummary> {
  const provider = await resolveProvider(config.provider);
  const p = planSweep(config, { availableBytes: availableMemory(), provider });
  return {
    model: {
      name: p.model.name,
      modelType: p.model.modelType,
      attention: p.model.attention,
      numLayers: p.model.numLayers,
      hiddenSize: p.model.hiddenSize,
      maxContext: p.model.maxContext,
      slidingWindow: p.model.slidingWindow,
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
    })),
    availableBytes: p.availableBytes,
    budgetBytes: p.budgetBytes,
    estimatedSeconds: p.estimatedSeconds,
    largestContextThatFits: p.largestContextThatFits,
  };
}
