/**
 * Roofline probes: the device's own read bandwidth and matmul throughput, measured through
 * onnxruntime on the provider the sweep uses (so a GPU provider is probed on the GPU).
 *  - bandwidth: a GEMV over a large resident matrix ([1, K] x [K, N], the decode access pattern)
 *    and a ReduceSum over the same bytes; the faster of the two is the device's read rate.
 *    GPU providers also try an MHA decode graph (attention's own access pattern).
 *  - FLOP/s: a square fp32 MatMul; on the CPU with both operands fed, on a GPU provider resident.
 * On a GPU provider whose fixed run cost would dominate, rates are slopes over repeats (probes-rate.ts).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildGraph } from '../graph/builders.js';
import { GraphBuilder } from '../graph/onnx.js';
import { randomFeeds } from '../graph/verify.js';
import { layoutResident, scratchDir, writeResidentFile } from '../graph/resident.js';
import type { Provider } from '../runtime/providers.js';
import { POLICIES } from './harness.js';
import { probeRate, probeRig, REPEATS, slopeNote, type Built, type ProbeRig } from './probes-rate.js';

export { slopeRate } from './probes-rate.js';

export interface ProbeResult {
  bandwidthGBs: number;
  gflops: number;
  bandwidthMethod: string;
  gflopsMethod: string;
  /** Median ms of an (almost) empty run: the fixed cost of one session.run call. */
  emptyRunMs: number;
}

/** Bytes of the bandwidth probe's matrix: large enough to defeat caches, small enough to be quick. */
export const BANDWIDTH_PROBE_BYTES = 256 * 2 ** 20;

interface Rate {
  rate: number;
  how: string;
}

/** Rows of the sweep probe's GEMV matrix (quickBandwidth's has 256). */
const PROBE_K = 1024;

/** The [1, K] input the bandwidth probes (and the GPU MatMul probe's graph) are fed. */
const rowInput = (K: number): ort.Tensor => new ort.Tensor('float32', new Float32Array(K).fill(0.01), [1, K]);

/**
 * Read rate (bytes/s) of a GEMV [1, K] x [K, N] over a `bytes`-sized resident matrix written to
 * dir/big.bin; on a GPU provider whose fixed run cost would dominate, the slope over repeats
 * (GEMVs with distinct inputs over the same matrix, so nothing merges them).
 */
