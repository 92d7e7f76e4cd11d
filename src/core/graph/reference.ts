/**
 * Float64 references for every graph kvscope builds, written from the definitions (not from
 * the graphs' layouts): attention = softmax(q k^T / sqrt(d) + causal mask) v, and MLA's naive
 * definition (K = [c W_UK, k_pe], V = c W_UV) for both MLA forms.
 */
import type { AttendWithin } from '@/contract/layers.js';
import { valueDim, type HeadAttentionSpec, type MlaSpec } from '../model/spec.js';

/** Accessor of a 4-D logical tensor [b, h, t, x]. */
export type At = (b: number, h: number, t: number, x: number) => number;

export interface AttendArgs {
  B: number;
  H: number;
  Hkv: number;
  Tq: number;
  T: number;
  d: number;
  dv: number;
  q: At;
  k: At;
  v: At;
  scale: number;
  causal: boolean;
  /** Causal prefill of a windowed layer: query i attends keys (i - W, i] (sliding) or its own chunk, [floor(i / C) C, i] (chunked). */
  within?: AttendWithin | null;
  /** Called with each query row's attention probabilities (probs[0..limit)), for the accuracy figures. */
  onProbs?: (b: number, h: number, i: number, probs: Float64Array, limit: number) => void;
}

/** The first key query i attends. */
function firstKey(i: number, within: AttendWithin | null | undefined): number {
  if (!within) return 0;
  return within.kind === 'sliding' ? Math.max(0, i - within.size + 1) : Math.floor(i / within.size) * within.size;
}

/** out [B, H, Tq, dv]. Query head h uses K/V head floor(h / (H / Hkv)). */
export function attend(a: AttendArgs): Float64Array {
  const out = new Float64Array(a.B * a.H * a.Tq * a.dv);
  const group = a.H / a.Hkv;
  const scores = new Float64Array(a.T);
  for (let b = 0; b < a.B; b++) {
    for (let h = 0; h < a.H; h++) {
      const kh = Math.floor(h / group);
      for (let i = 0; i < a.Tq; i++) {
        const limit = a.causal ? i + 1 : a.T;
        const lo = a.causal ? firstKey(i, a.within) : 0;
        let max = -Infinity;
        for (let t = lo; t < limit; t++) {
          let s = 0;
          for (let x = 0; x < a.d; x++) s += a.q(b, h, i, x) * a.k(b, kh, t, x);
          scores[t] = s * a.scale;
          if (scores[t]! > max) max = scores[t]!;
        }
        let sum = 0;
        for (let t = lo; t < limit; t++) {
          scores[t] = Math.exp(scores[t]! - max);
          sum += scores[t]!;
        }
        if (a.onProbs) {
          const probs = new Float64Array(limit);
          for (let t = 0; t < limit; t++) probs[t] = t < lo ? 0 : scores[t]! / sum;
          a.onProbs(b, h, i, probs, limit);
        }
        const base = ((b * a.H + h) * a.Tq + i) * a.dv;
        for (let t = lo; t < limit; t++) {
          const p = scores[t]! / sum;
          for (let x = 0; x < a.dv; x++) out[base + x]! += p * a.v(b, kh, t, x);
        }
      }
    }
  }
  return out;
}

/** Row-major accessor over a flat array with 4-D dims. */
export function at4(data: ArrayLike<number>, dims: number[]): At {
  const [, d1, d2, d3] = dims as [number, number, number, number];
  return (b, h, t, x) => data[((b * d1 + h) * d2 + t) * d3 + x]!;
}

export function headReference(
  s: HeadAttentionSpec,
  shape: { B: number; Tq: number; T: number; causal: boolean; within?: AttendWithin | null },
  q: At,
  k: At,
  v: At,
  onProbs?: AttendArgs['onProbs'],
): Float64Array {
  return attend({ ...shape, H: s.numHeads, Hkv: s.numKvHeads, d: s.headDim, dv: valueDim(s), q, k, v, scale: 1 / Math.sqrt(s.headDim), onProbs });
}

/**
 * MLA by its definition. qNope [B,H,Tq,nope], qPe [B,H,Tq,R]; ckv [B,T,d_c], kpe [B,T,R]
 * (as accessors over b, t, x); wuk [H, d_c, nope], wuv [H, d_c, v] flat.
 */
export function mlaReference(
  s: MlaSpec,
  shape: { B: number; Tq: number; T: number; causal: boolean; within?: AttendWithin | null },
  io: {
    qNope: At;
    qPe: At;
    ckv: (b: number, t: number, x: number) => number;
    kpe: (b: number, t: number, x: number) => number;
    wuk: ArrayLike<number>;
    wuv: ArrayLike<number>;
  },
  onProbs?: AttendArgs['onProbs'],
): Float64Array {
  const { B, T } = shape;
  const H = s.numHeads;
  const dc = s.kvLoraRank;
  const dn = s.qkNopeHeadDim;
  const dr = s.qkRopeHeadDim;
  const dv = s.vHeadDim;
  const K = new Float64Array(B * H * T * (dn + dr));
  const V = new Float64Array(B * H * T * dv);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let t = 0; t < T; t++) {
        const kb = ((b * H + h) * T + t) * (dn + dr);
        for (let x = 0; x < dn; x++) {
          let acc = 0;
          for (let c = 0; c < dc; c++) acc += io.ckv(b, t, c) * io.wuk[(h * dc + c) * dn + x]!;
          K[kb + x] = acc;
        }
        for (let x = 0; x < dr; x++) K[kb + dn + x] = io.kpe(b, t, x);
        const vb = ((b * H + h) * T + t) * dv;
        for (let x = 0; x < dv; x++) {
          let acc = 0;
          for (let c = 0; c < dc; c++) acc += io.ckv(b, t, c) * io.wuv[(h * dc + c) * dv + x]!;
          V[vb + x] = acc;
        }
      }
  const q: At = (b, h, i, x) => (x < dn ? io.qNope(b, h, i, x) : io.qPe(b, h, i, x - dn));
  return attend({
    ...shape,
    H,
    Hkv: H,
    d: dn + dr,
    dv,
    q,
    k: at4(K, [B, H, T, dn + dr]),
    v: at4(V, [B, H, T, dv]),
    scale: 1 / Math.sqrt(dn + dr),
    onProbs,
  });
}

/** Largest |a - b| beyond atol + rtol * |b|, or 0 when all values are within tolerance. */
export function maxExcess(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) !== Number.isNaN(e)) return Infinity;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (excess > worst) worst = excess;
  }
  return worst;
}
