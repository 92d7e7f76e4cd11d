/** What measuring a point needs from the sweep, and the graph handling its steps share. */
import { rmSync } from 'node:fs';
import type { Point, SweepConfig } from '@/contract/schemas.js';
import { buildGraph, type BuiltGraph, type Form, type GraphRequest } from '../graph/builders.js';
import { timingFeeds } from '../graph/verify.js';
import { wantsPrepack } from '../graph/builders-quant.js';
import type { Provider } from '../runtime/providers.js';
import { MeasuredSession } from '../runtime/session.js';
import { measure, type Measurement, type TimingPolicy } from './harness.js';
import type { PlannedPoint } from './planner.js';
import type { ProbeResult } from './probes.js';

/** A form's correctness against the float64 reference and its op placement, checked on a small graph. */
export interface Verified {
  error: number;
  relativeL2: number;
  ok: boolean;
  placement: Point['placement'];
  /** Quantized caches: the accuracy cost against the unquantized cache. */
  accuracy?: Point['accuracy'];
}

export interface PointContext {
  config: SweepConfig;
  provider: Provider;
  dir: string;
  probes: ProbeResult;
  /** Caches shared by the sweep's points, so each is measured once per key. */
  overhead: Map<string, number>;
  verified: Map<string, Verified>;
  forms: Map<string, { form: Form; timings: Record<string, number>; unsupported?: string }>;
  cancelled: () => boolean;
  modelLayers: number;
  /** nvidia-smi memory.used when the sweep began (device-wide), or null. */
  gpuBaselineUsedBytes: number | null;
  /** Tells the host that a point's timed runs begin or end (the app renders between them). */
  signalTiming: (active: boolean) => void;
}

/** The point's graph at `context` tokens (its own layers unless given). */
export function request(pp: PlannedPoint, context: number, batch = pp.batch, layers = pp.layers): GraphRequest {
  return {
    variant: pp.variant,
    spec: pp.spec,
    mode: pp.mode,
    batch,
    context,
    dtype: pp.dtype,
    layers,
    form: pp.form,
    prefillBlock: pp.prefillBlock,
    attendWithin: pp.attendWithin ?? null,
  };
}

let graphCounter = 0;

/** Builds a graph into the sweep's folder under a name no other graph of this process has. */
export function pointGraph(c: PointContext, req: GraphRequest, prefix: string): BuiltGraph {
  return buildGraph(req, c.dir, `${prefix}${graphCounter++}`);
}

export function removeGraph(g: BuiltGraph): void {
  rmSync(g.modelPath, { force: true });
  if (g.dataPath) rmSync(g.dataPath, { force: true });
}

/** Opens a session on the graph and times its runs through the harness (the session stays open for memory reads). */
export async function timeGraph(g: BuiltGraph, c: PointContext, policy: Readonly<TimingPolicy>): Promise<{ m: Measurement; session: MeasuredSession }> {
  const session = await MeasuredSession.open(g.modelPath, { provider: c.provider, threads: c.config.threads, prepack: wantsPrepack(g) });
  try {
    const feeds = timingFeeds(g.inputs, 11);
    return { m: await measure(() => session.run(feeds), policy, c.cancelled), session };
  } catch (e) {
    await session.dispose();
    throw e;
  }
}
