import { describe, expect, it } from 'vitest';
import type { LayerKind } from '@/contract/layers.js';
import { ReportSchema, SweepConfigSchema, type EngineEvent } from '@/contract/schemas.js';
import { point } from '@/testing/fixtures.js';
import { combineLayerShares, layerShares, prefillShares, primaryId } from './layer-shares.js';
import { planSweep } from './planner.js';
import { runSweep } from './runner.js';

const G: LayerKind = { kind: 'global' };
const S = (window: number): LayerKind => ({ kind: 'sliding', window });

describe('layerShares', () => {
  it('is null where every layer is alike', () => {
    expect(layerShares([G, G, G], 8192)).toBeNull();
    expect(layerShares([S(4096), S(4096)], 8192)).toBeNull();
  });
  it('groups the attention layers by the tokens they hold, the full cache first, and counts stateful layers', () => {
    // gpt-oss-like: alternating sliding (128) and global, and two stateful layers
    const layers: LayerKind[] = [S(128), G, S(128), G, { kind: 'stateful', stateElements: 10 }, { kind: 'stateful', stateElements: 10 }];
    expect(layerShares(layers, 4096)).toEqual({
      shares: [
        { held: 4096, layers: 2, kind: '2 global' },
        { held: 128, layers: 2, kind: '2 sliding (window 128)' },
      ],
      stateful: 2,
    });
    // within the window every attention layer holds the context: one share
    expect(layerShares(layers, 100)).toEqual({ shares: [{ held: 100, layers: 4, kind: '2 sliding (window 128) + 2 global' }], stateful: 2 });
    // a chunked layer holds its chunk at most
    expect(layerShares([G, { kind: 'chunked', chunk: 8192 }, { kind: 'chunked', chunk: 8192 }], 32768)!.shares.map((s) => [s.held, s.layers])).toEqual([
      [32768, 1],
      [8192, 2],
    ]);
  });
});

describe('prefillShares', () => {
  it('groups the attention layers by the keys their queries attend: every key first, then each window or chunk shorter than the prompt', () => {
    const C = (chunk: number): LayerKind => ({ kind: 'chunked', chunk });
    const layers: LayerKind[] = [S(128), G, S(128), G, C(8192), { kind: 'stateful', stateElements: 10 }];
    expect(prefillShares(layers, 16384)).toEqual({
      shares: [
        { held: 16384, layers: 2, kind: '2 global' },
        { held: 16384, layers: 1, kind: '1 chunked (chunk 8192, resets)', within: { kind: 'chunked', size: 8192 } },
        { held: 16384, layers: 2, kind: '2 sliding (window 128)', within: { kind: 'sliding', size: 128 } },
      ],
      stateful: 1,
    });
    // a chunk as long as the prompt attends every key up to each query: it joins the global layers
    expect(prefillShares(layers, 8192)!.shares.map((s) => [s.layers, s.within?.size])).toEqual([
      [3, undefined],
      [2, 128],
    ]);
    // within the smallest window: one share for every attention layer
    expect(prefillShares(layers, 100)!.shares).toHaveLength(1);
    expect(prefillShares([G, G], 4096)).toBeNull();
    expect(primaryId('prefill/gqa/fp32/b1/t4096/window128')).toBe('prefill/gqa/fp32/b1/t4096');
    expect(primaryId('prefill/gqa/fp32/b1/t32768/chunk8192')).toBe('prefill/gqa/fp32/b1/t32768');
  });
});

