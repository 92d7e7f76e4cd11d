import { describe, expect, it } from 'vitest';
import { decodeModel, fromHalfBits, GraphBuilder, toHalfBits } from './onnx.js';

describe('half precision conversion', () => {
  it.each([
    [0, 0x0000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [1e6, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001],
    [1 + 2 ** -11, 0x3c00], // ties to even
    [1 + 3 * 2 ** -11, 0x3c02],
  ])('%d -> %d', (value, bits) => {
    expect(toHalfBits(value)).toBe(bits);
  });
  it('round-trips every finite half', () => {
    for (let h = 0; h < 0x7c00; h += 7) expect(toHalfBits(fromHalfBits(h))).toBe(h);
  });
});

describe('GraphBuilder', () => {
  it('encodes a model that protobuf decodes back, with metadata and external tensors', () => {
    const g = new GraphBuilder('t');
    const x = g.input('x', 'fp32', [1, 4]);
    const w = g.external({ name: 'w', type: 'fp16', dims: [4, 4], location: 'w.bin', offset: 0, length: 32 });
    g.node('MatMul', [x, w], { outputs: ['y'] });
    g.output('y', 'fp32', [1, 4]);
    g.meta('kvscope.form', 'decomposed');
    const m = decodeModel(g.encode());
    expect(m.graph?.node?.[0]?.opType).toBe('MatMul');
    expect(m.metadataProps?.[0]).toMatchObject({ key: 'kvscope.form', value: 'decomposed' });
    const init = m.graph?.initializer?.[0];
    expect(init?.dataLocation).toBe(1);
    expect(init?.externalData?.map((e) => e.key)).toEqual(['location', 'offset', 'length']);
    // declared as an input too, so onnxruntime cannot constant-fold it
    expect(m.graph?.input?.map((i) => i.name)).toEqual(['x', 'w']);
  });
  it('BAD CALL - duplicate names and wrong data lengths', () => {
    const g = new GraphBuilder('t');
    g.input('x', 'fp32', [1]);
    expect(() => g.input('x', 'fp32', [1])).toThrow(/duplicate value name x/);
    expect(() => g.constant('c', 'fp32', [2, 2], [1, 2, 3])).toThrow(/3 values for dims \[2,2\]/);
  });
});
