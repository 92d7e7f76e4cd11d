/** Choosing a point's op form: each candidate timed at a moderate context, the fastest kept. */
import { isQuantizedCache } from '@/contract/lists.js';
import { quantizedForms, type Form } from '../graph/builders.js';
import { valueDim } from '../model/spec.js';
import { measure, POLICIES, type TimingPolicy } from './harness.js';
import type { PlannedPoint } from './planner.js';
import { pointGraph, removeGraph, request, timeGraph, type PointContext } from './runner-context.js';
import { MeasuredSession } from '../runtime/session.js';
import { timingFeeds } from '../graph/verify.js';
import { wantsPrepack } from '../graph/builders-quant.js';

/** Context at which competing forms of one graph are timed against each other (points up to it). */
export const FORM_CALIBRATION_CONTEXT = 4096;
/**
 * Points beyond FORM_CALIBRATION_CONTEXT are calibrated again, once, at min(T, this): a cache of a
 * few MiB stays in the CPU's caches between runs and a cache of hundreds does not, and the fastest
 * form differs (2026-12-01 on this VM, GQA at llama-3.1-8b dims: MultiHeadAttention fastest at 4K,
 * 5.8 ms against cache-left's 7.7, and 1.4x slower at 32K, 33 ms against 23).
 */
export const FORM_LONG_CALIBRATION_CONTEXT = 32768;

/** The calibration a point's form comes from: its class (the choice is kept per class) and its context. */
export function formCalibration(cacheTokens: number): { key: 'short' | 'long'; context: number } {
  return cacheTokens <= FORM_CALIBRATION_CONTEXT
    ? { key: 'short', context: cacheTokens }
    : { key: 'long', context: Math.min(cacheTokens, FORM_LONG_CALIBRATION_CONTEXT) };
}

/**
 * A candidate whose screen (3 runs after one warm-up) takes more than this many times the best
 * median so far is not timed further: its screen median is its figure. onnxruntime's fused GQA
 * op on the CPU took 6x the MatMul forms at 32K (docs/measurement.md, "Op forms").
 */
export const FORM_SCREEN_FACTOR = 2;
/** The screen: one warm-up, three runs. */
export const FORM_SCREEN_POLICY: Readonly<TimingPolicy> = { ...POLICIES.calibration, warmupRuns: 1, minSamples: 3, minTimeMs: 0, budgetMs: 0 };

/**
 * The op forms worth timing for a point, MatMul forms first (the screen compares later
 * candidates with the best of these): head-attention decode has a cache-left layout and
 * onnxruntime's fused ops, com.microsoft.MultiHeadAttention (for GQA/MQA with each K/V head's
 * query group as query positions) and com.microsoft.GroupQueryAttention; both fused ops want keys
 * and values of one head size (an MLA model's expanded MHA has 192/128).
 */
export function candidateForms(pp: Pick<PlannedPoint, 'spec' | 'mode'> & Partial<Pick<PlannedPoint, 'dtype'>> & { cacheTokens?: number }): Form[] {
  // A quantized cache: MatMulNBits on the packed cache, and the dequantizing fallback (builders-quant.ts).
  if (pp.dtype && isQuantizedCache(pp.dtype)) return quantizedForms(pp.dtype, pp.spec.kind);
  if (pp.mode !== 'decode' || pp.spec.kind === 'mla') return ['decomposed'];
  const forms: Form[] = ['decomposed', 'cache-left'];
  if (valueDim(pp.spec) !== pp.spec.headDim) return forms;
  forms.push('mha-op');
  // GroupQueryAttention holds T - 1 tokens as its past and the newest as the step's own K/V.
  if ((pp.cacheTokens ?? 2) >= 2) forms.push('gqa-op');
  return forms;
}

/**
 * Times every candidate form of the point's graph at its calibration context on this provider
 * and returns the fastest, with the medians that decided it (once per variant/mode/dtype/batch
 * and calibration class).
 * After the first, each candidate is screened first (FORM_SCREEN_POLICY); one far slower than
 * the best so far keeps its screen median and is not timed further.
 */
export async function chooseForm(pp: PlannedPoint, c: PointContext): Promise<{ form: Form; timings: Record<string, number>; unsupported?: string }> {
  const forms = candidateForms(pp);
  const quantized = isQuantizedCache(pp.dtype);
  // A quantized cache's forms are always tried: a provider may lack the kernels of every one.
  if (forms.length === 1 && !quantized) return { form: forms[0]!, timings: {} };
  const timings: Record<string, number> = {};
  const errors: string[] = [];
  const { context } = formCalibration(pp.cacheTokens);
  let best = Infinity;
  for (const form of forms) {
    const g = pointGraph(c, { ...request(pp, context, pp.batch, 1), form }, 'form');
    try {
      if (Number.isFinite(best)) {
        const screened = await screen(g, c);
        if (screened > FORM_SCREEN_FACTOR * best) {
          timings[form] = screened;
          continue;
        }
      }
      const { m, session } = await timeGraph(g, c, POLICIES.calibration);
      await session.dispose();
      timings[form] = m.summary.median;
      best = Math.min(best, m.summary.median);
    } catch (e) {
      // A form this provider cannot run is not a candidate; the others still are.
      errors.push(`${form}: ${(e as Error).message.split('\n')[0]!.slice(0, 200)}`);
    } finally {
      removeGraph(g);
    }
  }
  const ran = forms.filter((f) => timings[f] !== undefined);
  if (ran.length === 0 && quantized) {
    return { form: forms[0]!, timings, unsupported: `no form of a ${pp.dtype} cache runs on ${c.provider} (${errors.join('; ')})` };
  }
  if (ran.length === 0) return { form: 'decomposed', timings };
  const chosen = ran.reduce((a, b) => (timings[b]! < timings[a]! ? b : a));
  return { form: chosen, timings };
}

/** The screen's median (ms) of a built graph. */
async function screen(g: ReturnType<typeof pointGraph>, c: PointContext): Promise<number> {
  const session = await MeasuredSession.open(g.modelPath, { provider: c.provider, threads: c.config.threads, prepack: wantsPrepack(g) });
  try {
    const feeds = timingFeeds(g.inputs, 11);
    return (await measure(() => session.run(feeds), FORM_SCREEN_POLICY, c.cancelled)).summary.median;
  } finally {
    await session.dispose();
  }
}