describe('combineLayerShares', () => {
  // one layer per graph; 20 runs spread evenly over +/-2% of the median
  const timed = (perLayerMs: number) => ({
    ...point({ variant: 'mha', context: 4096 }).timing!,
    perLayerMs,
    modelMs: perLayerMs,
    medianMs: perLayerMs,
    samplesMs: Array.from({ length: 20 }, (_, i) => perLayerMs * (0.98 + (0.04 * i) / 19)),
  });
  it('sums layers x per-layer step over the kinds into the whole-model point', () => {
    const primary = {
      ...point({ variant: 'mha', context: 4096 }),
      id: 'decode/mha/fp32/b1/t4096',
      layerGroup: { layers: 21, kind: '21 global', primary: true },
      timing: timed(2),
    };
    const share = {
      ...point({ variant: 'mha', context: 4096 }),
      id: 'decode/mha/fp32/b1/t4096/held1024',
      cacheTokens: 1024,
      layerGroup: { layers: 21, kind: '21 sliding (window 1024)', primary: false },
      timing: timed(0.5),
    };
    const out = combineLayerShares([primary, share], 0);
    expect([...out.keys()]).toEqual([0]);
    const t = out.get(0)!.timing!;
    expect(t.modelMs).toBeCloseTo(21 * 2 + 21 * 0.5, 10);
    expect(t.tokensPerSecond).toBeCloseTo(1 / (52.5 / 1000), 6);
    expect(t.modelFrom).toBe('sum over layer kinds: 21 global × 2.00 ms + 21 sliding (window 1024) × 0.500 ms');
    // its interval: a bootstrap of the sum, each kind's samples (+/-2% of its median) resampled on its own
    const [lo, hi] = t.modelCi95Ms!;
    expect(lo).toBeLessThan(52.5);
    expect(hi).toBeGreaterThan(52.5);
    expect(lo).toBeGreaterThan(52.5 * 0.98);
    expect(hi).toBeLessThan(52.5 * 1.02);
    // applied again, nothing changes
    expect(combineLayerShares([out.get(0)!, share], 0).size).toBe(0);
    // a share not measured counts at the full cache's step (an upper bound), and says so; stateful layers are named
    const failed = { ...share, status: 'failed' as const, timing: undefined };
    const upper = combineLayerShares([primary, failed], 3).get(0)!.timing!;
    expect(upper.modelMs).toBeCloseTo(42 * 2, 10);
    expect(upper.modelFrom).toContain('(not measured: the full cache');
    expect(upper.modelFrom).toContain('; 3 stateful layers not timed');
  });
});

