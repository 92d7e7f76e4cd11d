/**
 * Checks a built graph on a provider against the float64 reference: random inputs, one run,
 * every layer's output compared within the dtype's tolerance.
 */
import * as ort from 'onnxruntime-node';
import { MeasuredSession, type Feeds } from '../runtime/session.js';
import type { Provider } from '../runtime/providers.js';
import type { Dtype } from '../model/spec.js';
import type { BuiltGraph, TensorInfo } from './builders.js';
import { toHalfBits, fromHalfBits } from './onnx.js';
import { at4, headReference, maxExcess, mlaReference, type At } from './reference.js';
import { cacheFillValues, randomValues, readResident } from './resident.js';
import { dequantizeRow, fromE4M3Bits, quantizeRow, toE4M3Bits } from './quant.js';
import type { AttendArgs } from './reference.js';
import { wantsPrepack } from './builders-quant.js';

/** Absolute and relative tolerance per dtype (outputs are O(0.1..1)). */
export const TOLERANCE: Record<Dtype, { atol: number; rtol: number }> = {
  fp32: { atol: 2e-5, rtol: 1e-4 },
  fp16: { atol: 4e-3, rtol: 1e-2 },
  // Quantized caches are checked against the reference over the values the cache stores (the
  // dequantized ones), computed in fp32: the fp32 bounds. Their cost against the unquantized
  // cache is measured, not bounded (quantAccuracy).
  fp8: { atol: 2e-5, rtol: 1e-4 },
  int8: { atol: 2e-5, rtol: 1e-4 },
  int4: { atol: 2e-5, rtol: 1e-4 },
};

/**
 * On a GPU provider, fp16 graphs may also pass on their relative L2 error: a provider that
 * accumulates in fp16 (WebGPU on an NVIDIA H200 did) misses the elementwise bounds by ~1e-2 on
 * MLA's 576-long dot products. The CPU keeps the elementwise bounds alone. A wrong layout or mask
 * is far above this limit; a wrong softmax scale is not (with inputs in [-0.5, 0.5) the scores are
 * small and the softmax nearly flat), but the fp32 check, which the same builder code passes at
 * 2e-5, catches that.
 */
export const FP16_MAX_RELATIVE_L2 = 2e-2;

export interface VerifyResult {
  ok: boolean;
  /** Quantized caches: the accuracy cost against the unquantized cache (absent otherwise). */
  accuracy?: QuantAccuracy;
  /** ||actual - reference||2 / ||reference||2 over all layers. */
  relativeL2: number;
  /** Largest absolute difference from the reference over all layers. */
  maxAbsError: number;
  /** Largest excess beyond atol + rtol*|ref| (0 when within tolerance). */
  excess: number;
  tolerance: { atol: number; rtol: number };
}

/** Feeds of random values, and their float64 values as the graph sees them (after rounding). */
export function randomFeeds(inputs: TensorInfo[], seed: number): { feeds: Feeds; values: Map<string, Float64Array> } {
  const feeds: Feeds = {};
  const values = new Map<string, Float64Array>();
  inputs.forEach((info, i) => {
    const n = info.dims.reduce((a, b) => a * b, 1);
    const raw = randomValues(n, seed + 101 * (i + 1));
    if (info.type === 'fp16') {
      const bits = Uint16Array.from(raw, (v) => toHalfBits(v));
      feeds[info.name] = new ort.Tensor('float16', bits, info.dims);
      values.set(info.name, Float64Array.from(bits, fromHalfBits));
    } else {
      const f = Float32Array.from(raw);
      feeds[info.name] = new ort.Tensor('float32', f, info.dims);
      values.set(info.name, Float64Array.from(f));
    }
  });
  return { feeds, values };
}

/**
 * Random feeds for timed runs, made 1M elements at a time in the feed's own type: no float64 copy
 * of the inputs (at T = 32K, DeepSeek-V3's prefill queries are 3 GiB in fp32).
 */
export function timingFeeds(inputs: TensorInfo[], seed: number): Feeds {
  const feeds: Feeds = {};
  const chunk = 1 << 20;
  inputs.forEach((info, i) => {
    const n = info.dims.reduce((a, b) => a * b, 1);
    const half = info.type === 'fp16';
    const data = half ? new Uint16Array(n) : new Float32Array(n);
    for (let o = 0; o < n; o += chunk) {
      const raw = randomValues(Math.min(chunk, n - o), seed + 101 * (i + 1) + o);
      if (half)
        (data as Uint16Array).set(
          Uint16Array.from(raw, (v) => toHalfBits(v)),
          o,
        );
      else data.set(raw, o);
    }
    feeds[info.name] = new ort.Tensor(half ? 'float16' : 'float32', data, info.dims);
  });
  return feeds;
}

export function tensorToFloat64(t: ort.Tensor): Float64Array {
  if (t.type === 'float16') return Float64Array.from(t.data as Uint16Array, fromHalfBits);
  return Float64Array.from(t.data as Float32Array);
}

/**
 * A quantized cache's logical tensor as float64: its original (unquantized) values, or the values
 * it stores (quantized and read back: q * scale per block along the last axis; fp8 rounded).
 */
