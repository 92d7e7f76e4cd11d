/**
 * The blocked prefill form: the prompt's queries in blocks of Bq rows, each block against all T
 * keys with an exact softmax and the causal mask of its own rows. Scores are [B, n_h, Bq, T] per
 * block instead of [B, n_h, T, T]; prefill-blocks.ts has the block rule.
 *
 * The full blocks run as one ONNX Loop (its body is one block; the iteration number says which),
 * the last, shorter block (where Bq does not divide T) after it, unrolled. Unrolled blocks were
 * tried first: at T = 32K with 1561 blocks (Llama-3.1-8B dims) building the onnxruntime session
 * took 67 s (5.6 s with the graph optimizations off), and the node count grows with T / Bq.
 *
 * Keys are not sliced to the block's causal prefix: onnxruntime's Slice copies, so every block
 * would copy its prefix of K and V; the masked half of the scores is computed, as in the full form.
 * A windowed layer's blocks (attendWithin) do slice their keys: a window's Bq + L - 1 keys cost
 * little to copy against the T keys they spare (prefill-blocks.ts).
 */
import { checkBufferSize, type HeadAttentionSpec, type MlaSpec } from '../model/spec.js';
import { GraphBuilder } from './onnx.js';
import { headShapes, scaleOf, type Ctx } from './builders-context.js';
import { mlaWeights } from './builders-mla.js';

/** What one block's nodes get: where to emit them, its rows of a query-side tensor, its mask. */
interface Block {
  b: GraphBuilder;
  /** Rows [s, e) of x along `axis`. */
  rows: (x: string, axis: number) => string;
  /** The additive causal mask of the block's rows against its keys: [rows, keys], -inf where a key is after the row (or outside its window or chunk). */
  mask: string;
  /** The block's keys of a key-side tensor made by `padKeys` (a window's or chunk's: [s - L + 1, e)); the tensor itself where every key is attended. */
  keys: (x: string, axis: number) => string;
  /** An attention op in this block, recorded for the placement report. */
  attn: (op: string, inputs: string[], attrs?: Record<string, number>) => string;
}

/**
 * Emits the blocks and returns their outputs concatenated along `axis` (the query axis of a
 * block's output, whose dims are `dims(rows)`).
 */