describe('a hybrid model in a sweep', () => {
  // Gemma-2 style (sliding_window_pattern 2: even layers slide), small dims, window 64.
  const config = {
    model_type: 'gemma2',
    hidden_size: 64,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 16,
    num_hidden_layers: 4,
    sliding_window: 64,
    max_position_embeddings: 8192,
  };
  const sweep = {
    model: { source: 'hf-config' as const, name: 'tiny-gemma2', config },
    variants: ['mha' as const, 'gqa' as const],
    contexts: [32, 256, 1024],
    provider: 'cpu' as const,
    budgetSeconds: 0.05,
  };

  it('plans each layer kind at the tokens it holds beyond the window, and one point within it', () => {
    const plan = planSweep(SweepConfigSchema.parse({ ...sweep, modes: ['decode'] }), { availableBytes: 8 * 2 ** 30, provider: 'cpu' });
    const mha = plan.points.filter((p) => p.variant === 'mha').map((p) => [p.id, p.cacheTokens, p.layerGroup?.layers, p.layerGroup?.primary]);
    expect(mha).toEqual([
      ['decode/mha/fp32/b1/t32', 32, 4, true],
      ['decode/mha/fp32/b1/t256', 256, 2, true],
      ['decode/mha/fp32/b1/t256/held64', 64, 2, false],
      ['decode/mha/fp32/b1/t1024', 1024, 2, true],
      ['decode/mha/fp32/b1/t1024/held64', 64, 2, false],
    ]);
  });

  it('measures them and reports the whole-model step as the sum over kinds', async () => {
    const probes = { bandwidthGBs: 10, gflops: 50, bandwidthMethod: 'test', gflopsMethod: 'test', emptyRunMs: 0.01 };
    const events: EngineEvent[] = [];
    const report = await runSweep(sweep, { runId: 'hy', probes, onEvent: (e) => events.push(e) });
    expect(ReportSchema.safeParse(report).success).toBe(true);
    expect(report.model.layerKinds?.map((l) => l.kind)).toEqual(['sliding', 'global', 'sliding', 'global']);
    expect(report.scaling.note).toContain('hybrid model (2 sliding (window 64)');
    const byId = new Map(report.points.map((p) => [p.id, p]));
    for (const v of ['mha', 'gqa']) {
      for (const t of [256, 1024]) {
        const full = byId.get(`decode/${v}/fp32/b1/t${t}`)!;
        const win = byId.get(`decode/${v}/fp32/b1/t${t}/held64`)!;
        expect(full.status, full.reason).toBe('ok');
        expect(win.status, win.reason).toBe('ok');
        // the windowed layer's cache stays at the window beyond it
        expect(win.cacheTokens).toBe(64);
        expect(win.memory!.analyticCacheBytes).toBe(win.kvBytesPerTokenPerLayer * 64);
        expect(full.timing!.modelMs).toBeCloseTo(2 * full.timing!.perLayerMs + 2 * win.timing!.perLayerMs, 9);
        expect(full.timing!.modelFrom).toMatch(/^sum over layer kinds: 2 global × .* \+ 2 sliding \(window 64\) × /);
        expect(full.timing!.tokensPerSecond).toBeCloseTo(1000 / full.timing!.modelMs, 6);
        const [lo, hi] = full.timing!.modelCi95Ms!;
        expect(lo).toBeLessThanOrEqual(full.timing!.modelMs);
        expect(hi).toBeGreaterThanOrEqual(full.timing!.modelMs);
      }
      // within the window: one point for all four layers
      const small = byId.get(`decode/${v}/fp32/b1/t32`)!;
      expect(small.timing!.modelMs).toBeCloseTo(4 * small.timing!.perLayerMs, 9);
      expect(small.timing!.modelFrom).toMatch(/^sum over layer kinds: \(2 sliding \(window 64\) \+ 2 global\) × /);
    }
    // the app hears of each combination as a point-update of the whole-model point
    expect(events.some((e) => e.type === 'point-update' && e.point.id === 'decode/mha/fp32/b1/t1024' && e.point.timing?.modelFrom)).toBe(true);
  }, 120_000);

  it("plans a chunked layer's prefill within its chunk (Llama-4 Scout: 36 chunked, 12 global), and none within a chunk", () => {
    const cfg = SweepConfigSchema.parse({
      model: { source: 'preset', preset: 'llama-4-scout' },
      variants: ['gqa'],
      contexts: [8192, 32768],
      modes: ['prefill'],
    });
    const plan = planSweep(cfg, { availableBytes: 64 * 2 ** 30, provider: 'cpu' });
    expect(plan.points.map((p) => [p.id, p.layerGroup?.layers, p.attendWithin])).toEqual([
      ['prefill/gqa/fp32/b1/t8192', 48, undefined],
      ['prefill/gqa/fp32/b1/t32768', 12, undefined],
      ['prefill/gqa/fp32/b1/t32768/chunk8192', 36, { kind: 'chunked', size: 8192 }],
    ]);
    // the chunked point scores 32768 x (Bq + 8191) pairs, about a quarter of the global point's 32768^2
    const [, global, chunk] = plan.points;
    expect(chunk!.notes).toMatch(/^prefill of a chunked layer: each query attends only its own chunk of 8192 tokens; \d+ blocks of \d+ queries/);
    expect(chunk!.flops / global!.flops).toBeCloseTo((8192 + chunk!.prefillBlock! - 1) / 32768, 2);
  });

  it('plans and measures prefill per layer kind: the sliding layers attend only their window', async () => {
    const cfg = { ...sweep, variants: ['gqa' as const], contexts: [32, 256], modes: ['prefill' as const] };
    const plan = planSweep(SweepConfigSchema.parse(cfg), { availableBytes: 8 * 2 ** 30, provider: 'cpu' });
    expect(plan.points.map((p) => [p.id, p.cacheTokens, p.layerGroup?.layers, p.attendWithin?.size, p.form])).toEqual([
      ['prefill/gqa/fp32/b1/t32', 32, 4, undefined, 'decomposed'],
      ['prefill/gqa/fp32/b1/t256', 256, 2, undefined, 'decomposed'],
      ['prefill/gqa/fp32/b1/t256/window64', 256, 2, 64, 'blocked'],
    ]);
    const win = plan.points[2]!;
    // blocks of 64 queries against 64 + 63 keys: 4 x 64 x 127 pairs, fewer than 256^2
    expect(win.prefillBlock).toBe(64);
    expect(win.flops).toBe(plan.points[1]!.flops * ((4 * 64 * 127) / (256 * 256)));
    const probes = { bandwidthGBs: 10, gflops: 50, bandwidthMethod: 'test', gflopsMethod: 'test', emptyRunMs: 0.01 };
    const report = await runSweep(cfg, { runId: 'hyp', probes, onEvent: () => {} });
    expect(ReportSchema.safeParse(report).success).toBe(true);
    const byId = new Map(report.points.map((p) => [p.id, p]));
    const full = byId.get('prefill/gqa/fp32/b1/t256')!;
    const w = byId.get('prefill/gqa/fp32/b1/t256/window64')!;
    expect(w.status, w.reason).toBe('ok');
    expect(w.attendWithin).toEqual({ kind: 'sliding', size: 64 });
    expect(w.verifyMaxAbsError).toBeLessThan(1e-4);
    expect(full.timing!.modelMs).toBeCloseTo(2 * full.timing!.perLayerMs + 2 * w.timing!.perLayerMs, 9);
    expect(full.timing!.modelFrom).toMatch(/^sum over layer kinds: 2 global × .* \+ 2 sliding \(window 64\) × /);
    expect(full.timing!.tokensPerSecond).toBeNull();
    expect(full.timing!.modelCi95Ms![0]).toBeLessThanOrEqual(full.timing!.modelMs);
    expect(full.timing!.modelCi95Ms![1]).toBeGreaterThanOrEqual(full.timing!.modelMs);
    expect(report.scaling.note).toContain('/window<W>');
  }, 120_000);
});
