/**
 * Roofline probes: the device's own read bandwidth and matmul throughput, measured through
 * onnxruntime on the provider the sweep uses (so a GPU provider is probed on the GPU).
 *  - bandwidth: a GEMV over a large resident matrix ([1, K] x [K, N], the decode access pattern)
 *    and a ReduceSum over the same bytes; the faster of the two is the device's read rate.
 *    GPU providers also try an MHA decode graph (attention's own access pattern).
 *  - FLOP/s: a square fp32 MatMul; on the CPU with both operands fed, on a GPU provider resident.
 * On a GPU provider whose fixed run cost would dominate, rates are slopes over repeats.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildGraph } from '../graph/builders.js';
import { GraphBuilder } from '../graph/onnx.js';
import { randomFeeds } from '../graph/verify.js';
import { layoutResident, scratchDir, writeResidentFile } from '../graph/resident.js';
import type { Provider } from '../runtime/providers.js';
import { MeasuredSession } from '../runtime/session.js';
import { measure, POLICIES, type Measurement, type TimingPolicy } from './harness.js';

export interface ProbeResult {
  bandwidthGBs: number;
  gflops: number;
  bandwidthMethod: string;
  gflopsMethod: string;
  /** Median ms of an (almost) empty run: the fixed cost of one session.run call. */
  emptyRunMs: number;
}

/** A probe's runs through the timing harness (its warm-up covers shader compilation on GPU providers). */
function timeRuns(s: MeasuredSession, feeds: Record<string, ort.Tensor>, policy: Readonly<TimingPolicy> = POLICIES.probe): Promise<Measurement> {
  return measure(() => s.run(feeds), policy);
}

/** Bytes of the bandwidth probe's matrix: large enough to defeat caches, small enough to be quick. */
export const BANDWIDTH_PROBE_BYTES = 256 * 2 ** 20;

/**
 * A run of a GPU provider carries a fixed cost (dispatch, sync, read-back) that can be larger than
 * the work of one probe on a fast GPU. Where one probe run is under this many empty runs, the rate
 * is taken as the slope between a graph doing the work once and one doing it `REPEATS` times.
 */
const SLOPE_BELOW_EMPTY_RUNS = 20;
const REPEATS = 9;

/** A probe graph: built here, or already written to a file (by the attention builders). */
type Built = { graph: GraphBuilder; feeds: Record<string, ort.Tensor> } | { file: string; feeds: Record<string, ort.Tensor> };

interface Rate {
  rate: number;
  how: string;
}

/** Work per second of `build(1)`, or the slope between build(1) and build(REPEATS) where the fixed run cost would distort it. */
async function probeRate(
  dir: string,
  name: string,
  provider: Provider,
  threads: number | undefined,
  emptyRunMs: number,
  work: number,
  policy: Readonly<TimingPolicy>,
  build: (repeats: number) => Built,
  canRepeat = true,
): Promise<{ rate: number; slope: boolean | 'rejected'; runs: number }> {
  let runs = 0;
  const fastest = async (repeats: number): Promise<number> => {
    const built = build(repeats);
    const { feeds } = built;
    let file: string;
    if ('graph' in built) {
      file = join(dir, `${name}-${repeats}.onnx`);
      writeFileSync(file, built.graph.encode());
    } else file = built.file;
    const s = await MeasuredSession.open(file, { provider, threads });
    try {
      // Fastest of the runs: the attainable peak, not a typical run.
      const m = await timeRuns(s, feeds, policy);
      runs = m.summary.n;
      return m.summary.min;
    } finally {
      await s.dispose();
    }
  };
  const one = await fastest(1);
  if (!canRepeat || provider === 'cpu' || one >= SLOPE_BELOW_EMPTY_RUNS * emptyRunMs) return { rate: work / (one / 1000), slope: false, runs };
  const oneRuns = runs;
  return { ...slopeRate(work, one, await fastest(REPEATS)), runs: Math.min(oneRuns, runs) };
}

