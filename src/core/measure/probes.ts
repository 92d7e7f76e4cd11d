/**
 * Roofline probes: the device's own read bandwidth and matmul throughput, measured through
 * onnxruntime on the provider the sweep uses (so a GPU provider is probed on the GPU).
 *  - bandwidth: a GEMV over a large resident matrix ([1, K] x [K, N], the decode access pattern)
 *    and a ReduceSum over the same bytes; the faster of the two is the device's read rate.
 *  - FLOP/s: a square fp32 MatMul with both operands fed (no constant folding possible).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../graph/onnx.js';
import { layoutResident, scratchRoot, writeResidentFile } from '../graph/resident.js';
import type { Provider } from '../runtime/providers.js';
import { MeasuredSession } from '../runtime/session.js';
import { summarize } from './stats.js';

export interface ProbeResult {
  bandwidthGBs: number;
  gflops: number;
  bandwidthMethod: string;
  gflopsMethod: string;
  /** Median ms of an (almost) empty run: the fixed cost of one session.run call. */
  emptyRunMs: number;
}

async function timeRuns(s: MeasuredSession, feeds: Record<string, ort.Tensor>, reps: number): Promise<number[]> {
  await s.run(feeds); // warm-up (shader compilation on GPU providers)
  await s.run(feeds);
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Bytes of the bandwidth probe's matrix: large enough to defeat caches, small enough to be quick. */
export const BANDWIDTH_PROBE_BYTES = 256 * 2 ** 20;

/**
 * Read bandwidth of a GEMV over a `bytes`-sized resident matrix: the quick probe `--ep auto`
 * uses to pick the fastest working provider (a software Vulkan adapter loses to the CPU).
 */
export async function quickBandwidth(provider: Provider, bytes = 64 * 2 ** 20): Promise<number> {
  const dir = mkdtempSync(join(scratchRoot(bytes), 'kvscope-quick-'));
  try {
    const K = 256;
    const N = Math.floor(bytes / 4 / K);
    const g = new GraphBuilder('quick');
    const x = g.input('x', 'fp32', [1, K]);
    const { tensors } = layoutResident([{ name: 'big', role: 'cache', layer: 0, type: 'fp32', dims: [K, N], fillKey: 'big' }]);
    const t = tensors[0]!;
    g.external({ name: 'big', type: 'fp32', dims: [K, N], location: 'big.bin', offset: t.offset, length: t.length });
    g.node('MatMul', [x, 'big'], { outputs: ['y'] });
    g.output('y', 'fp32', [1, N]);
    writeFileSync(join(dir, 'quick.onnx'), g.encode());
    writeResidentFile(join(dir, 'big.bin'), tensors, 5);
    const s = await MeasuredSession.open(join(dir, 'quick.onnx'), { provider });
    try {
      const ms = summarize(await timeRuns(s, { x: new ort.Tensor('float32', new Float32Array(K).fill(0.01), [1, K]) }, 5)).median;
      return t.length / (ms / 1000) / 1e9;
    } finally {
      await s.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function probeDevice(provider: Provider, opts: { threads?: number; bytes?: number; matmulN?: number } = {}): Promise<ProbeResult> {
  const dir = mkdtempSync(join(scratchRoot(opts.bytes ?? BANDWIDTH_PROBE_BYTES), 'kvscope-probe-'));
  try {
    const K = 1024;
    const N = Math.floor((opts.bytes ?? BANDWIDTH_PROBE_BYTES) / 4 / K);
    // GEMV and ReduceSum over one resident [K, N] matrix.
    const g = new GraphBuilder('bandwidth');
    const x = g.input('x', 'fp32', [1, K]);
    const { tensors } = layoutResident([{ name: 'big', role: 'cache', layer: 0, type: 'fp32', dims: [K, N], fillKey: 'big' }]);
    const t = tensors[0]!;
    g.external({ name: 'big', type: 'fp32', dims: [K, N], location: 'big.bin', offset: t.offset, length: t.length });
    g.node('MatMul', [x, 'big'], { outputs: ['y'], name: 'probe_gemv' });
    g.output('y', 'fp32', [1, N]);
    writeFileSync(join(dir, 'gemv.onnx'), g.encode());
    const r = new GraphBuilder('reduce');
    r.external({ name: 'big', type: 'fp32', dims: [K, N], location: 'big.bin', offset: t.offset, length: t.length });
    const dummy = r.input('x', 'fp32', [1, K]);
    const sum = r.op('ReduceSum', ['big', r.ints('axes', [0])], { keepdims: 1 }, 'probe_reduce');
    r.node('Add', [sum, r.op('ReduceSum', [dummy], { keepdims: 1 })], { outputs: ['y'] });
    r.output('y', 'fp32', [1, N]);
    writeFileSync(join(dir, 'reduce.onnx'), r.encode());
    writeResidentFile(join(dir, 'big.bin'), tensors, 5);

    const xFeed = { x: new ort.Tensor('float32', new Float32Array(K).fill(0.01), [1, K]) };
    const rates: { rate: number; how: string }[] = [];
    let emptyRunMs = 0;
    for (const [file, how] of [
      ['gemv.onnx', `GEMV [1,${K}]x[${K},${N}] fp32`],
      ['reduce.onnx', `ReduceSum over [${K},${N}] fp32`],
    ] as const) {
      const s = await MeasuredSession.open(join(dir, file), { provider, threads: opts.threads });
      try {
        // Fastest of the runs: the attainable peak, as for FLOP/s below.
        const ms = summarize(await timeRuns(s, xFeed, 9)).min;
        rates.push({ rate: t.length / (ms / 1000) / 1e9, how });
      } finally {
        await s.dispose();
      }
    }
    const best = rates.reduce((a, b) => (b.rate > a.rate ? b : a));

    const M = opts.matmulN ?? 2048;
    const mm = new GraphBuilder('matmul');
    const a = mm.input('a', 'fp32', [M, M]);
    const b = mm.input('b', 'fp32', [M, M]);
    mm.node('MatMul', [a, b], { outputs: ['y'], name: 'probe_matmul' });
    mm.output('y', 'fp32', [M, M]);
    writeFileSync(join(dir, 'matmul.onnx'), mm.encode());
    const s = await MeasuredSession.open(join(dir, 'matmul.onnx'), { provider, threads: opts.threads });
    let gflops: number;
    try {
      const feeds = {
        a: new ort.Tensor('float32', new Float32Array(M * M).fill(0.5), [M, M]),
        b: new ort.Tensor('float32', new Float32Array(M * M).fill(0.25), [M, M]),
      };
      // Best of the runs: the device's attainable peak for this kernel, not a typical run.
      const min = summarize(await timeRuns(s, feeds, 7)).min;
      gflops = (2 * M * M * M) / (min / 1000) / 1e9;
    } finally {
      await s.dispose();
    }

    // Fixed cost of one run: a graph that does nearly nothing.
    const e = new GraphBuilder('empty');
    const ein = e.input('x', 'fp32', [1, 4]);
    e.node('Relu', [ein], { outputs: ['y'] });
    e.output('y', 'fp32', [1, 4]);
    writeFileSync(join(dir, 'empty.onnx'), e.encode());
    const es = await MeasuredSession.open(join(dir, 'empty.onnx'), { provider, threads: opts.threads });
    try {
      emptyRunMs = summarize(await timeRuns(es, { x: new ort.Tensor('float32', new Float32Array(4), [1, 4]) }, 50)).median;
    } finally {
      await es.dispose();
    }
    return {
      bandwidthGBs: best.rate,
      gflops,
      bandwidthMethod: `${best.how} on ${provider} (best of: ${rates.map((x) => `${x.how} ${x.rate.toFixed(1)} GB/s`).join('; ')})`,
      gflopsMethod: `MatMul ${M}x${M}x${M} fp32 on ${provider}, fastest of 7 runs`,
      emptyRunMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