export function quantCacheValues(g: BuiltGraph, name: string, which: 'stored' | 'original'): Float64Array {
  const qc = g.quantCaches.find((x) => x.name === name);
  if (!qc) throw new Error(`graph has no quantized cache ${name}`);
  const n = qc.dims.reduce((a, b) => a * b, 1);
  const x = cacheFillValues(qc.fillKey, 0, n, g.request.seed);
  const dtype = g.request.dtype;
  if (which === 'original') return x;
  if (dtype === 'fp8') return x.map((v) => fromE4M3Bits(toE4M3Bits(v)));
  if (dtype !== 'int8' && dtype !== 'int4') throw new Error(`${dtype} is not a quantized cache dtype`);
  const cols = qc.dims[qc.dims.length - 1]!;
  const out = new Float64Array(n);
  for (let r0 = 0; r0 < n; r0 += cols) {
    const { q, scales } = quantizeRow(x.subarray(r0, r0 + cols), dtype);
    out.set(dequantizeRow(q, scales, dtype), r0);
  }
  return out;
}

/** Which cache values a reference reads, and where its attention probabilities go. */
export interface ReferenceOptions {
  /** Quantized caches: the values stored (default; the graph's own check) or the unquantized ones (the accuracy cost). */
  cache?: 'stored' | 'original';
  onProbs?: AttendArgs['onProbs'];
}

/** The float64 reference output of layer l of a built graph, for given input values. */
export function referenceOutput(g: BuiltGraph, values: Map<string, Float64Array>, l: number, opts: ReferenceOptions = {}): Float64Array {
  const r = g.request;
  const s = r.spec;
  const B = r.batch;
  const T = r.context;
  const decode = r.mode === 'decode';
  const shape = { B, T, Tq: decode ? 1 : T, causal: !decode, within: decode ? null : r.attendWithin };
  const res = (suffix: string): Float64Array => {
    if (g.quantCaches.length > 0 && suffix.startsWith('cache_')) return quantCacheValues(g, `l${l}_${suffix}`, opts.cache ?? 'stored');
    const t = g.resident.find((x) => x.name === `l${l}_${suffix}`);
    if (!t || !g.dataPath) throw new Error(`graph has no resident tensor l${l}_${suffix}`);
    return readResident(g.dataPath, t);
  };
  const input = (name: string): Float64Array => {
    const v = values.get(name);
    if (!v) throw new Error(`no input ${name}`);
    return v;
  };
  if (s.kind !== 'mla') {
    const dv = s.vHeadDim ?? s.headDim;
    const q = at4(input('q'), [B, s.numHeads, shape.Tq, s.headDim]);
    if (!decode) {
      return headReference(s, shape, q, at4(input('k'), [B, s.numKvHeads, T, s.headDim]), at4(input('v'), [B, s.numKvHeads, T, dv]), opts.onProbs);
    }
    if (r.form === 'cache-left' || r.form === 'dequant' || r.form === 'nbits') {
      const vT = res('cache_vT');
      const vAt: At = (b, h, t, x) => vT[((b * s.numKvHeads + h) * dv + x) * T + t]!;
      return headReference(s, shape, q, at4(res('cache_k'), [B, s.numKvHeads, T, s.headDim]), vAt, opts.onProbs);
    }
    if (r.form === 'gqa-op') {
      // T - 1 tokens of past [B, n_kv, T - 1, d] and the newest token [B, 1, n_kv * d].
      const d = s.headDim;
      const join = (past: Float64Array, last: Float64Array): At => {
        const p = at4(past, [B, s.numKvHeads, T - 1, d]);
        return (b, h, t, x) => (t < T - 1 ? p(b, h, t, x) : last[(b * s.numKvHeads + h) * d + x]!);
      };
      return headReference(s, shape, q, join(res('cache_k'), res('cache_knew')), join(res('cache_v'), res('cache_vnew')));
    }
    const v = at4(res('cache_v'), [B, s.numKvHeads, T, dv]);
    if (r.form === 'mha-op') return headReference(s, shape, q, at4(res('cache_k'), [B, s.numKvHeads, T, s.headDim]), v, opts.onProbs);
    const kT = res('cache_kT');
    const d = s.headDim;
    const k: At = (b, h, t, x) => kT[((b * s.numKvHeads + h) * d + x) * T + t]!;
    return headReference(s, shape, q, k, v, opts.onProbs);
  }
  const dc = s.kvLoraRank;
  const dr = s.qkRopeHeadDim;
  const dn = s.qkNopeHeadDim;
  let wuk: Float64Array;
  if (r.variant === 'mla-absorbed') {
    const t = res('w_uk_t'); // [H, dn, dc] -> logical [H, dc, dn]
    wuk = new Float64Array(t.length);
    for (let h = 0; h < s.numHeads; h++) for (let c = 0; c < dc; c++) for (let x = 0; x < dn; x++) wuk[(h * dc + c) * dn + x] = t[(h * dn + x) * dc + c]!;
  } else {
    wuk = res('w_uk');
  }
  const ckv = decode ? res('cache_ckv') : input('c_kv');
  const kpe = decode ? res('cache_kpe') : input('k_pe');
  return mlaReference(
    s,
    shape,
    {
      qNope: at4(input('q_nope'), [B, s.numHeads, shape.Tq, dn]),
      qPe: at4(input('q_pe'), [B, s.numHeads, shape.Tq, dr]),
      ckv: (b, t, x) => ckv[(b * T + t) * dc + x]!,
      kpe: (b, t, x) => kpe[(b * T + t) * dr + x]!,
      wuk,
      wuv: res('w_uv'),
    },
    opts.onProbs,
  );
}

