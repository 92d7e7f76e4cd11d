/**
 * A small ONNX graph writer on top of static protobufjs code generated from ONNX's own onnx.proto
 * (onnx-pb/, v1.22.0; scripts/gen-onnx-proto.sh), so graphs are encoded by a maintained protobuf
 * library. Large tensors go to external data files
 * that onnxruntime loads by path, which keeps a KV cache resident in the session.
 */
import { onnx } from './onnx-pb/onnx-pb.js';
import { DTYPE_TABLE } from '@/contract/lists.js';
import type { Dtype } from '../model/spec.js';

type ITensorProto = onnx.ITensorProto;
type INodeProto = onnx.INodeProto;
type IAttributeProto = onnx.IAttributeProto;
type IValueInfoProto = onnx.IValueInfoProto;
type IGraphProto = onnx.IGraphProto;

export const OPSET = 17;
export const MS_DOMAIN = 'com.microsoft';
const IR_VERSION = 8;

export type ElemType = Dtype | 'int64' | 'int32' | 'bool' | 'uint8';
const ELEM = (t: ElemType): number => DTYPE_TABLE[t].onnx;
export const ELEM_BYTES: Record<ElemType, number> = {
  fp32: DTYPE_TABLE.fp32.bytes,
  fp16: DTYPE_TABLE.fp16.bytes,
  fp8: DTYPE_TABLE.fp8.bytes,
  int8: DTYPE_TABLE.int8.bytes,
  int4: DTYPE_TABLE.int4.bytes,
  uint8: DTYPE_TABLE.uint8.bytes,
  int64: DTYPE_TABLE.int64.bytes,
  int32: DTYPE_TABLE.int32.bytes,
  bool: DTYPE_TABLE.bool.bytes,
};

/** A dimension: a number, or a symbolic name for dynamic sizes. */
export type Dim = number | string;
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | { graph: IGraphProto };

/** A tensor stored in an external data file, read by onnxruntime from disk at session creation. */
export interface ExternalTensor {
  name: string;
  type: ElemType;
  dims: number[];
  /** File name relative to the model file's folder. */
  location: string;
  offset: number;
  length: number;
}

function valueInfo(name: string, type: ElemType, shape: Dim[]): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM(type),
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttrValue): IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('graph' in value) return { name, type: T.GRAPH, g: value.graph };
  return { name, type: T.FLOATS, floats: value.floats };
}

/** Builds one ONNX model; node and value names are checked for uniqueness. */
export class GraphBuilder {
  readonly #nodes: INodeProto[] = [];
  readonly #initializers: ITensorProto[] = [];
  readonly #inputs: IValueInfoProto[] = [];
  readonly #outputs: IValueInfoProto[] = [];
  readonly #names: Set<string>;
  readonly #metadata = new Map<string, string>();
  #counter = 0;
  readonly #usesMs: boolean[] = [];
  /** The default-domain opset the model imports (quantized-cache graphs need 21: blocked DequantizeLinear). */
  opset = OPSET;

  /** A parent's builder makes the subgraph builders (Loop bodies): names stay unique across both. */
  constructor(
    readonly graphName: string,
    parent?: GraphBuilder,
  ) {
    this.#names = parent ? parent.#names : new Set<string>();
    this.#nodePrefix = parent ? `${graphName}/` : '';
  }

  readonly #nodePrefix: string;

