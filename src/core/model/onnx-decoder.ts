/**
 * Importing an ONNX decoder (a model with past_key_values inputs and present outputs): its KV
 * layout read from the graph, and a decode sweep with its own weights at growing past lengths.
 * Naming conventions recognised: Hugging Face Optimum (`past_key_values.{i}.key|value` ->
 * `present.{i}.key|value`) and `past_key_{i}` / `past_value_{i}`.
 */
import type { onnx } from '../graph/onnx-pb/onnx-pb.js';
import * as ort from 'onnxruntime-node';
import { decodeModel } from '../graph/onnx.js';
import { MAX_ONNX_BYTES, readBoundedFile } from '../io/files.js';
import { DEFAULT_MEMORY_FRACTION } from '@/contract/defaults.js';
import { bytesOfOnnx, DTYPE_TABLE, dtypeOfOnnx } from '@/contract/lists.js';
import { formatBytes, SESSION_BASE_BYTES } from '../measure/planner.js';
import { availableMemory, processMemory } from '../measure/system.js';
import { measure, POLICIES } from '../measure/harness.js';
import { SpecError } from './spec.js';

export interface DecoderLayout {
  layers: number;
  numKvHeads: number;
  headDim: number;
  dtype: 'fp32' | 'fp16';
  /** Input names per layer: [key, value]. */
  pastInputs: [string, string][];
  presentOutputs: [string, string][];
  /** Other inputs the model takes (input_ids, attention_mask, position_ids, ...). */
  otherInputs: { name: string; type: 'int64' | 'int32' | 'fp32' | 'fp16'; dims: (number | string)[] }[];
  /** Analytic cache bytes per token (all layers, K and V). */
  kvBytesPerToken: number;
  /** Parameters (elements of all initializers, inline or external) and their bytes as stored. */
  params: number;
  weightBytes: number;
}

const PAST = [/^past_key_values\.(\d+)\.(key|value)$/, /^past_(key|value)_(\d+)$/, /^past\.(\d+)\.(key|value)$/];