/** What a quantized cache costs in accuracy, against the fp32 reference over the same, unquantized cache. */
export interface QuantAccuracy {
  /** Largest |graph output - reference| over every layer's output. */
  maxAbsError: number;
  /** ||graph output - reference||2 / ||reference||2. */
  relativeL2: number;
  /**
   * Mean over (sequence, head, query) of KL(P || P_q) in nats: P the attention probabilities over
   * the unquantized cache, P_q over the stored (dequantized) one, both in float64.
   */
  klDivergence: number;
  /** Cached tokens of the graph the figures come from. */
  context: number;
}

/** Mean KL(p || q) over rows (nats); rows are probability vectors of equal length per pair. */
export function meanKl(p: Float64Array[], q: Float64Array[]): number {
  if (p.length !== q.length || p.length === 0) throw new Error(`KL over ${p.length} and ${q.length} rows`);
  let total = 0;
  p.forEach((pr, i) => {
    const qr = q[i]!;
    let kl = 0;
    for (let t = 0; t < pr.length; t++) if (pr[t]! > 0) kl += pr[t]! * Math.log(pr[t]! / qr[t]!);
    total += kl;
  });
  return total / p.length;
}

/** Accuracy of a quantized graph's outputs (all layers) for the given inputs, against the unquantized cache. */
export function quantAccuracy(g: BuiltGraph, values: Map<string, Float64Array>, outputs: Float64Array[]): QuantAccuracy {
  let maxAbsError = 0;
  let diff2 = 0;
  let ref2 = 0;
  const pOrig: Float64Array[] = [];
  const pStored: Float64Array[] = [];
  for (let l = 0; l < g.request.layers; l++) {
    const expected = referenceOutput(g, values, l, { cache: 'original', onProbs: (_b, _h, _i, p) => pOrig.push(p) });
    referenceOutput(g, values, l, { cache: 'stored', onProbs: (_b, _h, _i, p) => pStored.push(p) });
    const actual = outputs[l]!;
    for (let i = 0; i < actual.length; i++) {
      const d = actual[i]! - expected[i]!;
      maxAbsError = Math.max(maxAbsError, Math.abs(d) || 0);
      diff2 += Number.isFinite(d) ? d * d : Infinity;
      ref2 += expected[i]! * expected[i]!;
    }
  }
  return { maxAbsError, relativeL2: ref2 > 0 ? Math.sqrt(diff2 / ref2) : Math.sqrt(diff2), klDivergence: meanKl(pOrig, pStored), context: g.request.context };
}

/** The verdict: within the elementwise bounds, or (fp16 on a GPU provider) within the relative L2 limit. */
export function outputsAgree(excess: number, relativeL2: number, dtype: Dtype, provider: Provider): boolean {
  return excess === 0 || (dtype === 'fp16' && provider !== 'cpu' && relativeL2 <= FP16_MAX_RELATIVE_L2);
}

/** Runs the graph once on `provider` and compares every layer with the reference. */
export async function verifyGraph(g: BuiltGraph, provider: Provider, seed = 7): Promise<VerifyResult> {
  const tolerance = TOLERANCE[g.request.dtype];
  const { feeds, values } = randomFeeds(g.inputs, seed);
  const session = await MeasuredSession.open(g.modelPath, { provider, prepack: wantsPrepack(g) });
  try {
    const out = await session.run(feeds);
    let maxAbsError = 0;
    let excess = 0;
    let diff2 = 0;
    let ref2 = 0;
    const outputs: Float64Array[] = [];
    for (let l = 0; l < g.request.layers; l++) {
      const actual = tensorToFloat64(out[`out_l${l}`]!);
      outputs.push(actual);
      const expected = referenceOutput(g, values, l);
      for (let i = 0; i < actual.length; i++) {
        const d = actual[i]! - expected[i]!;
        maxAbsError = Math.max(maxAbsError, Math.abs(d) || 0);
        diff2 += Number.isFinite(d) ? d * d : Infinity;
        ref2 += expected[i]! * expected[i]!;
      }
      excess = Math.max(excess, maxExcess(actual, expected, tolerance.atol, tolerance.rtol));
    }
    const relativeL2 = ref2 > 0 ? Math.sqrt(diff2 / ref2) : Math.sqrt(diff2);
    const ok = outputsAgree(excess, relativeL2, g.request.dtype, provider);
    const accuracy = g.quantCaches.length > 0 ? quantAccuracy(g, values, outputs) : undefined;
    return { ok, maxAbsError, relativeL2, excess, tolerance, ...(accuracy ? { accuracy } : {}) };
  } finally {
    await session.dispose();
  }
}