function blocked(c: Ctx, heads: number, axis: number, dims: (rows: number) => number[], block: (k: Block) => string): string {
  const g = c.g;
  const T = c.r.context;
  const Bq = c.r.prefillBlock;
  const w = c.r.attendWithin;
  const keysLen = w ? Math.min(T, Bq) + w.size - 1 : T;
  checkBufferSize(c.r.batch * heads * Bq * keysLen, `prefill block scores [${c.r.batch}, ${heads}, ${Bq}, ${keysLen}]`);
  // Key positions from an overridable zero: a constant mask would be folded when the session is built.
  const keyStart = g.overridable('key_start', 'int64', [], [0]);
  const cols = w
    ? ''
    : g.op('Reshape', [g.op('Range', [keyStart, g.constant('limit', 'int64', [], [T]), g.constant('one', 'int64', [], [1])]), g.ints('shape', [1, T])]);
  const negInf = g.scalar('neg_inf', c.ct, -Infinity);
  const zero = g.scalar('zero_f', c.ct, 0);
  const attnOf =
    (b: GraphBuilder) =>
    (op: string, inputs: string[], attrs?: Record<string, number>): string => {
      const name = b.fresh(`attn_${op}`);
      c.attention.push(name);
      return b.op(op, inputs, attrs, name);
    };
  const kit = (b: GraphBuilder, s: string, e: string): Block => {
    const one = b.constant('one', 'int64', [], [1]);
    const r = b.op('Unsqueeze', [b.op('Range', [s, e, one]), b.ints('axes', [1])]);
    const s1 = b.op('Unsqueeze', [s, b.ints('axes', [0])]);
    const e1 = b.op('Unsqueeze', [e, b.ints('axes', [0])]);
    if (!w) {
      return {
        b,
        rows: (x, ax) => b.op('Slice', [x, s1, e1, b.ints('axes', [ax])]),
        mask: b.op('Where', [b.op('Greater', [cols, r]), negInf, zero]),
        keys: (x) => x,
        attn: attnOf(b),
      };
    }
    // Keys [s - L + 1, e): positions j (negative ones are the left padding), the padded tensors' rows [s, e + L - 1).
    const L = w.size;
    const lead = b.constant('lead', 'int64', [], [L - 1]);
    const j = b.op('Unsqueeze', [b.op('Range', [b.op('Sub', [b.op('Add', [s, keyStart]), lead]), b.op('Add', [e, keyStart]), one]), b.ints('axes', [0])]);
    const first =
      w.kind === 'sliding'
        ? b.op('Sub', [r, lead]) // j > i - W
        : b.op('Mul', [b.op('Div', [r, b.constant('chunk', 'int64', [], [L])]), b.constant('chunk', 'int64', [], [L])]); // j >= floor(i / C) C
    const out = b.op('Or', [b.op('Or', [b.op('Greater', [j, r]), b.op('Less', [j, b.constant('zero', 'int64', [], [0])])]), b.op('Less', [j, first])]);
    const ke = b.op('Unsqueeze', [b.op('Add', [e, lead]), b.ints('axes', [0])]);
    return {
      b,
      rows: (x, ax) => b.op('Slice', [x, s1, e1, b.ints('axes', [ax])]),
      mask: b.op('Where', [out, negInf, zero]),
      keys: (x, ax) => b.op('Slice', [x, s1, ke, b.ints('axes', [ax])]),
      attn: attnOf(b),
    };
  };
  const full = Math.floor(T / Bq);
  const body = new GraphBuilder(g.fresh('prefill_block'), g);
  const iter = body.input(body.fresh('iter'), 'int64', []);
  const cond = body.input(body.fresh('cond'), 'bool', []);
  const s = body.op('Mul', [iter, body.constant('rows', 'int64', [], [Bq])]);
  const out = block(kit(body, s, body.op('Add', [s, body.constant('rows', 'int64', [], [Bq])])));
  const condOut = body.op('Identity', [cond]);
  body.output(condOut, 'bool', []);
  body.output(out, c.ct, dims(Bq));
  const [stacked] = g.node('Loop', [g.constant('trips', 'int64', [], [full]), g.constant('go', 'bool', [], [1])], { attrs: { body: body.graph() } });
  // [n, ..., Bq, ...] -> [..., n, Bq, ...] -> [..., n * Bq, ...]
  const blockDims = dims(Bq);
  const perm = [...Array.from({ length: axis }, (_, i) => i + 1), 0, ...Array.from({ length: blockDims.length - axis }, (_, i) => axis + 1 + i)];
  const merged = blockDims.map((d, i) => (i === axis ? full * Bq : d));
  const loopOut = g.op('Reshape', [g.op('Transpose', [stacked!], { perm }), g.ints('shape', merged)]);
  if (full * Bq === T) return loopOut;
  const tail = block(kit(g, g.constant('start', 'int64', [], [full * Bq]), g.constant('limit', 'int64', [], [T])));
  return g.op('Concat', [loopOut, tail], { axis });
}

/**
 * A key-side tensor with L - 1 zero rows before its first key along `axis` (a windowed layer's
 * prefill: every block then slices Bq + L - 1 keys; the padding is masked); the tensor itself
 * where every key is attended.
 */
function padKeys(c: Ctx, x: string, axis: number, rank: number): string {
  const w = c.r.attendWithin;
  if (!w) return x;
  const pads = Array.from({ length: 2 * rank }, (_, i) => (i === axis ? w.size - 1 : 0));
  return c.g.op('Pad', [x, c.g.ints('pads', pads), c.g.scalar('pad_zero', c.ct, 0)]);
}