function dimsOf(v: onnx.IValueInfoProto): (number | string)[] {
  return (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
}

function elemType(v: onnx.IValueInfoProto): number {
  return v.type?.tensorType?.elemType ?? 0;
}

/** Reads the KV layout of a decoder model; SpecError says what is missing. */
export function detectDecoderLayout(bytes: Uint8Array): DecoderLayout {
  let model: onnx.ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    throw new SpecError(`not an ONNX model: ${(e as Error).message}`);
  }
  const graph = model.graph;
  if (!graph) throw new SpecError('the ONNX file has no graph');
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !inits.has(i.name ?? ''));
  const byLayer = new Map<number, { key?: onnx.IValueInfoProto; value?: onnx.IValueInfoProto }>();
  const other: DecoderLayout['otherInputs'] = [];
  for (const i of inputs) {
    const name = i.name ?? '';
    let m: RegExpExecArray | null = null;
    let layer = -1;
    let kind = '';
    for (const re of PAST) {
      m = re.exec(name);
      if (m) {
        const [a, b] = [m[1]!, m[2]!];
        layer = Number(/^\d+$/.test(a) ? a : b);
        kind = /^\d+$/.test(a) ? b : a;
        break;
      }
    }
    if (m) {
      const e = byLayer.get(layer) ?? {};
      e[kind as 'key' | 'value'] = i;
      byLayer.set(layer, e);
    } else {
      const named = dtypeOfOnnx(elemType(i));
      const type = named === 'int64' || named === 'int32' || named === 'fp16' ? named : 'fp32';
      other.push({ name, type, dims: dimsOf(i) });
    }
  }
  if (byLayer.size === 0) {
    throw new SpecError(
      'no past_key_values inputs found (expected names like past_key_values.0.key or past_key_0): export the model with its KV cache (e.g. optimum "text-generation-with-past")',
    );
  }
  const layers = byLayer.size;
  const pastInputs: [string, string][] = [];
  let numKvHeads = 0;
  let headDim = 0;
  let dtype: 'fp32' | 'fp16' = 'fp32';
  for (let l = 0; l < layers; l++) {
    const e = byLayer.get(l);
    if (!e?.key || !e.value) throw new SpecError(`layer ${l} lacks its past key or value input (layers must be numbered 0..${layers - 1})`);
    const d = dimsOf(e.key);
    if (d.length !== 4) throw new SpecError(`${e.key.name} has ${d.length} dims; kvscope reads [batch, kv_heads, past_len, head_dim]`);
    const [h, hd] = [d[1], d[3]];
    if (typeof h !== 'number' || typeof hd !== 'number' || h < 1 || hd < 1)
      throw new SpecError(`${e.key.name}: K/V heads and head dim must be fixed numbers, got [${d.join(', ')}]`);
    if (l === 0) {
      numKvHeads = h;
      headDim = hd;
      const t = elemType(e.key);
      const named = dtypeOfOnnx(t);
      if (named === 'fp16' || named === 'fp32') dtype = named;
      else throw new SpecError(`${e.key.name} has element type ${t}; kvscope sweeps fp32 and fp16 caches`);
    } else if (h !== numKvHeads || hd !== headDim) {
      throw new SpecError(`layer ${l} has [${h} heads, ${hd} dims], layer 0 [${numKvHeads}, ${headDim}]: kvscope expects identical layers`);
    }
    pastInputs.push([e.key.name!, e.value.name!]);
  }
  const outs = (graph.output ?? []).map((o) => o.name ?? '');
  const presentOutputs = pastInputs.map(([k, v], l): [string, string] => {
    const cands = (kind: 'key' | 'value', past: string): string =>
      outs.find((o) => o === past.replace(/^past_key_values/, 'present').replace(/^past/, 'present')) ??
      outs.find((o) => new RegExp(`^present[._]?(${l}[._]${kind}|${kind}[._]${l})$`).test(o)) ??
      '';
    return [cands('key', k), cands('value', v)];
  });
  if (presentOutputs.some(([k, v]) => !k || !v)) throw new SpecError('present outputs not found for every layer (expected present.{i}.key or present_key_{i})');
  let params = 0;
  let weightBytes = 0;
  for (const t of graph.initializer ?? []) {
    // every dim a whole number from 0 up, and the element count a safe integer (a negative or
    // huge dim would give negative or non-finite weights)
    const dims = (t.dims ?? []).map((d) => Number(d));
    const n = dims.reduce((a, b) => a * b, 1);
    if (dims.some((d) => !Number.isSafeInteger(d) || d < 0) || !Number.isSafeInteger(n))
      throw new SpecError(
        `initializer ${JSON.stringify(t.name ?? '')} has dims [${dims.join(', ')}]: each dim must be a whole number from 0 up, and their product at most ${Number.MAX_SAFE_INTEGER}`,
      );
    // float and 8-bit (quantized) weights; int32/int64 initializers are shapes and indices
    if ([6, 7].includes(t.dataType ?? 1)) continue;
    params += n;
    weightBytes += n * bytesOfOnnx(t.dataType ?? DTYPE_TABLE.fp32.onnx);
  }
  return {
    layers,
    numKvHeads,
    headDim,
    dtype,
    pastInputs,
    presentOutputs,
    otherInputs: other,
    kvBytesPerToken: layers * 2 * numKvHeads * headDim * (dtype === 'fp16' ? 2 : 4),
    params,
    weightBytes,
  };
}

export interface DecoderPoint {
  past: number;
  medianMs: number;
  /** 95% interval of the median. */
  ci95Ms: [number, number];
  p95Ms: number;
  cv: number;
  reps: number;
  /** Why the timing is doubtful (empty when it met the interval target on a quiet machine). */
  noise: string[];
  /** Analytic bytes of the cache fed in (past length) and returned (past + 1). */
  analyticPastBytes: number;
  analyticPresentBytes: number;
  /** Bytes of the present tensors the model really returned. */
  measuredPresentBytes: number;
  /** RSS growth from before the past tensors were allocated to after the run. */
  rssDeltaBytes: number;
}

/**
 * Bytes one decode step at `past` tokens needs: the past K/V fed in and the present K/V returned
 * (past + 1), the attention mask (int64), the weights as stored, and a session's fixed cost.
 */
export function decoderStepBytes(layout: DecoderLayout, past: number): number {
  return layout.kvBytesPerToken * (2 * past + 1) + 8 * (past + 1) + layout.weightBytes + SESSION_BASE_BYTES;
}

/** The longest past whose step fits `budgetBytes` (0 when even the weights do not). */
export function largestDecoderPast(layout: DecoderLayout, budgetBytes: number): number {
  const perToken = 2 * layout.kvBytesPerToken + 8;
  return Math.max(0, Math.floor((budgetBytes - decoderStepBytes(layout, 0)) / perToken));
}

/**
 * The same fit check as a sweep's (SESSION_BASE_BYTES, a share of the available memory): past
 * lengths whose step would not fit are refused, before any session or tensor is made.
 */
