import { describe, expect, it } from 'vitest';
import type { CapacityRequest, ParallelRequest, PerGpuAnswer } from '@/contract/api.js';
import { CapacityAnswerSchema } from '@/contract/api.js';
import { CONFIGS } from '../model/fixtures/configs.js';
import { capacityAnswer } from './capacity.js';
import { headShare, planParallel, stageLayers, type ParallelInput } from './parallel.js';

const layout = (p: Partial<ParallelRequest> = {}): ParallelRequest => ({
  tp: 1,
  pp: 1,
  dp: 1,
  dcp: 1,
  dpAttention: false,
  gpuCount: null,
  gpuMemoryBytes: 80e9,
  linkGBs: 450,
  hbmGBs: null,
  ...p,
});
const request = (id: string, parallel: ParallelRequest, r: Partial<CapacityRequest> = {}): CapacityRequest => ({
  model: { kind: 'preset', id },
  memoryBytes: null,
  weightDtype: 'bf16',
  cacheDtype: 'bf16',
  context: 131072,
  batch: 1,
  gqaGroups: 8,
  parallel,
  ...r,
});
const perGpu = (req: CapacityRequest): PerGpuAnswer => {
  const a = CapacityAnswerSchema.parse(capacityAnswer(req, { detectedFreeBytes: 1e9 }));
  return a.perGpu!;
};
const row = (g: PerGpuAnswer, v: string) => g.variants.find((x) => x.variant === v)!;