/**
 * Work per second from the fastest run of the work once (`oneMs`) and `REPEATS` times (`manyMs`).
 * One repeat's time from the slope is accepted where it is plausible: not over the whole single
 * run by more than noise (20%; a fixed cost cannot be negative, and where the slope says ~0 the
 * single run is the figure), and not under 1/20 of it (noise on a tiny difference would give an
 * arbitrarily high rate). Otherwise the single run's rate, marked.
 */
export function slopeRate(work: number, oneMs: number, manyMs: number): { rate: number; slope: true | 'rejected' } {
  const perRepeat = (manyMs - oneMs) / (REPEATS - 1);
  if (!(perRepeat <= 1.2 * oneMs && perRepeat >= oneMs / 20)) return { rate: work / (oneMs / 1000), slope: 'rejected' };
  return { rate: work / (Math.min(perRepeat, oneMs) / 1000), slope: true };
}

/** How a probe's rate was taken, for its method string. */
const slopeNote = (slope: boolean | 'rejected'): string =>
  slope === 'rejected'
    ? `, one run (the slope over ${REPEATS} repeats was implausible, so the fixed run cost is included)`
    : slope
      ? `, slope of 1 vs ${REPEATS} per run (removes the fixed run cost)`
      : '';

/** Median ms of an (almost) empty graph's run: the fixed cost of one session.run on `provider`. */
async function measureEmptyRun(dir: string, provider: Provider, threads: number | undefined, policy: Readonly<TimingPolicy>): Promise<number> {
  const e = new GraphBuilder('empty');
  const ein = e.input('x', 'fp32', [1, 4]);
  e.node('Relu', [ein], { outputs: ['y'] });
  e.output('y', 'fp32', [1, 4]);
  writeFileSync(join(dir, 'empty.onnx'), e.encode());
  const es = await MeasuredSession.open(join(dir, 'empty.onnx'), { provider, threads });
  try {
    return (await timeRuns(es, { x: new ort.Tensor('float32', new Float32Array(4), [1, 4]) }, policy)).summary.median;
  } finally {
    await es.dispose();
  }
}

/**
 * Read rate (bytes/s) of a GEMV [1, K] x [K, N] over a `bytes`-sized resident matrix written to
 * dir/big.bin; on a GPU provider whose fixed run cost would dominate, the slope over repeats
 * (9 GEMVs with distinct inputs over the same matrix, so nothing merges them).
 */
async function gemvRate(
  dir: string,
  provider: Provider,
  threads: number | undefined,
  emptyRunMs: number,
  K: number,
  bytes: number,
  policy: Readonly<TimingPolicy>,
): Promise<{ N: number; matrixBytes: number; declareMatrix: (g: GraphBuilder) => string; rate: number; how: string }> {
  const N = Math.floor(bytes / 4 / K);
  const { tensors } = layoutResident([{ name: 'big', role: 'cache', layer: 0, type: 'fp32', dims: [K, N], fillKey: 'big' }]);
  const t = tensors[0]!;
  writeResidentFile(join(dir, 'big.bin'), tensors, 5);
  /** Declares the resident matrix in a graph (dir/big.bin), for other probes over the same bytes. */
  const declareMatrix = (g: GraphBuilder): string =>
    g.external({ name: 'big', type: 'fp32', dims: [K, N], location: 'big.bin', offset: t.offset, length: t.length });
  const xTensor = new ort.Tensor('float32', new Float32Array(K).fill(0.01), [1, K]);
  const r = await probeRate(dir, 'gemv', provider, threads, emptyRunMs, t.length, policy, (repeats): Built => {
    const g = new GraphBuilder('bandwidth');
    const m = declareMatrix(g);
    const feeds: Record<string, ort.Tensor> = {};
    const ys: string[] = [];
    for (let i = 0; i < repeats; i++) {
      const x = g.input(i === 0 ? 'x' : `x${i}`, 'fp32', [1, K]);
      feeds[x] = xTensor;
      ys.push(g.op('MatMul', [x, m], undefined, i === 0 ? 'probe_gemv' : `probe_gemv${i}`));
    }
    g.node(repeats === 1 ? 'Identity' : 'Sum', ys, { outputs: ['y'] });
    g.output('y', 'fp32', [1, N]);
    return { graph: g, feeds };
  });
  return { N, matrixBytes: t.length, declareMatrix, rate: r.rate, how: `GEMV [1,${K}]x[${K},${N}] fp32${slopeNote(r.slope)}` };
}