export function checkDecoderFit(layout: DecoderLayout, pasts: number[], memory: { availableBytes: number; memoryFraction: number }): void {
  const budget = memory.availableBytes * memory.memoryFraction;
  const over = pasts.filter((p) => decoderStepBytes(layout, p) > budget).sort((a, b) => a - b);
  if (over.length === 0) return;
  const first = over[0]!;
  const largest = largestDecoderPast(layout, budget);
  throw new SpecError(
    `past length${over.length > 1 ? `s ${over.join(', ')} do` : ` ${first} does`} not fit: at ${first} a decode step needs ` +
      `${formatBytes(decoderStepBytes(layout, first))} (past and present K/V ${formatBytes(layout.kvBytesPerToken * (2 * first + 1))}, ` +
      `weights ${formatBytes(layout.weightBytes)}) but the budget is ${formatBytes(budget)} ` +
      `(${Math.round(memory.memoryFraction * 100)}% of ${formatBytes(memory.availableBytes)} available); ` +
      (largest > 0 ? `the longest past that fits is ${largest}: use shorter past lengths` : 'not even the weights fit'),
  );
}

function tensorFor(type: string, dims: number[], fill: number): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (type === 'int64') return new ort.Tensor('int64', new BigInt64Array(n).fill(BigInt(fill)), dims);
  if (type === 'int32') return new ort.Tensor('int32', new Int32Array(n).fill(fill), dims);
  if (type === 'fp16') return new ort.Tensor('float16', new Uint16Array(n), dims);
  return new ort.Tensor('float32', new Float32Array(n), dims);
}

/**
 * Decode steps at each past length with the model's own weights: one new token, the cache fed
 * as past_key_values (the Node binding moves CPU tensors only, so the cache is an input here,
 * unlike the built-in graphs' resident caches).
 */
export async function sweepDecoder(
  path: string,
  pasts: number[],
  opts: {
    budgetMs?: number;
    provider?: 'cpu' | 'webgpu';
    /** The fit check's memory (default: available now) and the share of it a step may use (default 0.8). */
    availableBytes?: number;
    memoryFraction?: number;
  } = {},
): Promise<{ layout: DecoderLayout; points: DecoderPoint[] }> {
  // regular files only, at most MAX_ONNX_BYTES (protobuf's 2 GiB), checked before reading
  const layout = detectDecoderLayout(readBoundedFile(path, { maxBytes: MAX_ONNX_BYTES, kind: 'ONNX model' }));
  checkDecoderFit(layout, pasts, {
    availableBytes: opts.availableBytes ?? availableMemory(),
    memoryFraction: opts.memoryFraction ?? DEFAULT_MEMORY_FRACTION,
  });
  const session = await ort.InferenceSession.create(path, { executionProviders: [opts.provider ?? 'cpu'], logSeverityLevel: 3 });
  const points: DecoderPoint[] = [];
  try {
    for (const past of pasts) {
      const before = processMemory();
      const feeds: Record<string, ort.Tensor> = {};
      const el = layout.dtype === 'fp16' ? 'fp16' : 'fp32';
      for (const [k, v] of layout.pastInputs) {
        feeds[k] = tensorFor(el, [1, layout.numKvHeads, past, layout.headDim], 0);
        feeds[v] = tensorFor(el, [1, layout.numKvHeads, past, layout.headDim], 0);
      }
      for (const o of layout.otherInputs) {
        const lower = o.name.toLowerCase();
        if (lower.includes('attention_mask')) feeds[o.name] = tensorFor(o.type, [1, past + 1], 1);
        else if (lower.includes('position')) feeds[o.name] = tensorFor(o.type, [1, 1], past);
        else if (lower.includes('input_ids')) feeds[o.name] = tensorFor(o.type, [1, 1], 1);
        else throw new SpecError(`input ${o.name} is not one kvscope knows how to feed (input_ids, attention_mask, position_ids)`);
      }
      let out = await session.run(feeds);
      const measuredPresentBytes = layout.presentOutputs.flat().reduce((a, n) => a + (out[n]?.data as ArrayBufferView).byteLength, 0);
      const rssDeltaBytes = processMemory().rssBytes - before.rssBytes;
      const m = await measure(
        async () => {
          out = await session.run(feeds);
        },
        { ...POLICIES.decoder, ...(opts.budgetMs !== undefined ? { budgetMs: opts.budgetMs } : {}) },
      );
      const s = m.summary;
      points.push({
        past,
        medianMs: s.median,
        ci95Ms: s.ci95,
        p95Ms: s.p95,
        cv: s.cv,
        reps: s.n,
        noise: m.noiseText,
        analyticPastBytes: layout.kvBytesPerToken * past,
        analyticPresentBytes: layout.kvBytesPerToken * (past + 1),
        measuredPresentBytes,
        rssDeltaBytes,
      });
    }
  } finally {
    await session.release();
  }
  return { layout, points };
}