describe('per-GPU KV cache under tensor parallelism (hand-computed)', () => {
  it('Llama-3.1-70B: 8 K/V heads split over TP 8, then replicated at TP 16: 40,960 B/token per GPU both', () => {
    // per layer 2 x 8 heads x 128 x 2 B = 4,096; x 80 layers = 327,680 on one GPU
    const tp8 = perGpu(request('llama-3.1-70b', layout({ tp: 8, gpuCount: 8 })));
    const gqa = row(tp8, 'gqa');
    expect(gqa.isModel).toBe(true);
    expect(gqa.modelKvBytesPerToken).toBe(327_680);
    expect(gqa.kvBytesPerToken).toBe(40_960);
    expect(gqa.kvHeadsPerGpu).toBe(1);
    expect(gqa.copies).toBe(1);
    expect(gqa.rule).toBe('8 K/V heads split over 8 TP ranks: 1 per GPU');
    // weights 70.6e9 x 2 B / 8 = 17.65e9; free 80e9 - 17.65e9 = 62.35e9
    expect(tp8.weightsBytes).toBeCloseTo(17.65e9, 0);
    expect(tp8.freeForCacheBytes).toBeCloseTo(62.35e9, 0);
    expect(gqa.cacheBytesAtContext).toBe(40_960 * 131_072); // 5,368,709,120
    expect(gqa.largestBatch).toBe(11); // 62.35e9 / 5,368,709,120 = 11.6
    expect(gqa.largestContext).toBe(1_522_216); // 62.35e9 / 40,960 = 1,522,216.8
    // the what-ifs: MHA's 64 heads split 8 per GPU; MQA's one head and the MLA latent replicated
    expect(row(tp8, 'mha').kvBytesPerToken).toBe((2 * 64 * 128 * 2 * 80) / 8); // 327,680
    expect(row(tp8, 'mqa').kvBytesPerToken).toBe(2 * 128 * 2 * 80); // 40,960: no saving over GQA-8 at TP 8
    expect(row(tp8, 'mla-absorbed').kvBytesPerToken).toBe((512 + 64) * 2 * 80); // 92,160, more than GQA per GPU
    expect(row(tp8, 'mla-absorbed').rule).toMatch(/^MLA latent \(no heads\): whole on each of 8 TP ranks, replicated/);

    const tp16 = perGpu(request('llama-3.1-70b', layout({ tp: 16, gpuCount: 16 })));
    const g16 = row(tp16, 'gqa');
    expect(g16.kvBytesPerToken).toBe(40_960);
    expect(g16.copies).toBe(2);
    expect(g16.rule).toBe('8 K/V heads over 16 TP ranks: 1 per GPU, each replicated on 2 GPUs (split only up to n_kv)');
    expect(tp16.weightsBytes).toBeCloseTo(141.2e9 / 16, 0);
  });

  it('DeepSeek-V3: the MLA latent is whole on every TP rank (70,272 B/token at TP 8, as on one GPU); DP attention splits the sequences', () => {
    const base = { weightDtype: 'fp8' as const, batch: 8 };
    const tp8 = perGpu(request('deepseek-v3', layout({ tp: 8, gpuCount: 8, gpuMemoryBytes: 141e9 }), base));
    const mla = row(tp8, 'mla-absorbed');
    expect(mla.kvBytesPerToken).toBe(61 * 576 * 2); // 70,272
    expect(mla.modelKvBytesPerToken).toBe(70_272);
    expect(mla.copies).toBe(8);
    expect(tp8.sequencesPerGpu).toBe(8); // every rank holds every sequence's latent
    expect(tp8.weightsBytes).toBeCloseTo(671e9 / 8, 0); // fp8: 83.875e9
    expect(mla.cacheBytesAtContext).toBe(70_272 * 131_072 * 8);
    expect(mla.largestBatch).toBe(6); // (141e9 - 83.875e9) / (70,272 x 131,072) = 6.2
    expect(mla.fits).toBe(false); // 8 sequences of 128K do not fit at TP 8

    // DP attention over 8 GPUs (SGLang's --tp 8 --dp 8 --enable-dp-attention): attention TP 1, DP 8.
    const dpa = perGpu(request('deepseek-v3', layout({ dp: 8, dpAttention: true, gpuCount: 8, gpuMemoryBytes: 141e9 }), base));
    const m = row(dpa, 'mla-absorbed');
    expect(m.kvBytesPerToken).toBe(70_272);
    expect(m.copies).toBe(1);
    expect(dpa.sequencesPerGpu).toBe(1);
    expect(m.cacheBytesAtContext).toBe(70_272 * 131_072);
    // attention weights per layer: q 7168x1536 + 1536x128x192, kv down 7168x576, kv up 512x128x256, o 128x128x7168 = 187,105,280
    const attn = 187_105_280 * 61;
    expect(dpa.weightsBytes).toBeCloseTo(attn + (671e9 - attn) / 8, 0); // 93.86e9 in fp8
    expect(m.largestBatch).toBe(8 * Math.floor((141e9 - (attn + (671e9 - attn) / 8)) / (70_272 * 131_072))); // 8 x 5 = 40
    expect(m.largestBatch).toBe(40);
    expect(m.fits).toBe(true);
    expect(dpa.rules.join('\n')).toMatch(/DP attention 8: sequences split over 8 ranks \(1 of 8 each\)/);
    expect(m.rule).toMatch(/sequences split over 8 DP-attention ranks/);
  });

  it('decode context parallelism splits the cached tokens over the DCP ranks of the TP group', () => {
    const g = perGpu(request('deepseek-v3', layout({ tp: 8, dcp: 8, gpuCount: 8 }), { weightDtype: 'fp8' }));
    expect(row(g, 'mla-absorbed').kvBytesPerToken).toBe(70_272 / 8); // 8,784
    expect(row(g, 'mla-absorbed').rule).toBe('MLA latent (no heads): whole on each GPU (TP/DCP = 1); tokens split over 8 DCP ranks');
    expect(row(g, 'mla-absorbed').cacheBytesAtContext).toBe(1152 * 61 * (131_072 / 8));
    // Llama-3.1-70B at TP 16, DCP 2: heads over 8 ranks (1 each), tokens over 2
    const l = perGpu(request('llama-3.1-70b', layout({ tp: 16, dcp: 2, gpuCount: 16 })));
    expect(row(l, 'gqa').kvBytesPerToken).toBe(20_480);
    expect(row(l, 'gqa').copies).toBe(1);
  });

  it('an MQA model (Gemma-2B, one K/V head) at TP 4: the head is replicated, 18,432 B/token per GPU as on one', () => {
    const gemma = {
      model_type: 'gemma',
      hidden_size: 2048,
      num_attention_heads: 8,
      num_key_value_heads: 1,
      head_dim: 256,
      num_hidden_layers: 18,
      vocab_size: 256000,
    };
    const g = perGpu({ ...request('x', layout({ tp: 4, gpuCount: 4 })), model: { kind: 'hf-config', name: 'gemma-2b', config: gemma } });
    const mqa = row(g, 'mqa');
    expect(mqa.isModel).toBe(true);
    expect(mqa.kvBytesPerToken).toBe(2 * 256 * 2 * 18);
    expect(mqa.modelKvBytesPerToken).toBe(18_432);
    expect(mqa.copies).toBe(4);
    expect(mqa.rule).toBe('one K/V head (MQA): on each of 4 TP ranks, replicated');
  });

  it('pipeline stages split layers unevenly: 61 over PP 4 is 16 + 15 + 15 + 15, the first stage binds', () => {
    expect(stageLayers(61, 4)).toEqual([16, 15, 15, 15]);
    expect(stageLayers(80, 3)).toEqual([27, 27, 26]);
    const g = perGpu(request('deepseek-v3', layout({ tp: 2, pp: 4, gpuCount: 8, gpuMemoryBytes: 141e9 }), { weightDtype: 'fp8' }));
    expect(g.stageLayers).toEqual([16, 15, 15, 15]);
    expect(g.stage).toBe(0);
    expect(row(g, 'mla-absorbed').kvBytesPerToken).toBe(16 * 1152); // 18,432 on each of the stage's 2 TP ranks
    expect(g.weightsBytes).toBeCloseTo((671e9 * 16) / 61 / 2, 0);
    expect(g.rules.join('\n')).toMatch(/PP 4: 61 layers as 16 \+ 15 \+ 15 \+ 15/);
  });
});

