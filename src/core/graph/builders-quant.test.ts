import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheBytesPerElement } from '@/contract/lists.js';
import type { AttentionSpec, Dtype, Variant } from '../model/spec.js';
import { kvBytesPerToken, SpecError } from '../model/spec.js';
import { buildGraph, layerCost, normalizeRequest, type Form } from './builders.js';
import { decodeModel } from './onnx.js';
import { meanKl, verifyGraph } from './verify.js';

const mla: AttentionSpec = { kind: 'mla', numHeads: 4, kvLoraRank: 64, qkNopeHeadDim: 16, qkRopeHeadDim: 32, vHeadDim: 12, qLoraRank: 0 };
const gqa: AttentionSpec = { kind: 'gqa', numHeads: 6, numKvHeads: 2, headDim: 64, vHeadDim: 32 };
const CASES: [Variant, AttentionSpec, Form][] = [
  ['mha', { kind: 'mha', numHeads: 2, numKvHeads: 2, headDim: 32 }, 'nbits'],
  ['mha', { kind: 'mha', numHeads: 2, numKvHeads: 2, headDim: 32 }, 'dequant'],
  ['gqa', gqa, 'nbits'],
  ['gqa', gqa, 'dequant'],
  ['mqa', { kind: 'mqa', numHeads: 4, numKvHeads: 1, headDim: 40 }, 'nbits'],
  ['mqa', { kind: 'mqa', numHeads: 4, numKvHeads: 1, headDim: 40 }, 'dequant'],
  ['mla-absorbed', mla, 'dequant'],
  ['mla-naive', mla, 'dequant'],
];

/**
 * Bounds on the accuracy cost with the uniform [-0.5, 0.5) values kvscope fills caches with, at
 * T = 40 (documented in docs/measurement.md): int8 rounds to 1/254 of a block's range, int4 to 1/14.
 */
const COST_BOUND: Record<string, { maxAbs: number; relL2: number; kl: number }> = {
  int8: { maxAbs: 5e-3, relL2: 1e-2, kl: 1e-5 },
  int4: { maxAbs: 5e-2, relL2: 1.5e-1, kl: 1e-3 },
  fp8: { maxAbs: 2e-2, relL2: 5e-2, kl: 1e-4 },
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvscope-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('quantized caches match the reference over the values they store, and cost a bounded error', () => {
  for (const [variant, spec, form] of CASES)
    for (const dtype of ['int8', 'int4', 'fp8'] as Dtype[]) {
      if (form === 'nbits' && dtype === 'fp8') continue;
      it(`cpu ${variant} (${form}) ${dtype}`, async () => {
        // T = 40: one full block along T and a short one (V^T's last block pads in the nbits form)
        const g = buildGraph({ variant, spec, mode: 'decode', dtype, form, batch: 2, context: 40, layers: 2 }, dir, `q${n++}`);
        const r = await verifyGraph(g, 'cpu');
        expect(r.excess, `max abs error ${r.maxAbsError} against the stored values`).toBe(0);
        expect(r.ok).toBe(true);
        const a = r.accuracy!;
        const bound = COST_BOUND[dtype]!;
        expect(a.context).toBe(40);
        expect(a.maxAbsError).toBeGreaterThan(0); // quantization does cost something
        expect(a.maxAbsError).toBeLessThan(bound.maxAbs);
        expect(a.relativeL2).toBeLessThan(bound.relL2);
        expect(a.klDivergence).toBeGreaterThan(0);
        expect(a.klDivergence).toBeLessThan(bound.kl);
      });
    }
});

describe('quantized graphs', () => {
  it('store the analytic bytes, scales included, and count them as bytes read', () => {
    const spec: AttentionSpec = { kind: 'gqa', numHeads: 4, numKvHeads: 2, headDim: 64 };
    for (const form of ['nbits', 'dequant'] as Form[])
      for (const dtype of ['int8', 'int4'] as Dtype[]) {
        const g = buildGraph({ variant: 'gqa', spec, mode: 'decode', dtype, form, batch: 1, context: 64, layers: 1 }, dir, `b${n++}`);
        expect(g.cacheBytes).toBe(kvBytesPerToken(spec, dtype) * 64);
        expect(g.cacheBytes).toBe(2 * 64 * 128 * cacheBytesPerElement(dtype));
        const cost = layerCost(g.request);
        expect(cost.residentBytes).toBe(g.cacheBytes);
      }
  });
  it('read the packed cache through MatMulNBits in the nbits form, and through DequantizeLinear in the fallback', () => {
    const spec: AttentionSpec = { kind: 'mqa', numHeads: 2, numKvHeads: 1, headDim: 32 };
    const ops = (form: Form, dtype: Dtype) => {
      const g = buildGraph({ variant: 'mqa', spec, mode: 'decode', dtype, form, batch: 1, context: 32, layers: 1 }, dir, `o${n++}`);
      const m = decodeModel(readFileSync(g.modelPath));
      return { ops: m.graph!.node!.map((x) => x.opType), opset: m.opsetImport!.find((o) => !o.domain)!.version };
    };
    const nb = ops('nbits', 'int4');
    expect(nb.ops.filter((o) => o === 'MatMulNBits')).toHaveLength(2);
    expect(nb.ops).not.toContain('DequantizeLinear');
    const dq = ops('dequant', 'int8');
    expect(dq.ops.filter((o) => o === 'DequantizeLinear')).toHaveLength(2);
    expect(Number(dq.opset)).toBe(21);
    expect(ops('dequant', 'fp8').ops).toContain('Cast');
  });
  it('reject what they cannot build, saying what to change', () => {
    const req = { variant: 'gqa' as const, spec: gqa, mode: 'decode' as const, batch: 1, context: 32, layers: 1 };
    expect(normalizeRequest({ ...req, dtype: 'int8' }).form).toBe('dequant');
    expect(() => normalizeRequest({ ...req, dtype: 'int8', mode: 'prefill' })).toThrow(/decode only/);
    expect(() => normalizeRequest({ ...req, dtype: 'int4', form: 'cache-left' })).toThrow(SpecError);
    expect(() => normalizeRequest({ ...req, dtype: 'fp8', form: 'nbits' })).toThrow(/dequant/);
    expect(() => normalizeRequest({ ...req, dtype: 'fp32', form: 'nbits' })).toThrow(/fp8\/int8\/int4/);
    expect(() => normalizeRequest({ ...req, variant: 'mla-absorbed', spec: mla, dtype: 'int4', form: 'nbits' })).toThrow(/dequant/);
  });
});

describe('KL divergence', () => {
  it('is 0 for equal distributions and matches a hand-computed value', () => {
    const p = Float64Array.from([0.5, 0.5]);
    expect(meanKl([p], [p])).toBe(0);
    // KL([0.5, 0.5] || [0.25, 0.75]) = 0.5 ln 2 + 0.5 ln(2/3)
    const kl = 0.5 * Math.log(2) + 0.5 * Math.log(2 / 3);
    expect(meanKl([p, p], [Float64Array.from([0.25, 0.75]), p])).toBeCloseTo(kl / 2, 12);
  });
});
