import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttentionSpec, Dtype, Variant } from '../model/spec.js';
import { MeasuredSession } from '../runtime/session.js';
import { buildGraph, layerCost, normalizeRequest, type GraphRequest } from './builders.js';
import { decodeModel } from './onnx.js';
import {
  blockedWorkspaceBytes,
  fullWorkspaceBytes,
  PREFILL_WORKSPACE_BYTES,
  prefillBlockRows,
  prefillRowBytes,
  queryBlocks,
  scorePairs,
  windowedBlockRows,
} from './prefill-blocks.js';
import { randomFeeds, tensorToFloat64, verifyGraph } from './verify.js';

const mla: AttentionSpec = { kind: 'mla', numHeads: 4, kvLoraRank: 32, qkNopeHeadDim: 16, qkRopeHeadDim: 8, vHeadDim: 12, qLoraRank: 0 };
const CASES: [Variant, AttentionSpec][] = [
  ['mha', { kind: 'mha', numHeads: 4, numKvHeads: 4, headDim: 16 }],
  ['gqa', { kind: 'gqa', numHeads: 6, numKvHeads: 2, headDim: 16, vHeadDim: 8 }],
  ['mqa', { kind: 'mqa', numHeads: 4, numKvHeads: 1, headDim: 16 }],
  ['mla-naive', mla],
  ['mla-absorbed', mla],
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvscope-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const req = (variant: Variant, spec: AttentionSpec, over: Partial<GraphRequest> = {}): GraphRequest => ({
  variant,
  spec,
  mode: 'prefill',
  dtype: 'fp32',
  form: 'blocked',
  batch: 2,
  context: 67,
  layers: 2,
  prefillBlock: 10,
  ...over,
});
const build = (r: GraphRequest) => buildGraph(r, dir, `p${n++}`);

async function run(modelPath: string, feeds: Record<string, ort.Tensor>): Promise<Float64Array> {
  const s = await MeasuredSession.open(modelPath, { provider: 'cpu' });
  try {
    return tensorToFloat64((await s.run(feeds)).out_l0!);
  } finally {
    await s.dispose();
  }
}

describe('blocked prefill matches the float64 reference (blocks that do not divide T)', () => {
  for (const [variant, spec] of CASES) {
    for (const dtype of ['fp32', 'fp16'] as Dtype[]) {
      it(`${variant} ${dtype}, T = 67 in blocks of 10`, async () => {
        const r = await verifyGraph(build(req(variant, spec, { dtype })), 'cpu');
        expect(r.excess, `max abs error ${r.maxAbsError}`).toBe(0);
        expect(r.ok).toBe(true);
      });
    }
  }
  it('gqa and mla-naive fp32 at T = 300 in blocks of 64, and in one block of T', async () => {
    for (const [variant, spec] of [CASES[1]!, CASES[3]!]) {
      for (const prefillBlock of [64, 300]) {
        const r = await verifyGraph(build(req(variant, spec, { context: 300, prefillBlock, batch: 1, layers: 1 })), 'cpu');
        expect(r.excess, `${variant} Bq=${prefillBlock}: max abs error ${r.maxAbsError}`).toBe(0);
      }
    }
  });
});

describe('the blocked graph', () => {
  const loopTrips = (path: string): { loops: number; trips: number[]; concat: number } => {
    const m = decodeModel(readFileSync(path));
    const nodes = m.graph!.node!;
    const init = new Map(m.graph!.initializer!.map((t) => [t.name, t]));
    const loops = nodes.filter((x) => x.opType === 'Loop');
    const trips = loops.map((l) => Number(new BigInt64Array(new Uint8Array(init.get(l.input![0]!)!.rawData!).slice().buffer)[0]));
    return { loops: loops.length, trips, concat: nodes.filter((x) => x.opType === 'Concat').length };
  };
  it('runs the full blocks in one Loop and the shorter last block after it', () => {
    expect(queryBlocks(67, 10)).toEqual([
      [0, 10],
      [10, 20],
      [20, 30],
      [30, 40],
      [40, 50],
      [50, 60],
      [60, 67],
    ]);
    expect(loopTrips(build(req('gqa', CASES[1]![1], { layers: 1 })).modelPath)).toEqual({ loops: 1, trips: [6], concat: 1 });
    // a block size that divides T: no last block, nothing to concatenate
    expect(loopTrips(build(req('gqa', CASES[1]![1], { layers: 1, context: 60 })).modelPath)).toEqual({ loops: 1, trips: [6], concat: 0 });
    expect(normalizeRequest(req('gqa', CASES[1]![1], { prefillBlock: 500 })).prefillBlock).toBe(67);
    expect(() => normalizeRequest(req('gqa', CASES[1]![1], { mode: 'decode' }))).toThrow(/prefill only/);
  });

  it('gives the full form the same output, and keeps every query causal across block boundaries', async () => {
    const [variant, spec] = CASES[1]!;
    const blocked = build(req(variant, spec, { layers: 1 }));
    const full = build(req(variant, spec, { layers: 1, form: 'decomposed' }));
    const { feeds } = randomFeeds(blocked.inputs, 5);
    const a = await run(blocked.modelPath, feeds);
    const b = await run(full.modelPath, feeds);
    expect(Math.max(...a.map((x, i) => Math.abs(x - b[i]!)))).toBeLessThan(1e-6);
    // Change key/value 25 (inside the third block): rows 0..24 must not move, rows 25.. must.
    const T = 67;
    const changed = { ...feeds };
    for (const name of ['k', 'v']) {
      const t = feeds[name]!;
      const data = Float32Array.from(t.data as Float32Array);
      const [B, H, , D] = t.dims as number[];
      for (let bh = 0; bh < B! * H!; bh++) for (let x = 0; x < D!; x++) data[(bh * T + 25) * D! + x] = 3;
      changed[name] = new ort.Tensor('float32', data, t.dims);
    }
    const c = await run(blocked.modelPath, changed);
    const dv = 8;
    const rowDiff = (row: number): number => {
      let m = 0;
      for (let bh = 0; bh < 2 * 6; bh++) for (let x = 0; x < dv; x++) m = Math.max(m, Math.abs(c[(bh * T + row) * dv + x]! - a[(bh * T + row) * dv + x]!));
      return m;
    };
    for (let row = 0; row < 25; row++) expect(rowDiff(row), `row ${row}`).toBe(0);
    for (const row of [25, 29, 30, 66]) expect(rowDiff(row), `row ${row}`).toBeGreaterThan(1e-3);
  });
});

describe('the block rule', () => {
  it('takes as many query rows as keep one block within the bound', () => {
    const llama: AttentionSpec = { kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 };
    const rows = prefillBlockRows(llama, 'gqa', 1, 32768, 'fp32');
    // 3 score copies x 32 heads x 32K keys x 4 B, plus the mask: 12.2 MiB a row, 21 rows in 256 MiB;
    // 16, the largest divisor of 32K down to half of 21, so no shorter last block
    expect(prefillRowBytes(llama, 'gqa', 1, 32768, 'fp32')).toBe(3 * 32 * 32768 * 4 + 32768 * 5);
    expect(blockedWorkspaceBytes(llama, 'gqa', 1, 32768, 'fp32', 21)).toBeLessThanOrEqual(PREFILL_WORKSPACE_BYTES);
    expect(blockedWorkspaceBytes(llama, 'gqa', 1, 32768, 'fp32', 22)).toBeGreaterThan(PREFILL_WORKSPACE_BYTES);
    expect(rows).toBe(16);
    // no divisor of a prime T down to half the rows: the rows that fit, and a shorter last block
    expect(prefillBlockRows(llama, 'gqa', 1, 32749, 'fp32')).toBe(21);
    expect(prefillBlockRows(llama, 'gqa', 1, 30000, 'fp32')).toBe(20);
    // MLA absorbed also holds each block's latent query and output
    expect(prefillRowBytes(mla, 'mla-absorbed', 1, 100, 'fp32') - prefillRowBytes(mla, 'mla-naive', 1, 100, 'fp32')).toBe(2 * 4 * 32 * 4);
    // at least one row, at most T
    expect(prefillBlockRows(llama, 'gqa', 1, 64, 'fp32')).toBe(64);
    expect(prefillBlockRows(llama, 'gqa', 64, 1 << 20, 'fp32')).toBe(1);
    expect(fullWorkspaceBytes(llama, 'gqa', 1, 64, 'fp32')).toBe(64 * prefillRowBytes(llama, 'gqa', 1, 64, 'fp32'));
  });
});

describe('a windowed layer’s prefill: each block against only its window or chunk', () => {
  const sliding = { kind: 'sliding', size: 6 } as const;
  const chunked = { kind: 'chunked', size: 6 } as const;
  for (const [variant, spec] of CASES) {
    for (const within of [sliding, chunked]) {
      it(`${variant} fp32, ${within.kind} 6, T = 23 in blocks of 5 and of 9 (blocks straddle windows and chunks)`, async () => {
        for (const prefillBlock of [5, 9]) {
          const g = build(req(variant, spec, { context: 23, prefillBlock, attendWithin: within }));
          expect(g.metadata['kvscope.attend_within']).toBe(`${within.kind} 6`);
          const r = await verifyGraph(g, 'cpu');
          expect(r.excess, `Bq=${prefillBlock}: max abs error ${r.maxAbsError}`).toBe(0);
        }
      });
    }
  }
  it('gqa fp16, sliding and chunked', async () => {
    for (const within of [sliding, chunked]) {
      const r = await verifyGraph(build(req('gqa', CASES[1]![1], { dtype: 'fp16', context: 23, prefillBlock: 5, attendWithin: within })), 'cpu');
      expect(r.excess, `${within.kind}: max abs error ${r.maxAbsError}`).toBe(0);
    }
  });
  it('differs from attending every key where the prompt is longer than the window (the reference is not the causal one)', async () => {
    const [variant, spec] = CASES[1]!;
    const g = build(req(variant, spec, { context: 23, prefillBlock: 5, layers: 1, attendWithin: sliding }));
    const full = build(req(variant, spec, { context: 23, prefillBlock: 5, layers: 1 }));
    const { feeds } = randomFeeds(g.inputs, 3);
    const a = await run(g.modelPath, feeds);
    const b = await run(full.modelPath, feeds);
    // the first 6 rows see the same keys, the later ones fewer
    const dv = 8;
    const row = (o: Float64Array, i: number): number[] => Array.from(o.slice(i * dv, (i + 1) * dv));
    expect(row(a, 5)).toEqual(row(b, 5));
    expect(row(a, 22)).not.toEqual(row(b, 22));
  });
  it('scores Bq (Bq + L - 1) pairs a block: linear in T, and a window as long as the prompt is the plain form', () => {
    const llama: AttentionSpec = { kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 };
    const w = { kind: 'sliding', size: 128 } as const;
    // 8192 queries in blocks of 128: 64 blocks x 128 x 255 pairs; all keys: 8192^2
    expect(scorePairs(8192, 128, w)).toBe(64 * 128 * 255);
    expect(scorePairs(8192, 128, null)).toBe(8192 * 8192);
    const r = normalizeRequest({
      variant: 'gqa',
      spec: llama,
      mode: 'prefill',
      batch: 1,
      context: 8192,
      dtype: 'fp32',
      layers: 1,
      form: 'blocked',
      attendWithin: w,
    });
    expect(r.prefillBlock).toBe(128);
    expect(layerCost(r).flops).toBe(2 * 32 * 64 * 128 * 255 * 256);
    expect(scorePairs(16384, 128, w)).toBe(2 * scorePairs(8192, 128, w));
    // the block rule keeps a chunk's block within the bound: 3 x 40 x 16384 x 4 B a row -> 27 rows
    expect(windowedBlockRows({ kind: 'gqa', numHeads: 40, numKvHeads: 8, headDim: 128 }, 'gqa', 1, 32768, 'fp32', { kind: 'chunked', size: 8192 })).toBe(
      Math.floor(PREFILL_WORKSPACE_BYTES / (3 * 40 * 16384 * 4 + 16384 * 5)),
    );
    expect(normalizeRequest({ ...r, context: 100 }).attendWithin).toBeNull();
    expect(() => normalizeRequest({ ...r, form: 'decomposed' })).toThrow(/blocked prefill form only/);
  });
});
