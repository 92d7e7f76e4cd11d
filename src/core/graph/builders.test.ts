import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttentionSpec, Dtype, Variant } from '../model/spec.js';
import { SpecError } from '../model/spec.js';
import type { Provider } from '../runtime/providers.js';
import { MeasuredSession, placementReport } from '../runtime/session.js';
import { testProviders } from '../testing/providers.js';
import { buildGraph, layerCost, normalizeRequest, type Form, type Mode } from './builders.js';
import { decodeModel } from './onnx.js';
import { FP16_MAX_RELATIVE_L2, outputsAgree, randomFeeds, tensorToFloat64, verifyGraph } from './verify.js';

const mla: AttentionSpec = { kind: 'mla', numHeads: 4, kvLoraRank: 32, qkNopeHeadDim: 16, qkRopeHeadDim: 8, vHeadDim: 12, qLoraRank: 0 };
const CASES: [Variant, AttentionSpec, Form][] = [
  ['mha', { kind: 'mha', numHeads: 4, numKvHeads: 4, headDim: 16 }, 'decomposed'],
  ['mha', { kind: 'mha', numHeads: 4, numKvHeads: 4, headDim: 16 }, 'mha-op'],
  ['mha', { kind: 'mha', numHeads: 4, numKvHeads: 4, headDim: 16 }, 'cache-left'],
  ['gqa', { kind: 'gqa', numHeads: 6, numKvHeads: 2, headDim: 16, vHeadDim: 8 }, 'decomposed'],
  ['gqa', { kind: 'gqa', numHeads: 6, numKvHeads: 2, headDim: 16, vHeadDim: 8 }, 'cache-left'],
  ['mqa', { kind: 'mqa', numHeads: 4, numKvHeads: 1, headDim: 16 }, 'cache-left'],
  ['mqa', { kind: 'mqa', numHeads: 4, numKvHeads: 1, headDim: 16 }, 'decomposed'],
  // onnxruntime's fused ops (builders-fused.ts)
  ['mha', { kind: 'mha', numHeads: 4, numKvHeads: 4, headDim: 16 }, 'gqa-op'],
  ['gqa', { kind: 'gqa', numHeads: 6, numKvHeads: 2, headDim: 16 }, 'mha-op'],
  ['gqa', { kind: 'gqa', numHeads: 6, numKvHeads: 2, headDim: 16 }, 'gqa-op'],
  ['mqa', { kind: 'mqa', numHeads: 4, numKvHeads: 1, headDim: 16 }, 'mha-op'],
  ['mqa', { kind: 'mqa', numHeads: 4, numKvHeads: 1, headDim: 16 }, 'gqa-op'],
  ['mla-naive', mla, 'decomposed'],
  ['mla-absorbed', mla, 'decomposed'],
];
const MODES: Mode[] = ['decode', 'prefill'];
const DTYPES: Dtype[] = ['fp32', 'fp16'];

