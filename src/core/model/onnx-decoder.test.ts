import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/onnx.js';
import { detectDecoderLayout, sweepDecoder } from './onnx-decoder.js';
import { SpecError } from './spec.js';
import { writeTinyDecoder } from './tiny-decoder.js';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ONNX decoder import', () => {
  const path = join(dir, 'tiny.onnx');
  writeTinyDecoder(path, { layers: 3, numHeads: 8, numKvHeads: 2, headDim: 16, vocab: 500 });

  it('detects layers, K/V heads, head dim and dtype from the graph', () => {
    const l = detectDecoderLayout(readFileSync(path));
    expect(l).toMatchObject({ layers: 3, numKvHeads: 2, headDim: 16, dtype: 'fp32', kvBytesPerToken: 3 * 2 * 2 * 16 * 4 });
    expect(l.pastInputs[2]).toEqual(['past_key_values.2.key', 'past_key_values.2.value']);
    expect(l.presentOutputs[0]).toEqual(['present.0.key', 'present.0.value']);
    expect(l.otherInputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask']);
  });

  it('sweeps it with its own weights: the cache it returns grows exactly as analytic', async () => {
    const { points } = await sweepDecoder(path, [64, 2048, 8192], { budgetMs: 50 });
    expect(points.map((p) => p.past)).toEqual([64, 2048, 8192]);
    for (const p of points) {
      expect(p.measuredPresentBytes).toBe(p.analyticPresentBytes);
      expect(p.medianMs).toBeGreaterThan(0);
    }
    const growth = points[2]!.measuredPresentBytes - points[0]!.measuredPresentBytes;
    expect(growth).toBe(3 * 2 * 2 * 16 * 4 * (8192 - 64));
    // more cache, more time: the step at 8K reads 128x the cache of 64
    expect(points[2]!.medianMs).toBeGreaterThan(points[0]!.medianMs);
  });

  it('BAD CALL - not a decoder, not ONNX, irregular layers', () => {
    const g = new GraphBuilder('plain');
    const x = g.input('x', 'fp32', [1, 4]);
    g.node('Relu', [x], { outputs: ['y'] });
    g.output('y', 'fp32', [1, 4]);
    expect(() => detectDecoderLayout(g.encode())).toThrow(SpecError);
    expect(() => detectDecoderLayout(g.encode())).toThrow(/no past_key_values inputs found/);
    expect(() => detectDecoderLayout(new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]))).toThrow(/not an ONNX model/);
    const odd = new GraphBuilder('odd');
    odd.input('past_key_values.0.key', 'fp32', ['b', 2, 'p', 16]);
    odd.input('past_key_values.0.value', 'fp32', ['b', 2, 'p', 16]);
    odd.input('past_key_values.1.key', 'fp32', ['b', 4, 'p', 16]);
    odd.input('past_key_values.1.value', 'fp32', ['b', 4, 'p', 16]);
    expect(() => detectDecoderLayout(odd.encode())).toThrow(/layer 1 has \[4 heads, 16 dims\], layer 0 \[2, 16\]/);
    const three = new GraphBuilder('three');
    three.input('past_key_values.0.key', 'fp32', ['b', 'p', 16]);
    three.input('past_key_values.0.value', 'fp32', ['b', 'p', 16]);
    expect(() => detectDecoderLayout(three.encode())).toThrow(/has 3 dims; kvscope reads \[batch, kv_heads, past_len, head_dim\]/);
  });
});
