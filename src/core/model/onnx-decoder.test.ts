import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onnx } from '../graph/onnx-pb/onnx-pb.js';
import { GraphBuilder } from '../graph/onnx.js';
import { SESSION_BASE_BYTES } from '../measure/planner.js';
import { checkDecoderFit, decoderStepBytes, detectDecoderLayout, largestDecoderPast, sweepDecoder } from './onnx-decoder.js';
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

  it('BAD CALL - negative or unsafe initializer dims are refused, not summed into negative weights', () => {
    const model = onnx.ModelProto.decode(readFileSync(path));
    const init = model.graph!.initializer![0]!;
    const name = init.name!;
    init.dims = [-5, ...(init.dims ?? []).slice(1)];
    const neg = onnx.ModelProto.encode(model).finish();
    expect(() => detectDecoderLayout(neg)).toThrow(SpecError);
    expect(() => detectDecoderLayout(neg)).toThrow(new RegExp(`initializer "${name}" has dims \\[-5, .*\\]: each dim must be a whole number from 0 up`));
    init.dims = [2 ** 40, 2 ** 40];
    expect(() => detectDecoderLayout(onnx.ModelProto.encode(model).finish())).toThrow(
      /has dims \[1099511627776, 1099511627776\]: .* their product at most 9007199254740991/,
    );
  });
});

describe('ONNX decoder fit check (the same budget as a sweep: a share of the available memory)', () => {
  const path = join(dir, 'fit.onnx');
  writeTinyDecoder(path, { layers: 3, numHeads: 8, numKvHeads: 2, headDim: 16, vocab: 500 });
  const layout = detectDecoderLayout(readFileSync(path));
  const GiB = 2 ** 30;

  it('a step needs the past and present K/V, the mask, the weights and a session', () => {
    expect(decoderStepBytes(layout, 1000)).toBe(layout.kvBytesPerToken * 2001 + 8 * 1001 + layout.weightBytes + SESSION_BASE_BYTES);
    const budget = 0.8 * GiB;
    const largest = largestDecoderPast(layout, budget);
    expect(decoderStepBytes(layout, largest)).toBeLessThanOrEqual(budget);
    expect(decoderStepBytes(layout, largest + 1)).toBeGreaterThan(budget);
    expect(() => checkDecoderFit(layout, [64, largest], { availableBytes: GiB, memoryFraction: 0.8 })).not.toThrow();
    expect(() => checkDecoderFit(layout, [64, largest + 1], { availableBytes: GiB, memoryFraction: 0.8 })).toThrow(SpecError);
    expect(largestDecoderPast(layout, layout.weightBytes)).toBe(0);
    expect(() => checkDecoderFit(layout, [1], { availableBytes: layout.weightBytes, memoryFraction: 1 })).toThrow(/not even the weights fit/);
  });

  it('BAD CALL - a past that does not fit is refused before a session or a tensor is made', async () => {
    const started = Date.now();
    const huge = 1 << 30; // 1 Gi tokens x 768 B x 2: 1.5 TiB of past and present
    await expect(sweepDecoder(path, [64, huge, 2 * huge], { budgetMs: 20, availableBytes: GiB })).rejects.toThrow(SpecError);
    await expect(sweepDecoder(path, [64, huge, 2 * huge], { budgetMs: 20, availableBytes: GiB })).rejects.toThrow(
      new RegExp(
        `^past lengths ${huge}, ${2 * huge} do not fit: at ${huge} a decode step needs 1\\.5 TiB \\(past and present K/V 1\\.5 TiB, weights [\\d.]+ KiB\\) ` +
          `but the budget is 819 MiB \\(80% of 1\\.0 GiB available\\); the longest past that fits is ${largestDecoderPast(layout, 0.8 * GiB)}: use shorter past lengths$`,
      ),
    );
    expect(Date.now() - started).toBeLessThan(5_000); // the point at 64 was not measured first
  });

  it('past lengths that fit are swept as before, under the given budget', async () => {
    const { points } = await sweepDecoder(path, [64], { budgetMs: 20, availableBytes: GiB, memoryFraction: 0.5 });
    expect(points.map((p) => p.past)).toEqual([64]);
  });
});
