/** The report a sweep hands out, complete or not: the machine read once, the rest as it stands. */
import os from 'node:os';
import { REPORT_SCHEMA_VERSION, type Point, type Report, type SweepConfig } from '@/contract/schemas.js';
import { ortVersion, type Provider } from '../runtime/providers.js';
import { describeLayers, isHybrid, layersOf } from '@/contract/layers.js';
import { KVSCOPE_VERSION } from '../version.js';
import { cpuGovernor, loadBetween, loadMark, measurementPriority, type LoadMark, type MeasurementPriority } from './load.js';
import type { Plan } from './planner.js';
import type { ProbeResult } from './probes.js';
import { availableMemory, cpuModel, gpuFacts, osDescription, type GpuInfo } from './system.js';

/** The machine's facts, and the load mark the report's load figures count from. */
export interface MachineMark {
  machine: Omit<Report['machine'], 'load'>;
  start: LoadMark;
  /** Raised while a point or probe is timed, normal between (load.ts). */
  priority: MeasurementPriority;
}

/** Read once per sweep: snapshots after every point reuse it (nvidia-smi is a process start each time). */
export function markMachine(nvidia: GpuInfo[]): MachineMark {
  const priority = measurementPriority();
  const machine = {
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    freeMemoryBytes: availableMemory(),
    os: osDescription(),
    gpu: gpuFacts(nvidia).map(({ name, vendor, driver, memoryBytes }) => ({ name, vendor, driver, memoryBytes })),
    onnxruntimeVersion: ortVersion(),
    nodeVersion: process.versions.node,
    cpuGovernor: cpuGovernor(),
    processPriority: priority.note,
  };
  return { machine, start: loadMark(), priority };
}

export interface SweepState {
  config: SweepConfig;
  provider: Provider;
  /** Why this provider (the choice made for 'auto', or the one asked for). */
  why: string;
  plan: Plan;
  mark: MachineMark;
  points: Point[];
  probes?: ProbeResult;
  /** The probes repeated after the last point, where they ran. */
  probesAgain?: ProbeResult;
  /** The reference read before each pass (report.passes). */
  passes: { pass: number; referenceGBs: number }[];
}

/** How per-layer figures become whole-model ones, in words (the report's scaling.note). */
export function scalingNote(measured: number | null, model: Plan['model'], layers = layersOf(model), how?: string): string {
  const graph =
    (measured === null
      ? `graphs hold different numbers of identical layers (each point's layers; per-layer figures divide by them)`
      : `each graph holds ${measured} identical layer(s)`) + (how ? ` [${how}]` : '');
  if (!isHybrid(layers)) return `${graph}; per-layer figures are scaled by ${model.numLayers} layers for whole-model figures`;
  return (
    `${graph}; a hybrid model (${describeLayers(layers)}): each attention kind is measured at the tokens it holds in decode ` +
    `(points /held<N> beside the whole-model point) and, in prefill, with its queries attending only their window or chunk ` +
    `(points /window<W>, /chunk<C>), and the whole model's step is the sum over kinds of layers × per-layer step; ` +
    `stateful layers hold no per-token cache and are not timed`
  );
}

/** The layers every planned graph holds, or null where they differ. */
export function commonLayers(points: readonly { layers: number }[]): number | null {
  const counts = new Set(points.map((p) => p.layers));
  return counts.size <= 1 ? ([...counts][0] ?? 1) : null;
}

export function assembleReport(s: SweepState, complete: boolean, reason?: string): Report {
  const { config, plan, probes, probesAgain } = s;
  const layers = layersOf(plan.model);
  return {
    schema: 'kvscope.report',
    version: REPORT_SCHEMA_VERSION,
    kvscopeVersion: KVSCOPE_VERSION,
    createdAt: new Date().toISOString(),
    complete,
    ...(reason ? { incompleteReason: reason } : {}),
    machine: { ...s.mark.machine, load: loadBetween(s.mark.start, loadMark()) },
    provider: { name: s.provider, options: { threads: config.threads, graphOptimizationLevel: 'all', disable_prepacking: true, choice: s.why } },
    config,
    model: {
      name: plan.model.name,
      modelType: plan.model.modelType,
      attention: plan.model.attention,
      numLayers: plan.model.numLayers,
      hiddenSize: plan.model.hiddenSize,
      maxContext: plan.model.maxContext,
      slidingWindow: plan.model.slidingWindow,
      // hybrid models only: layersOf reads the others back from numLayers and slidingWindow
      ...(isHybrid(layers) ? { layerKinds: layers } : {}),
    },
    scaling: {
      measuredLayers: commonLayers(plan.points),
      modelLayers: plan.model.numLayers,
      note: scalingNote(commonLayers(plan.points), plan.model, layers, plan.layersNote),
    },
    probes: probes
      ? {
          bandwidthGBs: probes.bandwidthGBs,
          gflops: probes.gflops,
          bandwidthMethod: probes.bandwidthMethod,
          gflopsMethod: probes.gflopsMethod,
          ...(probesAgain ? { again: { bandwidthGBs: probesAgain.bandwidthGBs, gflops: probesAgain.gflops } } : {}),
        }
      : null,
    ...(s.passes.length > 0 ? { passes: [...s.passes] } : {}),
    points: [...s.points],
    largestContextThatFits: plan.largestContextThatFits,
    memoryBudget: { bytes: plan.budgetBytes, limitedBy: plan.budgetLimitedBy, note: plan.budgetNote },
  };
}
