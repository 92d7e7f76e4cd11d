import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HeadAttentionSpec } from '../model/spec.js';
import { MeasuredSession } from '../runtime/session.js';
import { buildSharedGqaGraph } from './builders-fused.js';
import { at4, headReference, maxExcess, type At } from './reference.js';
import { randomFeeds, tensorToFloat64, TOLERANCE } from './verify.js';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-fused-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GroupQueryAttention with past and present sharing one fed buffer', () => {
  it('writes the new token into the fed past at T - 1 and matches the float64 reference', async () => {
    const s: HeadAttentionSpec = { kind: 'gqa', numHeads: 6, numKvHeads: 2, headDim: 16 };
    const T = 20;
    const g = buildSharedGqaGraph(s, T, 'fp32', dir, 'shared');
    const { feeds, values } = randomFeeds(g.inputs, 5);
    const session = await MeasuredSession.open(g.modelPath, { provider: 'cpu' });
    try {
      const out = await session.run(feeds, { out: null, present_key: feeds.past_key!, present_value: feeds.past_value! });
      // The op wrote k_new / v_new into the very buffers that were fed: past and present are one.
      const pastK = feeds.past_key!.data as Float32Array;
      const kNew = feeds.k_new!.data as Float32Array;
      for (let h = 0; h < s.numKvHeads; h++) {
        for (let x = 0; x < s.headDim; x++) expect(pastK[(h * T + T - 1) * s.headDim + x]).toBe(kNew[h * s.headDim + x]);
      }
      const join = (past: Float64Array, last: Float64Array): At => {
        const p = at4(past, [1, s.numKvHeads, T, s.headDim]);
        return (b, h, t, x) => (t < T - 1 ? p(b, h, t, x) : last[h * s.headDim + x]!);
      };
      const expected = headReference(
        s,
        { B: 1, Tq: 1, T, causal: false },
        at4(values.get('q')!, [1, s.numHeads, 1, s.headDim]),
        join(values.get('past_key')!, values.get('k_new')!),
        join(values.get('past_value')!, values.get('v_new')!),
      );
      const { atol, rtol } = TOLERANCE.fp32;
      expect(maxExcess(tensorToFloat64(out.out!), expected, atol, rtol)).toBe(0);
    } finally {
      await session.dispose();
    }
  });
});
