import { describe, expect, it } from 'vitest';
import { ReportSchema, type SweepConfigInput } from '@/contract/schemas.js';
import { cacheBytesPerElement } from '@/contract/lists.js';
import { kvBytesPerToken, kvElementsPerToken } from '../model/spec.js';
import { runSweep } from './runner.js';

// Probe figures given, so the test times the sweep logic and not the probes.
const probes = { bandwidthGBs: 10, gflops: 50, bandwidthMethod: 'test', gflopsMethod: 'test', emptyRunMs: 0.01 };
const config: SweepConfigInput = {
  model: {
    source: 'custom',
    name: 'tiny-mla',
    attention: { kind: 'mla', numHeads: 4, kvLoraRank: 64, qkNopeHeadDim: 16, qkRopeHeadDim: 32, vHeadDim: 16, qLoraRank: 0 },
    numLayers: 4,
    maxContext: 4096,
  },
  variants: ['mha', 'gqa', 'mqa', 'mla-absorbed'],
  gqaGroups: 2,
  contexts: [256],
  dtypes: ['int8', 'int4'],
  modes: ['decode', 'prefill'],
  provider: 'cpu',
  budgetSeconds: 0.05,
};

describe('a sweep with quantized caches on the CPU', () => {
  it('measures int8 and int4 decode for MHA, GQA, MQA and absorbed MLA with their accuracy cost, and lists prefill as unsupported', async () => {
    const report = await runSweep(config, { runId: 'q1', probes, onEvent: () => {} });
    expect(ReportSchema.safeParse(report).success).toBe(true);
    const decode = report.points.filter((p) => p.mode === 'decode');
    expect(decode).toHaveLength(8);
    for (const p of decode) {
      expect(p.status, `${p.id}: ${p.reason}`).toBe('ok');
      // the head variants chose between MatMulNBits and the dequantizing fallback, with both timed
      const forms = p.spec.kind === 'mla' ? ['dequant'] : ['dequant', 'nbits'];
      expect(Object.keys(p.formTimingsMs ?? {}).sort()).toEqual(forms);
      expect(forms).toContain(p.form);
      // bytes: the analytic count with scales, what the graph stored, and what the roofline reads
      expect(p.kvBytesPerTokenPerLayer).toBe(kvBytesPerToken(p.spec, p.dtype));
      expect(p.kvBytesPerTokenPerLayer).toBeLessThan(kvElementsPerToken(p.spec) * cacheBytesPerElement('fp16'));
      expect(p.memory!.analyticCacheBytes).toBe(p.kvBytesPerTokenPerLayer * 256);
      expect(p.roofline!.bytes).toBeGreaterThanOrEqual(p.memory!.analyticCacheBytes);
      expect(p.timing!.medianMs).toBeGreaterThan(0);
      // checked against the stored values; the cost against the unquantized cache is reported
      expect(p.verifyMaxAbsError).toBeLessThan(1e-4);
      expect(p.accuracy!.context).toBe(64);
      expect(p.accuracy!.maxAbsError).toBeGreaterThan(0);
      expect(p.accuracy!.klDivergence).toBeGreaterThan(0);
    }
    const err = (dtype: string) => Math.max(...decode.filter((p) => p.dtype === dtype).map((p) => p.accuracy!.relativeL2));
    expect(err('int4')).toBeGreaterThan(err('int8'));
    const prefill = report.points.filter((p) => p.mode === 'prefill');
    expect(prefill).toHaveLength(8);
    for (const p of prefill) {
      expect(p.status).toBe('unsupported');
      expect(p.reason).toMatch(/decode only/);
    }
  }, 120_000);
});
