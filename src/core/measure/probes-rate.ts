/**
 * How a probe's rate is taken: from the fastest run of a graph doing the work once or, on a GPU
 * provider whose fixed run cost would dominate, from the slope over repeats of the work.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../graph/onnx.js';
import type { Provider } from '../runtime/providers.js';
import { MeasuredSession } from '../runtime/session.js';
import { measure, type Measurement, type TimingPolicy } from './harness.js';

/**
 * A run of a GPU provider carries a fixed cost (dispatch, sync, read-back) that can be larger than
 * the work of one probe on a fast GPU. Where one probe run is under this many empty runs, the rate
 * is taken as the slope between a graph doing the work once and one doing it `REPEATS` times.
 */
const SLOPE_BELOW_EMPTY_RUNS = 20;
export const REPEATS = 9;

/** Where and how a set of probes runs, with the fixed cost of one run on that provider. */
export interface ProbeRig {
  dir: string;
  provider: Provider;
  threads: number | undefined;
  emptyRunMs: number;
  policy: Readonly<TimingPolicy>;
}

/** A probe graph: built here, or already written to a file (by the attention builders). */
export type Built = { graph: GraphBuilder; feeds: Record<string, ort.Tensor> } | { file: string; feeds: Record<string, ort.Tensor> };

/** A probe's runs through the timing harness (its warm-up covers shader compilation on GPU providers). */
function timeRuns(s: MeasuredSession, feeds: Record<string, ort.Tensor>, policy: Readonly<TimingPolicy>): Promise<Measurement> {
  return measure(() => s.run(feeds), policy);
}

/** Work per second of `build(1)`, or the slope between build(1) and build(REPEATS) where the fixed run cost would distort it. */
export async function probeRate(
  rig: ProbeRig,
  name: string,
  work: number,
  build: (repeats: number) => Built,
  canRepeat = true,
): Promise<{ rate: number; slope: boolean | 'rejected'; runs: number }> {
  const { dir, provider, threads, emptyRunMs, policy } = rig;
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
export const slopeNote = (slope: boolean | 'rejected'): string =>
  slope === 'rejected'
    ? `, one run (the slope over ${REPEATS} repeats was implausible, so the fixed run cost is included)`
    : slope
      ? `, slope of 1 vs ${REPEATS} per run (removes the fixed run cost)`
      : '';

/** A rig on `provider`, its fixed run cost read from an (almost) empty graph's median run. */
export async function probeRig(dir: string, provider: Provider, threads: number | undefined, policy: Readonly<TimingPolicy>): Promise<ProbeRig> {
  const e = new GraphBuilder('empty');
  const ein = e.input('x', 'fp32', [1, 4]);
  e.node('Relu', [ein], { outputs: ['y'] });
  e.output('y', 'fp32', [1, 4]);
  writeFileSync(join(dir, 'empty.onnx'), e.encode());
  const es = await MeasuredSession.open(join(dir, 'empty.onnx'), { provider, threads });
  try {
    const emptyRunMs = (await timeRuns(es, { x: new ort.Tensor('float32', new Float32Array(4), [1, 4]) }, policy)).summary.median;
    return { dir, provider, threads, emptyRunMs, policy };
  } finally {
    await es.dispose();
  }
}
