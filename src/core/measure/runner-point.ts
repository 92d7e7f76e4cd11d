/**
 * A point's first visit: its form chosen, correctness and placement checked, the fixed run cost
 * timed (each once per key across the sweep), then its first round. A point that cannot run
 * comes back with its status and reason instead.
 */
import type { Point } from '@/contract/schemas.js';
import type { BuiltGraph } from '../graph/builders.js';
import { randomFeeds, verifyGraph } from '../graph/verify.js';
import { MeasuredSession, placementReport, providerShortName } from '../runtime/session.js';
import { CancelledError, POLICIES, roundsDone } from './harness.js';
import { predictedStepSeconds, type PlannedPoint } from './planner.js';
import { pointGraph, removeGraph, request, timeGraph, type PointContext, type Verified } from './runner-context.js';
import { chooseForm, formCalibration } from './runner-forms.js';
import { wantsPrepack } from '../graph/builders-quant.js';
import { isQuantizedCache } from '@/contract/lists.js';
import { pointOf, runRound, type RoundState } from './runner-round.js';

/** Cached tokens of the graph that measures the fixed per-run overhead. */
export const OVERHEAD_CONTEXT = 16;
const VERIFY_CONTEXT = 16;
/**
 * Cached tokens of the verification graph of a quantized cache, where its accuracy cost is taken:
 * two full blocks of 32 along V^T's tokens.
 */
export const QUANT_VERIFY_CONTEXT = 64;
/** Query rows per block when a blocked prefill form is verified: 3 full blocks and one of 1 row at T = 16. */
export const VERIFY_PREFILL_BLOCK = 5;
/** The window or chunk a windowed prefill's small graph is checked with (its blocks of 5 straddle it at T = 16). */
const VERIFY_WINDOW = 6;

/** Steps predicted longer than this are timed under POLICIES.longPoint. */
export const LONG_STEP_SECONDS = 0.25;

function basePoint(pp: PlannedPoint): Point {
  return {
    id: pp.id,
    variant: pp.variant,
    mode: pp.mode,
    context: pp.context,
    cacheTokens: pp.cacheTokens,
    batch: pp.batch,
    dtype: pp.dtype,
    status: 'ok',
    spec: pp.spec,
    form: pp.form,
    ...(pp.prefillBlock ? { prefillBlock: pp.prefillBlock } : {}),
    ...(pp.attendWithin ? { attendWithin: pp.attendWithin } : {}),
    kvBytesPerTokenPerLayer: pp.kvBytesPerTokenPerLayer,
    modelCacheBytes: pp.modelCacheBytes,
    hypothetical: pp.hypothetical,
    ...(pp.layerGroup ? { layerGroup: pp.layerGroup } : {}),
    layers: pp.layers,
    ...(pp.layersNote ? { layersNote: pp.layersNote } : {}),
  };
}

/** The point's form checked on a small graph against the float64 reference, and where its ops ran (once per variant/mode/dtype/form). */
async function verifyForm(pp: PlannedPoint, c: PointContext, graphs: BuiltGraph[]): Promise<Verified> {
  // The blocked form is checked with blocks that do not divide the context (the Loop and the last, shorter block).
  // A window or chunk is checked shrunk to VERIFY_WINDOW, so that the small graph's blocks straddle it.
  const within = pp.attendWithin ? { ...pp.attendWithin, size: Math.min(pp.attendWithin.size, VERIFY_WINDOW) } : null;
  const context = isQuantizedCache(pp.dtype) ? QUANT_VERIFY_CONTEXT : VERIFY_CONTEXT;
  const req = {
    ...request(pp, context, 1, 1),
    ...(pp.form === 'blocked' ? { prefillBlock: VERIFY_PREFILL_BLOCK } : {}),
    attendWithin: within,
  };
  const small = pointGraph(c, req, 'verify');
  graphs.push(small);
  const r = await verifyGraph(small, c.provider);
  const ps = await MeasuredSession.open(small.modelPath, { provider: c.provider, profile: true, prepack: wantsPrepack(small) });
  await ps.run(randomFeeds(small.inputs, 2).feeds);
  const placed = ps.placement();
  await ps.dispose();
  const rep = placementReport(placed, small.attentionNodes, c.provider);
  const byProvider: Record<string, number> = {};
  for (const n of placed) byProvider[providerShortName(n.provider)] = (byProvider[providerShortName(n.provider)] ?? 0) + 1;
  return {
    error: r.maxAbsError,
    relativeL2: r.relativeL2,
    ok: r.ok,
    placement: { attention: rep.attention, fellBack: rep.fellBack, byProvider },
    ...(r.accuracy ? { accuracy: r.accuracy } : {}),
  };
}

