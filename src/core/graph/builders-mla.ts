/** MLA layers, naive (up-projecting the latent cache every step) or absorbed, decode and prefill. */
import { checkBufferSize, type MlaSpec } from '../model/spec.js';
import { causalMask, named, resident, scaleOf, type Ctx } from './builders-context.js';

/** MLA weights of one layer: W_UK [n_h, d_c, nope] (naive) or its transpose (absorbed), W_UV. */
export function mlaWeights(c: Ctx, s: MlaSpec, l: number, absorbed: boolean): { wuk: string; wuv: string } {
  // The absorbed form stores the transpose of the very W_UK the naive form uses (same fill key).
  const wuk = absorbed
    ? resident(c, `l${l}_w_uk_t`, 'weight', l, [s.numHeads, s.qkNopeHeadDim, s.kvLoraRank], {
        key: `l${l}_w_uk`,
        transposed: true,
      })
    : resident(c, `l${l}_w_uk`, 'weight', l, [s.numHeads, s.kvLoraRank, s.qkNopeHeadDim]);
  const wuv = resident(c, `l${l}_w_uv`, 'weight', l, [s.numHeads, s.kvLoraRank, s.vHeadDim]);
  return { wuk, wuv };
}

/**
 * MLA decode. q_nope [B, n_h, 1, nope], q_pe [B, n_h, 1, d_R]; cache c_kv [B, 1, T, d_c] and
 * k_pe [B, 1, T, d_R]. Output [B, n_h, 1, v].
 */
export function mlaDecode(c: Ctx, s: MlaSpec, qNope: string, qPe: string, l: number, absorbed: boolean): string {
  const { g } = c;
  const { batch: B, context: T } = c.r;
  const H = s.numHeads;
  const ckv = resident(c, `l${l}_cache_ckv`, 'cache', l, [B, 1, T, s.kvLoraRank]);
  const kpe = resident(c, `l${l}_cache_kpe`, 'cache', l, [B, 1, T, s.qkRopeHeadDim]);
  const { wuk, wuv } = mlaWeights(c, s, l, absorbed);
  const scale = scaleOf(c, s.qkNopeHeadDim + s.qkRopeHeadDim);
  const qn = g.op('Mul', [qNope, scale]);
  const qp = g.op('Mul', [qPe, scale]);
  if (!absorbed) {
    // Up-project every cached token for every head, every step.
    checkBufferSize(B * H * T * Math.max(s.qkNopeHeadDim, s.vHeadDim), `MLA naive up-projection [${B}, ${H}, ${T}, ·]`);
    const kNope = named(c, 'MatMul', [ckv, wuk]); // [B, H, T, nope]
    const sNope = named(c, 'MatMul', [kNope, g.op('Reshape', [qn, g.ints('shape', [B, H, s.qkNopeHeadDim, 1])])]);
    const sPe = named(c, 'MatMul', [kpe, g.op('Reshape', [qp, g.ints('shape', [B, H, s.qkRopeHeadDim, 1])])]);
    const scores = g.op('Reshape', [g.op('Add', [sNope, sPe]), g.ints('shape', [B, H, 1, T])]);
    const p = named(c, 'Softmax', [scores], { axis: -1 });
    const v = named(c, 'MatMul', [ckv, wuv]); // [B, H, T, v]
    return named(c, 'MatMul', [p, v]);
  }
  // Absorbed: W_UK folded into the query, W_UV applied after attention over the latent.
  const qLat = named(c, 'MatMul', [qn, wuk]); // [B, H, 1, d_c]
  const qLatT = g.op('Transpose', [g.op('Reshape', [qLat, g.ints('shape', [B, 1, H, s.kvLoraRank])])], { perm: [0, 1, 3, 2] });
  const qPeT = g.op('Transpose', [g.op('Reshape', [qp, g.ints('shape', [B, 1, H, s.qkRopeHeadDim])])], { perm: [0, 1, 3, 2] });
  const s1 = named(c, 'MatMul', [ckv, qLatT]); // [B, 1, T, H]
  const s2 = named(c, 'MatMul', [kpe, qPeT]); // [B, 1, T, H]
  const scores = g.op('Transpose', [g.op('Add', [s1, s2])], { perm: [0, 1, 3, 2] }); // [B, 1, H, T]
  const p = named(c, 'Softmax', [scores], { axis: -1 });
  const oLat = named(c, 'MatMul', [p, ckv]); // [B, 1, H, d_c]
  const o4 = g.op('Reshape', [oLat, g.ints('shape', [B, H, 1, s.kvLoraRank])]);
  return named(c, 'MatMul', [o4, wuv]); // [B, H, 1, v]
}

/** MLA prefill: q_nope, q_pe [B, n_h, T, ·]; c_kv [B, 1, T, d_c], k_pe [B, 1, T, d_R] inputs. */
export function mlaPrefill(c: Ctx, s: MlaSpec, io: { qNope: string; qPe: string; ckv: string; kpe: string }, l: number, absorbed: boolean): string {
  const { g } = c;
  const { batch: B, context: T } = c.r;
  const H = s.numHeads;
  checkBufferSize(B * H * T * T, `prefill scores [${B}, ${H}, ${T}, ${T}]`);
  const { wuk, wuv } = mlaWeights(c, s, l, absorbed);
  const scale = scaleOf(c, s.qkNopeHeadDim + s.qkRopeHeadDim);
  const qn = g.op('Mul', [io.qNope, scale]);
  const qp = g.op('Mul', [io.qPe, scale]);
  const kpeT = g.op('Transpose', [io.kpe], { perm: [0, 1, 3, 2] });
  const sPe = named(c, 'MatMul', [qp, kpeT]);
  const mask = causalMask(c, T);
  if (!absorbed) {
    const kNope = named(c, 'MatMul', [io.ckv, wuk]); // [B, H, T, nope]
    const sNope = named(c, 'MatMul', [qn, g.op('Transpose', [kNope], { perm: [0, 1, 3, 2] })]);
    const p = named(c, 'Softmax', [g.op('Add', [g.op('Add', [sNope, sPe]), mask])], { axis: -1 });
    const v = named(c, 'MatMul', [io.ckv, wuv]);
    return named(c, 'MatMul', [p, v]);
  }
  const qLat = named(c, 'MatMul', [qn, wuk]); // [B, H, T, d_c]
  const sLat = named(c, 'MatMul', [qLat, g.op('Transpose', [io.ckv], { perm: [0, 1, 3, 2] })]);
  const p = named(c, 'Softmax', [g.op('Add', [g.op('Add', [sLat, sPe]), mask])], { axis: -1 });
  const oLat = named(c, 'MatMul', [p, io.ckv]); // [B, H, T, d_c]
  return named(c, 'MatMul', [oLat, wuv]);
}