async function gemvRate(
  rig: ProbeRig,
  K: number,
  bytes: number,
): Promise<{ N: number; matrixBytes: number; declareMatrix: (g: GraphBuilder) => string; rate: number; how: string }> {
  const N = Math.floor(bytes / 4 / K);
  const { tensors } = layoutResident([{ name: 'big', role: 'cache', layer: 0, type: 'fp32', dims: [K, N], fillKey: 'big' }]);
  const t = tensors[0]!;
  writeResidentFile(join(rig.dir, 'big.bin'), tensors, 5);
  /** Declares the resident matrix in a graph (dir/big.bin), for other probes over the same bytes. */
  const declareMatrix = (g: GraphBuilder): string =>
    g.external({ name: 'big', type: 'fp32', dims: [K, N], location: 'big.bin', offset: t.offset, length: t.length });
  const xTensor = rowInput(K);
  const r = await probeRate(rig, 'gemv', t.length, (repeats): Built => {
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
    const rig = await probeRig(dir, provider, undefined, POLICIES.quick);
    const rate = (await gemvRate(rig, 256, bytes)).rate;
    if (bytes / rate >= 0.02 || largeBytes <= bytes) return rate / 1e9;
    rmSync(join(dir, 'big.bin'), { force: true });
    try {
      return (await gemvRate(rig, 256, largeBytes)).rate / 1e9;
    } catch {
      // a buffer limit, device memory or scratch space: the small figure still ranks the provider
      return rate / 1e9;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * GPU providers: the read rate of an MHA decode graph over a resident cache (fp32, half of
 * `bytes` per layer), the access pattern of attention itself. On an H200 through WebGPU the GEMV read 0.25-0.29 TB/s while MHA
 * decode graphs read about 1 TB/s with the run cost in; the device's roofline is the best rate any
 * of these graphs reaches. Repeats are layers (each with its own cache). Null where the context
 * would be too small to mean anything.
 */
async function mhaDecodeRate(rig: ProbeRig, bytes: number): Promise<Rate | null> {
  const heads = 32;
  const headDim = 128;
  // half the GEMV's bytes per layer: the 9-layer graph of the slope holds 4.5x the GEMV matrix
  const T = Math.floor(bytes / 2 / (2 * heads * headDim * 4));
  if (T < 16) return null;
  const perLayer = 2 * heads * headDim * T * 4;
  try {
    const mha = await probeRate(rig, 'mha', perLayer, (repeats): Built => {
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
        rig.dir,
        `mha${repeats}`,
      );
      return { file: g.modelPath, feeds: randomFeeds(g.inputs, 1).feeds };
    });
    return { rate: mha.rate, how: `MHA decode graph (${heads} heads x ${headDim}, T = ${T}, fp32)${slopeNote(mha.slope)}` };
  } finally {
    for (const f of ['mha1.bin', `mha${REPEATS}.bin`]) rmSync(join(rig.dir, f), { force: true });
  }
}

/**
 * FLOP/s of a square MatMul. On the CPU both operands are fed; on a GPU provider they are
 * resident (a fed operand is an upload each run) and repeats chain C = C x B.
 */
async function matmulRate(rig: ProbeRig, M: number): Promise<{ rate: number; how: string }> {
  const { dir, provider } = rig;
  const mmOperands = layoutResident([
    { name: 'mm_a', role: 'cache', layer: 0, type: 'fp32', dims: [M, M], fillKey: 'mm_a' },
    { name: 'mm_b', role: 'cache', layer: 0, type: 'fp32', dims: [M, M], fillKey: 'mm_b' },
  ]).tensors;
  if (provider !== 'cpu') writeResidentFile(join(dir, 'mm.bin'), mmOperands, 6);
  const mm = await probeRate(rig, 'matmul', 2 * M * M * M, (repeats): Built => {
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
    const x = g.input('x', 'fp32', [1, PROBE_K]);
    g.node('Add', [g.op('ReduceSum', [c, g.ints('axes', [0])], { keepdims: 1 }), g.op('ReduceSum', [x], { keepdims: 1 })], { outputs: ['y'] });
    g.output('y', 'fp32', [1, M]);
    return { graph: g, feeds: { x: rowInput(PROBE_K) } };
  });
  const how = `MatMul ${M}x${M}x${M} fp32 on ${provider}${provider === 'cpu' ? '' : ', resident operands'}, fastest of ${mm.runs} runs${slopeNote(mm.slope)}`;
  return { rate: mm.rate, how };
}

export async function probeDevice(provider: Provider, opts: { threads?: number; bytes?: number; matmulN?: number } = {}): Promise<ProbeResult> {
  const bytes = opts.bytes ?? BANDWIDTH_PROBE_BYTES;
  // GPU providers also write the MHA candidate's 1- and 9-layer caches (5x the GEMV matrix in all)
  const dir = scratchDir('probe', provider === 'cpu' ? bytes : 6 * bytes);
  try {
    const rig = await probeRig(dir, provider, opts.threads, POLICIES.probe);
    const K = PROBE_K;
    const { N, matrixBytes, declareMatrix, rate: gemv, how: gemvHow } = await gemvRate(rig, K, bytes);
    // One ReduceSum: repeats of it would be merged (same node, same input), so no slope here.
    const reduce = await probeRate(
      rig,
      'reduce',
      matrixBytes,
      () => {
        const g = new GraphBuilder('reduce');
        const m = declareMatrix(g);
        const x = g.input('x', 'fp32', [1, K]);
        const sum = g.op('ReduceSum', [m, g.ints('axes', [0])], { keepdims: 1 }, 'probe_reduce');
        g.node('Add', [sum, g.op('ReduceSum', [x], { keepdims: 1 })], { outputs: ['y'] });
        g.output('y', 'fp32', [1, N]);
        return { graph: g, feeds: { x: rowInput(K) } };
      },
      false,
    );
    const notes: string[] = [];
    const rates: Rate[] = [
      { rate: gemv, how: gemvHow },
      { rate: reduce.rate, how: `ReduceSum over [${K},${N}] fp32${slopeNote(reduce.slope)}` },
    ];
    if (provider !== 'cpu') {
      rmSync(join(dir, 'big.bin'), { force: true }); // the GEMV and ReduceSum are done with it
      const mha = await mhaDecodeRate(rig, bytes).catch((e: unknown) => {
        // optional: a device or scratch space too small for 9 layers must not stop the sweep
        notes.push(`MHA decode candidate skipped: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
        return null;
      });
      if (mha) rates.push(mha);
    }
    const best = rates.reduce((a, b) => (b.rate > a.rate ? b : a));
    const M = opts.matmulN ?? 2048;
    const mm = await matmulRate(rig, M);
    return {
      bandwidthGBs: best.rate / 1e9,
      gflops: mm.rate / 1e9,
      bandwidthMethod: `${best.how} on ${provider} (best of: ${rates.map((x) => `${x.how} ${(x.rate / 1e9).toFixed(1)} GB/s`).join('; ')})${notes.map((n) => `; ${n}`).join('')}`,
      gflopsMethod: mm.how,
      emptyRunMs: rig.emptyRunMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