/** The point after its first round, and its state where more rounds are due (null once settled or not timed). */
export async function measurePoint(planned: PlannedPoint, c: PointContext): Promise<{ point: Point; state: RoundState | null }> {
  const point = (x: Point): { point: Point; state: null } => ({ point: x, state: null });
  let pp = planned;
  let p = basePoint(pp);
  const t0 = performance.now();
  if (pp.unsupported) return point({ ...p, status: 'unsupported', reason: pp.unsupported });
  if (!pp.fits) return point({ ...p, status: 'does-not-fit', reason: pp.reason });
  const predicted = predictedStepSeconds(pp, c.probes.bandwidthGBs, c.probes.gflops);
  if (predicted > c.config.maxStepSeconds) {
    return point({
      ...p,
      status: 'too-slow',
      reason: `predicted ${predicted.toFixed(2)} s per step from the probes (${(pp.flops / 1e9).toFixed(1)} GFLOP, ${(pp.bytesRead / 1e9).toFixed(2)} GB) is over maxStepSeconds ${c.config.maxStepSeconds}`,
    });
  }
  const graphs: BuiltGraph[] = [];
  try {
    const fkey = `${pp.variant}/${pp.mode}/${pp.dtype}/b${pp.batch}/${formCalibration(pp.cacheTokens).key}`;
    // Prefill's form is the planner's (full or blocked by the workspace bound), not timed.
    let choice = pp.mode === 'prefill' ? { form: pp.form, timings: {} } : c.forms.get(fkey);
    if (!choice) {
      choice = await chooseForm(pp, c);
      c.forms.set(fkey, choice);
    }
    if (choice.unsupported) return point({ ...p, status: 'unsupported', reason: choice.unsupported });
    pp = { ...pp, form: choice.form };
    p = { ...basePoint(pp), ...(Object.keys(choice.timings).length > 0 ? { formTimingsMs: choice.timings } : {}) };
    const vkey = `${pp.variant}/${pp.mode}/${pp.dtype}/${pp.form}${pp.attendWithin ? `/${pp.attendWithin.kind}` : ''}`;
    let v = c.verified.get(vkey);
    if (!v && c.config.verify) {
      v = await verifyForm(pp, c, graphs);
      c.verified.set(vkey, v);
    }
    if (v && !v.ok) {
      return point({
        ...p,
        status: 'failed',
        reason: `outputs differ from the float64 reference (max abs error ${v.error.toExponential(2)}, relative L2 error ${v.relativeL2.toExponential(2)})`,
        verifyMaxAbsError: v.error,
        placement: v.placement,
      });
    }
    // Fixed per-run overhead: the same graph at a tiny context, once per variant/mode/dtype/form/batch/layers.
    const okey = `${vkey}/b${pp.batch}/L${pp.layers}`;
    let overheadMs = c.overhead.get(okey);
    if (overheadMs === undefined && pp.mode === 'decode') {
      const tiny = pointGraph(c, request(pp, OVERHEAD_CONTEXT), 'overhead');
      graphs.push(tiny);
      const { m, session } = await timeGraph(tiny, c, POLICIES.overhead);
      await session.dispose();
      overheadMs = m.summary.median;
      c.overhead.set(okey, overheadMs);
    }

    const long = predicted > LONG_STEP_SECONDS;
    const st: RoundState = {
      pp,
      base: p,
      policy: { ...(long ? POLICIES.longPoint : POLICIES.point), budgetMs: c.config.budgetSeconds * 1000 },
      rounds: [],
      spentMs: 0,
      loads: [],
      overheadMs: overheadMs ?? null,
      v,
      mem: null,
      seconds: (performance.now() - t0) / 1000,
    };
    await runRound(st, c);
    return { point: pointOf(st, c), state: roundsDone(st.rounds, st.spentMs, st.policy) || c.cancelled() ? null : st };
  } catch (e) {
    if (e instanceof CancelledError) return point({ ...p, status: 'cancelled', reason: 'sweep cancelled before this point was timed' });
    return point({ ...p, status: 'failed', reason: (e as Error).message.split('\n')[0]!.slice(0, 500), seconds: (performance.now() - t0) / 1000 });
  } finally {
    for (const g of graphs) removeGraph(g);
  }
}