/** Head attention (MHA/GQA/MQA) prefill, blocked: q [B,n_h,T,d], k [B,n_kv,T,d], v [B,n_kv,T,dv] are inputs. */
export function headPrefillBlocked(c: Ctx, s: HeadAttentionSpec, q: string, k: string, v: string): string {
  const { g, B, T, d, dv, grp } = headShapes(c, s);
  const scale = scaleOf(c, d);
  const qg = g.op('Reshape', [q, g.ints('shape', [B, s.numKvHeads, grp, T, d])]);
  const kT = padKeys(c, g.op('Unsqueeze', [g.op('Transpose', [k], { perm: [0, 1, 3, 2] }), g.ints('axes', [2])]), 4, 5); // [B, n_kv, 1, d, T]
  const v5 = padKeys(c, g.op('Unsqueeze', [v, g.ints('axes', [2])]), 3, 5);
  const out = blocked(
    c,
    s.numHeads,
    3,
    (rows) => [B, s.numKvHeads, grp, rows, dv],
    ({ b, rows, mask, keys, attn }) => {
      const qb = b.op('Mul', [rows(qg, 3), scale]); // [B, n_kv, g, Bq, d]
      const scores = attn('MatMul', [qb, keys(kT, 4)]); // [B, n_kv, g, Bq, keys]
      const p = attn('Softmax', [b.op('Add', [scores, mask])], { axis: -1 });
      return attn('MatMul', [p, keys(v5, 3)]); // [B, n_kv, g, Bq, dv]
    },
  );
  return g.op('Reshape', [out, g.ints('shape', [B, s.numHeads, T, dv])]);
}

/** MLA prefill, blocked: q_nope, q_pe [B, n_h, T, ·]; c_kv [B, 1, T, d_c], k_pe [B, 1, T, d_R] inputs. */
export function mlaPrefillBlocked(c: Ctx, s: MlaSpec, io: { qNope: string; qPe: string; ckv: string; kpe: string }, l: number, absorbed: boolean): string {
  const g = c.g;
  const B = c.r.batch;
  const H = s.numHeads;
  const { wuk, wuv } = mlaWeights(c, s, l, absorbed);
  const scale = scaleOf(c, s.qkNopeHeadDim + s.qkRopeHeadDim);
  const kpeT = padKeys(c, g.op('Transpose', [io.kpe], { perm: [0, 1, 3, 2] }), 3, 4); // [B, 1, d_R, T]
  const ckvT = padKeys(c, g.op('Transpose', [io.ckv], { perm: [0, 1, 3, 2] }), 3, 4); // [B, 1, d_c, T]
  const ckv = padKeys(c, io.ckv, 2, 4);
  const whole = (op: string, inputs: string[]): string => {
    const name = g.fresh(`attn_${op}`);
    c.attention.push(name);
    return g.op(op, inputs, undefined, name);
  };
  // Naive: K_nope^T = W_UK^T c^T [B, H, nope, T] made once (no transposed copy of K_nope), V = c W_UV [B, H, T, v].
  // the padded latent gives padded K_nope^T and V (zero rows, masked)
  const kNopeT = absorbed ? '' : whole('MatMul', [g.op('Transpose', [wuk], { perm: [0, 2, 1] }), ckvT]);
  const vFull = absorbed ? '' : whole('MatMul', [ckv, wuv]);
  return blocked(
    c,
    H,
    2,
    (rows) => [B, H, rows, s.vHeadDim],
    ({ b, rows, mask, keys, attn }) => {
      const qn = b.op('Mul', [rows(io.qNope, 2), scale]);
      const qp = b.op('Mul', [rows(io.qPe, 2), scale]);
      const sPe = attn('MatMul', [qp, keys(kpeT, 3)]); // [B, H, Bq, keys]
      const sMain = absorbed ? attn('MatMul', [attn('MatMul', [qn, wuk]), keys(ckvT, 3)]) : attn('MatMul', [qn, keys(kNopeT, 3)]);
      const p = attn('Softmax', [b.op('Add', [b.op('Add', [sMain, sPe]), mask])], { axis: -1 });
      if (!absorbed) return attn('MatMul', [p, keys(vFull, 2)]); // [B, H, Bq, v]
      return attn('MatMul', [attn('MatMul', [p, keys(ckv, 2)]), wuv]); // [B, H, Bq, d_c] -> [B, H, Bq, v]
    },
  );
}
