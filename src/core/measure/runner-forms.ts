/** Choosing a point's op form: each candidate timed at a moderate context, the fastest kept. */
import { isQuantizedCache } from '@/contract/lists.js';
import { quantizedForms, type Form } from '../graph/builders.js';
import { POLICIES } from './harness.js';
import type { PlannedPoint } from './planner.js';
import { pointGraph, removeGraph, request, timeGraph, type PointContext } from './runner-context.js';

/** Context at which competing forms of one graph are timed against each other. */
export const FORM_CALIBRATION_CONTEXT = 4096;

/**
 * The op forms worth timing for a point: head-attention decode has a cache-left layout, and MHA
 * decode can also use com.microsoft.MultiHeadAttention.
 */
export function candidateForms(pp: Pick<PlannedPoint, 'spec' | 'mode' | 'dtype'>): Form[] {
  // A quantized cache: MatMulNBits on the packed cache, and the dequantizing fallback (builders-quant.ts).
  if (isQuantizedCache(pp.dtype)) return quantizedForms(pp.dtype, pp.spec.kind);
  if (pp.mode !== 'decode' || pp.spec.kind === 'mla') return ['decomposed'];
  // MultiHeadAttention wants key and value of one shape (an MLA model's expanded MHA has 192/128).
  const mhaOp = pp.spec.kind === 'mha' && (pp.spec.vHeadDim ?? pp.spec.headDim) === pp.spec.headDim;
  return mhaOp ? ['decomposed', 'cache-left', 'mha-op'] : ['decomposed', 'cache-left'];
}

/**
 * Times every candidate form of the point's graph at a moderate context on this provider and
 * returns the fastest, with the medians that decided it (once per variant/mode/dtype/batch).
 */
export async function chooseForm(pp: PlannedPoint, c: PointContext): Promise<{ form: Form; timings: Record<string, number>; unsupported?: string }> {
  const forms = candidateForms(pp);
  const quantized = isQuantizedCache(pp.dtype);
  // A quantized cache's forms are always tried: a provider may lack the kernels of every one.
  if (forms.length === 1 && !quantized) return { form: forms[0]!, timings: {} };
  const timings: Record<string, number> = {};
  const errors: string[] = [];
  const context = Math.min(pp.cacheTokens, FORM_CALIBRATION_CONTEXT);
  for (const form of forms) {
    const g = pointGraph(c, { ...request(pp, c.config, context, pp.batch, 1), form }, 'form');
    try {
      const { m, session } = await timeGraph(g, c, POLICIES.calibration);
      await session.dispose();
      timings[form] = m.summary.median;
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
  const best = ran.reduce((a, b) => (timings[b]! < timings[a]! ? b : a));
  return { form: best, timings };
}
