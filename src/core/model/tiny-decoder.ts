/**
 * A small but real decoder-only transformer written as ONNX (embedding, per layer RMS-free
 * attention with past_key_values in and present out, an output projection, logits), in the
 * Hugging Face Optimum naming. Used by the tests of the ONNX import and as a demo model.
 */
import { writeFileSync } from 'node:fs';
import { GraphBuilder } from '../graph/onnx.js';
import { randomValues } from '../graph/resident.js';

export interface TinyDecoderOptions {
  layers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocab: number;
}

export function writeTinyDecoder(path: string, o: TinyDecoderOptions): void {
  const g = new GraphBuilder('tiny_decoder');
  const D = o.numHeads * o.headDim;
  const grp = o.numHeads / o.numKvHeads;
  const w = (prefix: string, dims: number[], seed: number): string =>
    g.constant(
      prefix,
      'fp32',
      dims,
      Array.from(
        randomValues(
          dims.reduce((a, b) => a * b, 1),
          seed,
          0.2,
        ),
      ),
    );
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  g.input('attention_mask', 'int64', ['batch', 'total']);
  let h = g.op('Gather', [w('embed', [o.vocab, D], 1), ids], { axis: 0 }); // [b, s, D]
  const heads = (x: string, n: number): string => g.op('Transpose', [g.op('Reshape', [x, g.ints('shape', [0, 0, n, o.headDim])])], { perm: [0, 2, 1, 3] }); // [b, n, s, d]
  for (let l = 0; l < o.layers; l++) {
    const pk = g.input(`past_key_values.${l}.key`, 'fp32', ['batch', o.numKvHeads, 'past', o.headDim]);
    const pv = g.input(`past_key_values.${l}.value`, 'fp32', ['batch', o.numKvHeads, 'past', o.headDim]);
    const q = heads(g.op('MatMul', [h, w(`wq${l}`, [D, D], 10 + l)]), o.numHeads);
    const k = heads(g.op('MatMul', [h, w(`wk${l}`, [D, o.numKvHeads * o.headDim], 20 + l)]), o.numKvHeads);
    const v = heads(g.op('MatMul', [h, w(`wv${l}`, [D, o.numKvHeads * o.headDim], 30 + l)]), o.numKvHeads);
    const kAll = g.op('Concat', [pk, k], { axis: 2 });
    const vAll = g.op('Concat', [pv, v], { axis: 2 });
    g.node('Identity', [kAll], { outputs: [`present.${l}.key`] });
    g.node('Identity', [vAll], { outputs: [`present.${l}.value`] });
    g.output(`present.${l}.key`, 'fp32', ['batch', o.numKvHeads, 'total', o.headDim]);
    g.output(`present.${l}.value`, 'fp32', ['batch', o.numKvHeads, 'total', o.headDim]);
    // repeat K/V heads for the query groups: [b, n_kv, T, d] -> [b, n_h, T, d]
    const rep = (x: string): string =>
      grp === 1
        ? x
        : g.op('Reshape', [
            g.op('Expand', [g.op('Unsqueeze', [x, g.ints('axes', [2])]), g.ints('shape', [1, 1, grp, 1, 1])]),
            g.ints('shape', [0, o.numHeads, -1, o.headDim]),
          ]);
    const scores = g.op('Mul', [
      g.op('MatMul', [q, g.op('Transpose', [rep(kAll)], { perm: [0, 1, 3, 2] })]),
      g.scalar('scale', 'fp32', 1 / Math.sqrt(o.headDim)),
    ]);
    const attn = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), rep(vAll)]); // [b, n_h, s, d]
    const merged = g.op('Reshape', [g.op('Transpose', [attn], { perm: [0, 2, 1, 3] }), g.ints('shape', [0, 0, D])]);
    h = g.op('Add', [h, g.op('MatMul', [merged, w(`wo${l}`, [D, D], 40 + l)])]);
  }
  g.node('MatMul', [h, w('lm_head', [D, o.vocab], 99)], { outputs: ['logits'] });
  g.output('logits', 'fp32', ['batch', 'seq', o.vocab]);
  writeFileSync(path, g.encode());
}
