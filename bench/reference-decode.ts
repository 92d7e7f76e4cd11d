/**
 * A straightforward decode-attention implementation in TypeScript (Float32Array loops, one
 * thread), over the very cache a kvscope graph holds: the baseline the graphs are compared with.
 */
import type { BuiltGraph } from '../src/core/graph/builders.js';
import { readResident } from '../src/core/graph/resident.js';

function f32(g: BuiltGraph, name: string): Float32Array {
  const t = g.resident.find((x) => x.name === name);
  if (!t || !g.dataPath) throw new Error(`no resident ${name}`);
  return Float32Array.from(readResident(g.dataPath, t));
}

/** Returns a function running one decode step (batch 1) and the output length. */
export function straightforwardDecode(g: BuiltGraph): () => Float32Array {
  const r = g.request;
  const s = r.spec;
  const T = r.context;
  if (r.batch !== 1 || r.layers !== 1 || r.dtype !== 'fp32') throw new Error('reference handles batch 1, one layer, fp32');
  if (s.kind !== 'mla') {
    const d = s.headDim;
    const dv = s.vHeadDim ?? d;
    const H = s.numHeads;
    const group = H / s.numKvHeads;
    const kT = f32(g, 'l0_cache_kT');
    const v = f32(g, 'l0_cache_v');
    const q = new Float32Array(H * d).map((_, i) => ((i % 13) - 6) / 20);
    const scores = new Float32Array(T);
    const out = new Float32Array(H * dv);
    const scale = 1 / Math.sqrt(d);
    return () => {
      for (let h = 0; h < H; h++) {
        const kh = Math.floor(h / group);
        scores.fill(0);
        const kBase = kh * d * T;
        for (let x = 0; x < d; x++) {
          const qx = q[h * d + x]! * scale;
          const row = kBase + x * T;
          for (let t = 0; t < T; t++) scores[t]! += qx * kT[row + t]!;
        }
        let max = -Infinity;
        for (let t = 0; t < T; t++) if (scores[t]! > max) max = scores[t]!;
        let sum = 0;
        for (let t = 0; t < T; t++) sum += scores[t] = Math.exp(scores[t]! - max);
        const o = h * dv;
        for (let x = 0; x < dv; x++) out[o + x] = 0;
        const vBase = kh * T * dv;
        for (let t = 0; t < T; t++) {
          const p = scores[t]! / sum;
          const row = vBase + t * dv;
          for (let x = 0; x < dv; x++) out[o + x]! += p * v[row + x]!;
        }
      }
      return out;
    };
  }
  // MLA, absorbed: attend over the latent, then up-project the output.
  const H = s.numHeads;
  const dc = s.kvLoraRank;
  const dr = s.qkRopeHeadDim;
  const ckv = f32(g, 'l0_cache_ckv');
  const kpe = f32(g, 'l0_cache_kpe');
  const qLat = new Float32Array(H * dc).map((_, i) => ((i % 11) - 5) / 40);
  const qPe = new Float32Array(H * dr).map((_, i) => ((i % 7) - 3) / 20);
  const scores = new Float32Array(H * T);
  const oLat = new Float32Array(H * dc);
  return () => {
    for (let t = 0; t < T; t++) {
      const c = t * dc;
      const e = t * dr;
      for (let h = 0; h < H; h++) {
        let acc = 0;
        for (let x = 0; x < dc; x++) acc += qLat[h * dc + x]! * ckv[c + x]!;
        for (let x = 0; x < dr; x++) acc += qPe[h * dr + x]! * kpe[e + x]!;
        scores[h * T + t] = acc;
      }
    }
    oLat.fill(0);
    for (let h = 0; h < H; h++) {
      let max = -Infinity;
      for (let t = 0; t < T; t++) if (scores[h * T + t]! > max) max = scores[h * T + t]!;
      let sum = 0;
      for (let t = 0; t < T; t++) sum += scores[h * T + t] = Math.exp(scores[h * T + t]! - max);
      for (let t = 0; t < T; t++) {
        const p = scores[h * T + t]! / sum;
        const c = t * dc;
        for (let x = 0; x < dc; x++) oLat[h * dc + x]! += p * ckv[c + x]!;
      }
    }
    return oLat;
  };
}