let dir: string;
let providers: Provider[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kvscope-test-'));
  providers = await testProviders();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const build = (variant: Variant, spec: AttentionSpec, mode: Mode, dtype: Dtype, form: Form, extra = {}) =>
  buildGraph({ variant, spec, mode, dtype, form, batch: 2, context: 24, layers: 2, ...extra }, dir, `g${n++}`);

describe('every variant x mode x dtype matches the float64 reference', () => {
  for (const provider of ['cpu', 'webgpu'] as Provider[]) {
    for (const [variant, spec, form] of CASES) {
      for (const mode of MODES) {
        if (form !== 'decomposed' && mode === 'prefill') continue;
        for (const dtype of DTYPES) {
          it(`${provider} ${variant} (${form}) ${mode} ${dtype}`, async (ctx) => {
            if (!providers.includes(provider)) ctx.skip();
            const g = build(variant, spec, mode, dtype, form);
            const r = await verifyGraph(g, provider);
            expect(r.excess, `max abs error ${r.maxAbsError}`).toBe(0);
            expect(r.ok).toBe(true);
          });
        }
      }
    }
  }
});

describe('the reference check fails a wrong graph', () => {
  for (const dtype of DTYPES) {
    it(`rejects a graph whose cache is not the one the reference reads (${dtype})`, async () => {
      // Same inputs and output shapes; the GQA graph attends over its own 1-head cache instead.
      const mhaSpec: AttentionSpec = { kind: 'mha', numHeads: 4, numKvHeads: 4, headDim: 16 };
      const right = build('mha', mhaSpec, 'decode', dtype, 'decomposed');
      const other = build('mqa', { ...mhaSpec, kind: 'mqa', numKvHeads: 1 }, 'decode', dtype, 'decomposed');
      expect(other.inputs.map((i) => i.dims)).toEqual(right.inputs.map((i) => i.dims));
      const r = await verifyGraph({ ...right, modelPath: other.modelPath }, 'cpu');
      expect(r.ok).toBe(false);
      expect(r.excess).toBeGreaterThan(0);
      expect(r.relativeL2).toBeGreaterThan(0.3);
      expect((await verifyGraph(right, 'cpu')).relativeL2).toBeLessThan(dtype === 'fp16' ? 2e-3 : 1e-6);
    });
  }
});

describe('the verdict', () => {
  it('accepts fp16 within the relative L2 limit on a GPU provider only, when the elementwise bounds fail', () => {
    const near = FP16_MAX_RELATIVE_L2 / 2;
    expect(outputsAgree(0, 1, 'fp32', 'cpu')).toBe(true); // elementwise bounds held
    expect(outputsAgree(0.01, near, 'fp16', 'webgpu')).toBe(true);
    expect(outputsAgree(0.01, near, 'fp16', 'cpu')).toBe(false);
    expect(outputsAgree(0.01, near, 'fp32', 'webgpu')).toBe(false);
    expect(outputsAgree(0.01, 2 * FP16_MAX_RELATIVE_L2, 'fp16', 'webgpu')).toBe(false);
    expect(outputsAgree(0.01, Infinity, 'fp16', 'webgpu')).toBe(false);
    expect(outputsAgree(0.01, NaN, 'fp16', 'webgpu')).toBe(false);
  });
});

describe('MLA absorbed equals MLA naive', () => {
  it.each(MODES)('%s, same weights and cache, same outputs', async (mode) => {
    const naive = build('mla-naive', mla, mode, 'fp32', 'decomposed', { seed: 99 });
    const absorbed = build('mla-absorbed', mla, mode, 'fp32', 'decomposed', { seed: 99 });
    const { feeds } = randomFeeds(naive.inputs, 3);
    const outs: Float64Array[] = [];
    for (const g of [naive, absorbed]) {
      const s = await MeasuredSession.open(g.modelPath, { provider: 'cpu' });
      outs.push(tensorToFloat64((await s.run(feeds)).out_l1!));
      await s.dispose();
    }
    let worst = 0;
    for (let i = 0; i < outs[0]!.length; i++) worst = Math.max(worst, Math.abs(outs[0]![i]! - outs[1]![i]!));
    expect(worst).toBeLessThan(1e-5);
    expect(outs[0]!.some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });
});

describe('resident cache', () => {
  it('lives in the external data file, not in the model, and is not a required input', async () => {
    const g = buildGraph({ variant: 'gqa', spec: CASES[3]![1], mode: 'decode', dtype: 'fp32', batch: 1, context: 4096, layers: 2 }, dir, 'resident');
    const model = decodeModel(new Uint8Array(readFileSync(g.modelPath)));
    expect(statSync(g.modelPath).size).toBeLessThan(8192);
    expect(g.cacheBytes).toBe(2 * 2 * 4096 * (16 + 8) * 4);
    expect(statSync(g.dataPath!).size).toBeGreaterThanOrEqual(g.cacheBytes);
    expect(model.graph?.initializer?.filter((t) => t.dataLocation === 1).map((t) => t.name)).toEqual([
      'l0_cache_kT',
      'l0_cache_v',
      'l1_cache_kT',
      'l1_cache_v',
    ]);
    const s = await MeasuredSession.open(g.modelPath, { provider: 'cpu' });
    const { feeds } = randomFeeds(g.inputs, 1);
    expect(Object.keys(feeds)).toEqual(['q']);
    await expect(s.run(feeds)).resolves.toHaveProperty('out_l1');
    await s.dispose();
  });
  it('records the form and dims in the model metadata', () => {
    const g = build('mha', CASES[1]![1], 'decode', 'fp16', 'mha-op');
    const m = decodeModel(new Uint8Array(readFileSync(g.modelPath)));
    const meta = Object.fromEntries(m.metadataProps!.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ 'kvscope.form': 'mha-op', 'kvscope.variant': 'mha', 'kvscope.dtype': 'fp16', 'kvscope.context': '24' });
  });
});

describe('placement', () => {
  it.each(['cpu', 'webgpu'] as Provider[])('reads where the attention nodes ran on %s', async (provider) => {
    if (!providers.includes(provider)) return;
    const g = build('mla-absorbed', mla, 'decode', 'fp32', 'decomposed');
    const s = await MeasuredSession.open(g.modelPath, { provider, profile: true });
    await s.run(randomFeeds(g.inputs, 1).feeds);
    const report = placementReport(s.placement(), g.attentionNodes, provider);
    await s.dispose();
    expect(report.attention.length).toBeGreaterThan(0);
    expect(report.attention.every((a) => a.provider === provider)).toBe(true);
    expect(report.fellBack).toEqual([]);
  });
  it('flags nodes that ran elsewhere than asked', () => {
    const r = placementReport(
      [
        { node: 'attn_MatMul_1', op: 'MatMul', provider: 'WebGpuExecutionProvider', durUs: 5 },
        { node: 'attn_Softmax_2', op: 'Softmax', provider: 'CPUExecutionProvider', durUs: 9 },
      ],
      ['attn_MatMul_1', 'attn_Softmax_2', 'attn_MatMul_3'],
      'webgpu',
    );
    expect(r.fellBack).toEqual(['attn_Softmax_2']);
    expect(r.notSeen).toEqual(['attn_MatMul_3']);
  });
});

describe('cost accounting', () => {
  it('uses FlashMLA accounting for absorbed MLA decode (d = 576, d_v = 512)', () => {
    const spec = { kind: 'mla', numHeads: 128, kvLoraRank: 512, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128, qLoraRank: 1536 } as const;
    const c = layerCost(normalizeRequest({ variant: 'mla-absorbed', spec, mode: 'decode', batch: 1, context: 1000, dtype: 'fp16', layers: 1 }));
    expect(c.flops).toBe(2 * 1000 * 128 * (576 + 512) + 2 * 128 * 512 * 256);
    expect(c.residentBytes).toBe(1000 * 576 * 2 + 128 * 512 * 256 * 2);
  });
  it('MHA decode reads the whole cache once', () => {
    const c = layerCost(normalizeRequest({ variant: 'mha', spec: CASES[0]![1], mode: 'decode', batch: 2, context: 100, dtype: 'fp32', layers: 1 }));
    expect(c.residentBytes).toBe(2 * 4 * 100 * 32 * 4);
    expect(c.flops).toBe(2 * 2 * 4 * 100 * 32);
  });
});

describe('BAD CALL - buildGraph', () => {
  it('rejects a variant that does not match the spec', () => {
    expect(() => build('mla-naive', CASES[0]![1], 'decode', 'fp32', 'decomposed')).toThrow(SpecError);
    expect(() => build('mla-naive', CASES[0]![1], 'decode', 'fp32', 'decomposed')).toThrow(/variant mla-naive does not match a mha spec/);
  });
  it('rejects the fused forms outside head-attention decode', () => {
    expect(() => build('mla-absorbed', mla, 'decode', 'fp32', 'mha-op')).toThrow(/mha-op form exists for MHA\/GQA\/MQA decode only/);
    expect(() => build('gqa', CASES[3]![1], 'prefill', 'fp32', 'mha-op')).toThrow(/mha-op form exists for MHA\/GQA\/MQA decode only/);
    expect(() => build('mla-absorbed', mla, 'decode', 'fp32', 'gqa-op')).toThrow(/gqa-op form exists for MHA\/GQA\/MQA decode only/);
  });
  it('rejects gqa-op and mha-op where keys and values differ in size, gqa-op with fewer than 2 tokens', () => {
    expect(() => build('gqa', { kind: 'gqa', numHeads: 6, numKvHeads: 2, headDim: 16, vHeadDim: 8 }, 'decode', 'fp32', 'mha-op')).toThrow(
      /mha-op form needs keys and values of one head size/,
    );
    expect(() => build('gqa', { kind: 'gqa', numHeads: 6, numKvHeads: 2, headDim: 16, vHeadDim: 8 }, 'decode', 'fp32', 'gqa-op')).toThrow(
      /keys and values of one head size/,
    );
    expect(() => build('gqa', { kind: 'gqa', numHeads: 6, numKvHeads: 2, headDim: 16 }, 'decode', 'fp32', 'gqa-op', { context: 1 })).toThrow(/at least 2/);
  });
  it('holds T tokens in the gqa-op form: T - 1 of past and the newest token', () => {
    const spec: AttentionSpec = { kind: 'gqa', numHeads: 6, numKvHeads: 2, headDim: 16 };
    const fused = build('gqa', spec, 'decode', 'fp32', 'gqa-op');
    const plain = build('gqa', spec, 'decode', 'fp32', 'decomposed');
    expect(fused.cacheBytes).toBe(plain.cacheBytes);
    expect(fused.resident.filter((t) => t.layer === 0).map((t) => [t.name, t.dims])).toEqual([
      ['l0_cache_k', [2, 2, 23, 16]],
      ['l0_cache_v', [2, 2, 23, 16]],
      ['l0_cache_knew', [2, 1, 32]],
      ['l0_cache_vnew', [2, 1, 32]],
    ]);
  });
  it('rejects a context whose cache cannot be one typed array', () => {
    expect(() => build('mha', { kind: 'mha', numHeads: 128, numKvHeads: 128, headDim: 128 }, 'decode', 'fp32', 'decomposed', { context: 1 << 20 })).toThrow(
      /more than the 4294967295 a typed array can hold/,
    );
  });
  it('rejects zero batch', () => {
    expect(() => build('mha', CASES[0]![1], 'decode', 'fp32', 'decomposed', { batch: 0 })).toThrow(/batch must be a positive integer, got 0/);
  });
});