/**
 * Read bandwidth (GB/s) of a GEMV over a resident matrix: the quick probe `--ep auto` uses to pick
 * the fastest working provider. A software Vulkan adapter loses to the CPU it runs on; a real
 * GPU's fixed run cost is taken out (slope), or a 1 ms WebGPU run cost would hand an H200 machine
 * to its CPU. 64 MiB first; where that takes under 20 ms (a fast device), again over 512 MiB,
 * which no CPU cache holds (a server CPU's L3 can hold 64 MiB and read it at several times its
 * memory rate).
 */
export async function quickBandwidth(provider: Provider, bytes = 64 * 2 ** 20, largeBytes = 512 * 2 ** 20): Promise<number> {
  const dir = scratchDir('quick', largeBytes);
  try {
    const emptyRunMs = await measureEmptyRun(dir, provider, undefined, POLICIES.quick);
    const rate = (await gemvRate(dir, provider, undefined, emptyRunMs, 256, bytes, POLICIES.quick)).rate;
    if (bytes / rate >= 0.02 || largeBytes <= bytes) return rate / 1e9;
    rmSync(join(dir, 'big.bin'), { force: true });
    try {
      return (await gemvRate(dir, provider, undefined, emptyRunMs, 256, largeBytes, POLICIES.quick)).rate / 1e9;
    } catch {
      // a buffer limit, device memory or scratch space: the small figure still ranks the provider
      return rate / 1e9;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function probeDevice(provider: Provider, opts: { threads?: number; bytes?: number; matmulN?: number } = {}): Promise<ProbeResult> {
  const bytes = opts.bytes ?? BANDWIDTH_PROBE_BYTES;
  // GPU providers also write the MHA candidate's 1- and 9-layer caches (5x the GEMV matrix in all)
  const dir = scratchDir('probe', provider === 'cpu' ? bytes : 6 * bytes);
  const threads = opts.threads;
  try {
    const emptyRunMs = await measureEmptyRun(dir, provider, threads, POLICIES.probe);
    const K = 1024;
    const { N, matrixBytes, declareMatrix, rate: gemv, how: gemvHow } = await gemvRate(dir, provider, threads, emptyRunMs, K, bytes, POLICIES.probe);
    const xTensor = new ort.Tensor('float32', new Float32Array(K).fill(0.01), [1, K]);
    const reduceHow = `ReduceSum over [${K},${N}] fp32`;
    // One ReduceSum: repeats of it would be merged (same node, same input), so no slope here.
    const reduce = await probeRate(
      dir,
      'reduce',
      provider,
      threads,
      emptyRunMs,
      matrixBytes,
      POLICIES.probe,
      () => {
        const g = new GraphBuilder('reduce');
        const m = declareMatrix(g);
        const x = g.input('x', 'fp32', [1, K]);
        const sum = g.op('ReduceSum', [m, g.ints('axes', [0])], { keepdims: 1 }, 'probe_reduce');
        g.node('Add', [sum, g.op('ReduceSum', [x], { keepdims: 1 })], { outputs: ['y'] });
        g.output('y', 'fp32', [1, N]);
        return { graph: g, feeds: { x: xTensor } };
      },
      false,
    );
    const notes: string[] = [];
    const rates: Rate[] = [
      { rate: gemv, how: gemvHow },
      { rate: reduce.rate, how: reduceHow + slopeNote(reduce.slope) },
    ];
    // GPU providers: also an MHA decode graph over a resident cache of the same size, the access
    // pattern of attention itself. On an H200 through WebGPU the GEMV read 0.25-0.29 TB/s while
    // MHA decode graphs read about 1 TB/s with the run cost in; the device's roofline is the best
    // rate any of these graphs reaches. Repeats are layers (each with its own cache).
    if (provider !== 'cpu') {
      const heads = 32;
      const headDim = 128;
      // half the GEMV's bytes per layer: the 9-layer graph of the slope holds 4.5x the GEMV matrix
      const T = Math.floor(bytes / 2 / (2 * heads * headDim * 4));
      if (T >= 16) {
        const perLayer = 2 * heads * headDim * T * 4;
        rmSync(join(dir, 'big.bin'), { force: true }); // the GEMV and ReduceSum are done with it
        const mha = await probeRate(dir, 'mha', provider, threads, emptyRunMs, perLayer, POLICIES.probe, (repeats): Built => {
          const g = buildGraph(
            {
              variant: 'mha',
              spec: { kind: 'mha', numHeads: heads, numKvHeads: heads, headDim },
              mode: 'decode',
              batch: 1,
              context: T,
              dtype: 'fp32',
              layers: repeats,
              form: 'decomposed',
            },
            dir,
            `mha${repeats}`,
          );
          return { file: g.modelPath, feeds: randomFeeds(g.inputs, 1).feeds };
        }).catch((e: unknown) => {
          // optional: a device or scratch space too small for 9 layers must not stop the sweep
          notes.push(`MHA decode candidate skipped: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
          return null;
        });
        for (const f of ['mha1.bin', 'mha9.bin']) rmSync(join(dir, f), { force: true });
        if (mha) rates.push({ rate: mha.rate, how: `MHA decode graph (${heads} heads x ${headDim}, T = ${T}, fp32)${slopeNote(mha.slope)}` });
      }
    }
    const best = rates.reduce((a, b) => (b.rate > a.rate ? b : a));

    // FLOP/s: a square MatMul. On the CPU both operands are fed; on a GPU provider they are
    // resident (a fed operand is an upload each run) and repeats chain C = C x B.
    const M = opts.matmulN ?? 2048;
    const mmFlops = 2 * M * M * M;
    const mmOperands = layoutResident([
      { name: 'mm_a', role: 'cache', layer: 0, type: 'fp32', dims: [M, M], fillKey: 'mm_a' },
      { name: 'mm_b', role: 'cache', layer: 0, type: 'fp32', dims: [M, M], fillKey: 'mm_b' },
    ]).tensors;
    if (provider !== 'cpu') writeResidentFile(join(dir, 'mm.bin'), mmOperands, 6);
    const mm = await probeRate(dir, 'matmul', provider, threads, emptyRunMs, mmFlops, POLICIES.probe, (repeats): Built => {
      const g = new GraphBuilder('matmul');
      if (provider === 'cpu') {
        const a = g.input('a', 'fp32', [M, M]);
        const b = g.input('b', 'fp32', [M, M]);
        g.node('MatMul', [a, b], { outputs: ['y'], name: 'probe_matmul' });
        g.output('y', 'fp32', [M, M]);
        return {
          graph: g,
          feeds: {
            a: new ort.Tensor('float32', new Float32Array(M * M).fill(0.5), [M, M]),
            b: new ort.Tensor('float32', new Float32Array(M * M).fill(0.25), [M, M]),
          },
        };
      }
      const [a, b] = mmOperands.map((o) => g.external({ name: o.name, type: 'fp32', dims: [M, M], location: 'mm.bin', offset: o.offset, length: o.length }));
      let c = a!;
      for (let r = 0; r < repeats; r++) c = g.op('MatMul', [c, b!], undefined, r === 0 ? 'probe_matmul' : `probe_matmul${r}`);
      const x = g.input('x', 'fp32', [1, K]);
      g.node('Add', [g.op('ReduceSum', [c, g.ints('axes', [0])], { keepdims: 1 }), g.op('ReduceSum', [x], { keepdims: 1 })], { outputs: ['y'] });
      g.output('y', 'fp32', [1, M]);
      return { graph: g, feeds: { x: xTensor } };
    });

    return {
      bandwidthGBs: best.rate / 1e9,
      gflops: mm.rate / 1e9,
      bandwidthMethod: `${best.how} on ${provider} (best of: ${rates.map((x) => `${x.how} ${(x.rate / 1e9).toFixed(1)} GB/s`).join('; ')})${notes.map((n) => `; ${n}`).join('')}`,
      gflopsMethod: `MatMul ${M}x${M}x${M} fp32 on ${provider}${provider === 'cpu' ? '' : ', resident operands'}, fastest of ${mm.runs} runs${slopeNote(mm.slope)}`,
      emptyRunMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