describe('windowed layers', () => {
  it('Mistral-7B at TP 2: 4 of 8 K/V heads per GPU, capped at the 4,096-token window, so any context fits', () => {
    const g = perGpu(request('mistral-7b', layout({ tp: 2, gpuCount: 2, gpuMemoryBytes: 24e9 }), { context: 32768 }));
    const gqa = row(g, 'gqa');
    expect(gqa.kvBytesPerToken).toBe(131_072 / 2);
    expect(gqa.cacheBytesAtContext).toBe(65_536 * 4096);
    expect(gqa.largestContext).toBeNull();
    expect(gqa.largestBatch).toBe(Math.floor((24e9 - 7.24e9) / (65_536 * 4096)));
  });
});

describe('impossible layouts are refused with the field and the fix', () => {
  const cases: [string, CapacityRequest, string, RegExp][] = [
    [
      'TP not dividing the query heads',
      request('llama-3.1-70b', layout({ tp: 3, gpuCount: 3 })),
      'tp',
      /TP 3 does not divide the 64 query heads.*choose one of 1, 2, 4, 8, 16, 32, 64/,
    ],
    ['PP beyond the layers', request('llama-3.1-70b', layout({ pp: 81, gpuCount: 81 })), 'pp', /PP 81 is more stages than the model's 80 layers/],
    ['GPUs not tp x pp x dp', request('llama-3.1-70b', layout({ tp: 8, gpuCount: 16 })), 'gpus', /16 GPUs do not match TP 8 x PP 1 x DP 1 = 8/],
    ['DCP not dividing TP', request('deepseek-v3', layout({ tp: 8, dcp: 3, gpuCount: 8 })), 'dcp', /DCP 3 does not divide TP 8/],
    ['DP attention without DP', request('deepseek-v3', layout({ tp: 8, dpAttention: true, gpuCount: 8 })), 'dp', /DP attention needs DP 2 or more/],
    ['K/V heads that do not split', request('qwen2.5-7b', layout({ tp: 7, gpuCount: 7 })), 'tp', /7 TP ranks cannot hold 4 K\/V heads evenly/],
  ];
  it.each(cases)('%s', (_, req, field, message) => {
    expect(() => capacityAnswer(req, { detectedFreeBytes: 1e9 })).toThrow(message);
    expect(() => capacityAnswer(req, { detectedFreeBytes: 1e9 })).toThrow(expect.objectContaining({ field }) as Error);
  });
  it('Falcon-7B (71 query heads) cannot run at TP 4', () => {
    const req = { ...request('x', layout({ tp: 4, gpuCount: 4 })), model: { kind: 'hf-config' as const, name: 'falcon', config: CONFIGS['falcon-7b']! } };
    expect(() => capacityAnswer(req, { detectedFreeBytes: 1e9 })).toThrow(/TP 4 does not divide the 71 query heads.*choose one of 1, 71/);
  });
  it('a what-if whose K/V heads do not split is skipped with the reason, the model still planned', () => {
    const layer = { bytesPerToken: 100, maxTokens: null };
    const i: ParallelInput = {
      layout: { tp: 8, pp: 1, dp: 1, dcp: 1, dpAttention: false, gpuCount: 8, gpuMemoryBytes: 1e9 },
      model: { numHeads: 24, hiddenSize: 1, weightsBytes: 8e8, activeWeightBytes: 8e8, attentionWeightBytes: 0 },
      variants: [
        { variant: 'gqa', isModel: true, shape: '', split: { kind: 'heads', numKvHeads: 8 }, layers: [layer, layer] },
        { variant: 'mha', isModel: false, shape: '', split: { kind: 'heads', numKvHeads: 12 }, layers: [layer, layer] },
      ],
      context: 10,
      batch: 1,
    };
    const r = planParallel({ ...i, model: { ...i.model, numHeads: 24 } });
    expect(r.variants.map((v) => v.variant)).toEqual(['gqa']);
    expect(r.skipped).toEqual([
      { variant: 'mha', reason: '8 TP ranks cannot split 12 K/V heads evenly: give a TP/DCP that divides 12 or is a multiple of it' },
    ]);
    expect(headShare({ kind: 'heads', numKvHeads: 8 }, { tp: 8, dcp: 1, dp: 1, dpAttention: false }).share).toBe(1 / 8);
  });
});
