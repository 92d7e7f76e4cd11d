/** Schema-valid points and reports for unit tests (main's and the renderer's): one copy, beside the schemas. */
import type { Point, Report } from './schemas';

export function point(over: Partial<Point> & Pick<Point, 'variant' | 'context'>): Point {
  const ms = over.context / 1000;
  return {
    id: `decode/${over.variant}/fp32/b1/t${over.context}`,
    mode: 'decode',
    cacheTokens: over.context,
    batch: 1,
    dtype: 'fp32',
    status: 'ok',
    spec: { kind: 'mha', numHeads: 4, numKvHeads: 4, headDim: 16 },
    form: 'decomposed',
    kvBytesPerTokenPerLayer: over.variant === 'mha' ? 512 : 128,
    modelCacheBytes: (over.variant === 'mha' ? 512 : 128) * over.context * 8,
    hypothetical: false,
    timing: {
      medianMs: ms,
      p95Ms: ms * 1.1,
      minMs: ms * 0.9,
      meanMs: ms,
      cv: 0.02,
      reps: 20,
      overheadMs: 0.01,
      tokensPerSecond: 1000 / (ms * 8),
      perLayerMs: ms,
      modelMs: ms * 8,
    },
    roofline: { bytes: 1e6, flops: 1e6, achievedGBs: 5, achievedGflops: 1, attainableMs: ms / 2, bound: 'memory', efficiency: 0.5 },
    memory: {
      analyticCacheBytes: 1000,
      analyticWeightBytes: 100,
      predictedBytes: 2000,
      rssBeforeBytes: 0,
      rssAfterSessionBytes: 1500,
      rssPeakBytes: 1600,
      measuredDeltaBytes: 1500,
      privateDeltaBytes: null,
      device: { available: false, reason: 'cpu' },
    },
    ...over,
  };
}

export function report(points: Point[], complete = true): Report {
  return {
    schema: 'kvscope.report',
    version: 1,
    kvscopeVersion: '0.1.0',
    createdAt: '2026-11-28T00:00:00Z',
    complete,
    ...(complete ? {} : { incompleteReason: 'cancelled' }),
    machine: { cpuModel: 'cpu', cores: 2, totalMemoryBytes: 1e10, freeMemoryBytes: 5e9, os: 'Linux', gpu: [], onnxruntimeVersion: '1.30.0', nodeVersion: '20' },
    provider: { name: 'cpu', options: {} },
    config: {
      model: { source: 'preset', preset: 'llama-3.1-8b' },
      variants: ['mha'],
      gqaGroups: 8,
      contexts: [64],
      batches: [1],
      dtypes: ['fp32'],
      modes: ['decode'],
      provider: 'cpu',
      layers: 1,
      budgetSeconds: 1,
      maxPrefillContext: 4096,
      threads: 0,
      memoryFraction: 0.8,
      maxStepSeconds: 2,
      verify: true,
    },
    model: {
      name: 'm',
      modelType: 'llama',
      attention: { kind: 'mha', numHeads: 4, numKvHeads: 4, headDim: 16 },
      numLayers: 8,
      hiddenSize: 64,
      maxContext: null,
      slidingWindow: null,
    },
    scaling: { measuredLayers: 1, modelLayers: 8, note: '' },
    probes: { bandwidthGBs: 10, gflops: 50, bandwidthMethod: 'x', gflopsMethod: 'y' },
    points,
    largestContextThatFits: { mha: 1000 },
  };
}