  /** The graph built so far, as a subgraph attribute (a Loop's body). */
  graph(): { graph: IGraphProto } {
    return { graph: { name: this.graphName, node: this.#nodes, initializer: this.#initializers, input: this.#inputs, output: this.#outputs } };
  }

  #claim(name: string): string {
    if (this.#names.has(name)) throw new Error(`duplicate value name ${name}`);
    this.#names.add(name);
    return name;
  }

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    let name = `${prefix}_${this.#counter++}`;
    while (this.#names.has(name)) name = `${prefix}_${this.#counter++}`;
    return name;
  }

  input(name: string, type: ElemType, shape: Dim[]): string {
    this.#inputs.push(valueInfo(this.#claim(name), type, shape));
    return name;
  }

  output(name: string, type: ElemType, shape: Dim[]): void {
    this.#outputs.push(valueInfo(name, type, shape));
  }

  /** A small initializer stored inside the model. */
  constant(prefix: string, type: ElemType, dims: number[], data: ArrayLike<number> | ArrayLike<bigint>): string {
    const name = this.#claim(this.fresh(prefix));
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new Error(`${name}: ${data.length} values for dims [${dims.join(',')}]`);
    let raw: Uint8Array;
    if (type === 'fp32') raw = new Uint8Array(Float32Array.from(data as ArrayLike<number>).buffer);
    else if (type === 'fp16') raw = new Uint8Array(Uint16Array.from(data as ArrayLike<number>).buffer);
    else if (type === 'int32') raw = new Uint8Array(Int32Array.from(data as ArrayLike<number>).buffer);
    else if (type === 'bool' || type === 'uint8') raw = Uint8Array.from(data as ArrayLike<number>);
    else if (type === 'int8') raw = new Uint8Array(Int8Array.from(data as ArrayLike<number>).buffer);
    else raw = new Uint8Array(BigInt64Array.from(Array.from(data as ArrayLike<number | bigint>, (v) => BigInt(v))).buffer);
    this.#initializers.push({ name, dims, dataType: ELEM(type), rawData: raw });
    return name;
  }

  /** A small initializer given as its raw bytes (packed types: int4, fp8). */
  rawConstant(prefix: string, type: ElemType, dims: number[], raw: Uint8Array): string {
    const name = this.#claim(this.fresh(prefix));
    this.#initializers.push({ name, dims, dataType: ELEM(type), rawData: raw });
    return name;
  }

  /**
   * A small initializer also declared as a graph input (overridable, never fed): what depends on
   * it is computed when the graph runs, not folded into constants when the session is built.
   */
  overridable(prefix: string, type: ElemType, dims: number[], data: ArrayLike<number> | ArrayLike<bigint>): string {
    const name = this.constant(prefix, type, dims, data);
    this.#inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** An int64 1-D constant (shapes, axes). */
  ints(prefix: string, values: number[]): string {
    return this.constant(prefix, 'int64', [values.length], values);
  }

  /** A scalar of the given float type (fp16 values are given as floats and converted). */
  scalar(prefix: string, type: ElemType, value: number): string {
    if (type === 'fp16') return this.constant(prefix, 'fp16', [], [toHalfBits(value)]);
    return this.constant(prefix, type, [], [value]);
  }

  /**
   * A large initializer whose bytes live in an external file (resident, loaded by path). It is
   * also declared as a graph input (an overridable initializer, never fed): onnxruntime then
   * treats it as non-constant and cannot constant-fold work on it away (e.g. MLA's per-step
   * up-projection of the cache) or repack it.
   */
  external(t: ExternalTensor, opts: { constant?: boolean } = {}): string {
    this.#claim(t.name);
    // A constant one (not declared as an input) may be prepacked by the kernel that reads it:
    // MatMulNBits only takes its packed path for a constant B (builders-quant.ts).
    if (!opts.constant) this.#inputs.push(valueInfo(t.name, t.type, t.dims));
    this.#initializers.push({
      name: t.name,
      dims: t.dims,
      dataType: ELEM(t.type),
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: t.location },
        { key: 'offset', value: String(t.offset) },
        { key: 'length', value: String(t.length) },
      ],
    });
    return t.name;
  }

  /** Adds a node; returns its output names (fresh ones unless given). */
  node(op: string, inputs: string[], opts: { outputs?: number | string[]; attrs?: Record<string, AttrValue>; domain?: string; name?: string } = {}): string[] {
    const outs = Array.isArray(opts.outputs) ? opts.outputs : Array.from({ length: opts.outputs ?? 1 }, () => this.fresh(op.toLowerCase()));
    for (const o of outs) if (!this.#names.has(o)) this.#claim(o);
    if (opts.domain === MS_DOMAIN) this.#usesMs.push(true);
    this.#nodes.push({
      opType: op,
      domain: opts.domain ?? '',
      name: opts.name ?? `${this.#nodePrefix}${op}_${this.#nodes.length}`,
      input: inputs,
      output: outs,
      attribute: Object.entries(opts.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** One-output node shorthand. */
  op(op: string, inputs: string[], attrs?: Record<string, AttrValue>, name?: string): string {
    return this.node(op, inputs, { attrs, name })[0]!;
  }

  meta(key: string, value: string): void {
    this.#metadata.set(key, value);
  }

  /** The node names, in order (placement reports refer to them). */
  nodeNames(): { name: string; op: string }[] {
    return this.#nodes.map((n) => ({ name: n.name ?? '', op: n.opType ?? '' }));
  }

  encode(): Uint8Array {
    const opsets = [{ domain: '', version: this.opset }];
    if (this.#usesMs.length > 0) opsets.push({ domain: MS_DOMAIN, version: 1 });
    const model = onnx.ModelProto.create({
      // int4 and opset 21 need IR version 10
      irVersion: this.opset >= 21 ? 10 : IR_VERSION,
      producerName: 'kvscope',
      opsetImport: opsets,
      metadataProps: [...this.#metadata].map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** Decodes a model (for tests and ONNX import). */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half bits of a number, round to nearest even. */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return half;
}

/** The number a half's bits stand for. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
