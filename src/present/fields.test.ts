import { describe, expect, it } from 'vitest';
import { point, report } from '@/testing/fixtures';
import { FIELDS, fieldContext, fieldsOn, fieldText, textTable } from './fields';

const field = (id: string) => FIELDS.find((f) => f.id === id)!;

describe('the field registry', () => {
  // the app, CLI and HTML tables show their fields in registry order, which the fields-* modules must keep
  it('keeps its order across the group modules', () => {
    expect(FIELDS.map((f) => f.id).join(' ')).toBe(
      'point id variant mode context cacheTokens batch dtype layerGroup graphLayers layersNote status reason form prefillBlock hypothetical kvPerTokenModel kvPerToken modelCacheBytes modelFits medianMs p95Ms minMs meanMs perLayerMs ciHalfWidth noisy rounds p95PerLayerMs cv reps overheadPerLayerMs overheadMs modelMs ttftMs tokensPerSecond bytesPerStep flopsPerStep achievedGBs achievedGflops attainableMs bound efficiency memorySaved speedup analyticCacheBytes predictedBytes rssBeforeBytes rssAfterSessionBytes rssPeakBytes measuredDeltaBytes privateDeltaBytes deviceBytes deviceMemorySource verifyMaxAbsError fellBack quantMaxAbsError quantRelativeL2 quantKl quantAccuracyContext ci95LoMs ci95HiMs modelCi95LoMs modelCi95HiMs iqrMs madMs outliers stoppedBy noise otherCpuShare stealShare efficiencyCi95Lo efficiencyCi95Hi',
    );
  });

  it("the app's first columns are the variant, the context, the batch, throughput and efficiency (on screen without scrolling)", () => {
    expect(
      fieldsOn('app')
        .slice(0, 6)
        .map((f) => f.id),
    ).toEqual(['variant', 'context', 'batch', 'tokensPerSecond', 'efficiency', 'modelMs']);
    // the other surfaces keep the registry's order
    expect(fieldsOn('cli')[0]!.id).toBe('point');
  });

  it("flags a point whose whole model's cache is over the memory budget, on every table, where the budget is known", () => {
    const small = point({ variant: 'mha', context: 64 });
    const big = { ...point({ variant: 'mha', context: 128 }), modelCacheBytes: 10 * 2 ** 30 };
    const ctx = fieldContext([small, big], {}, 8 * 2 ** 30);
    expect(field('modelFits').get(small, ctx)).toBe(true);
    expect(field('modelFits').get(big, ctx)).toBe(false);
    expect(fieldText(field('modelFits'), big, ctx)).toBe('no');
    expect(field('modelFits').warn!(big, ctx)).toBe(true);
    expect(field('modelFits').warn!(small, ctx)).toBe(false);
    // no budget (a report from before it was recorded): nothing said
    expect(fieldText(field('modelFits'), big, fieldContext([big]))).toBeNull();
    expect(field('modelFits').surfaces).toEqual(['cli', 'csv', 'html', 'app']);
  });

  it('shows the variant under its display name, the CSV keeps the id', () => {
    const p = point({ variant: 'mla-absorbed', context: 64 });
    const ctx = fieldContext([p]);
    expect(fieldText(field('variant'), p, ctx)).toBe('MLA (absorbed)');
    expect(field('variant').get(p, ctx)).toBe('mla-absorbed');
  });

  it('shows CV as a percentage in the HTML table as in the app (the CSV keeps the fraction)', () => {
    const r = report([point({ variant: 'mha', context: 64 })]);
    const p = { ...r.points[0]!, timing: { ...r.points[0]!.timing!, cv: 2.492 } };
    const [head, row] = textTable('html', [p], fieldContext([p], r.scaling), '');
    expect(row![head!.indexOf('cv')]).toBe('249%');
    expect(field('cv').get(p, fieldContext([p]))).toBe(2.492);
  });

  it("shows the whole-model step's 95% interval wherever the step is shown: the model's own, or the median's scaled", () => {
    const base = point({ variant: 'mha', context: 64 });
    // median 1.00 ms (0.99–1.01), 8 layers: 8.00 (7.92–8.08)
    const p = { ...base, timing: { ...base.timing!, medianMs: 1, ci95Ms: [0.99, 1.01] as [number, number], modelMs: 8 } };
    const ctx = fieldContext([p]);
    expect(fieldText(field('modelMs'), p, ctx)).toBe('8.00 (7.92–8.08)');
    expect(field('modelCi95LoMs').get(p, ctx)).toBeCloseTo(7.92, 10);
    // a hybrid model's whole-model point: its bootstrap interval of the sum over layer kinds
    const h = { ...p, timing: { ...p.timing!, modelMs: 10.5, modelCi95Ms: [10.2, 10.9] as [number, number] } };
    expect(fieldText(field('modelMs'), h, ctx)).toBe('10.50 (10.20–10.90)');
    expect(field('modelCi95HiMs').get(h, ctx)).toBe(10.9);
    const pre = { ...h, mode: 'prefill' as const };
    expect(fieldText(field('ttftMs'), pre, ctx)).toBe('10.50 (10.20–10.90)');
    expect(field('modelMs').surfaces).toEqual(['cli', 'csv', 'app']);
    expect(field('ttftMs').surfaces).toEqual(['cli', 'csv', 'html', 'app']);
    // no interval known (migrated from version 1): the step alone
    const old = { ...p, timing: { ...p.timing!, ci95Ms: null, modelCi95Ms: null } };
    expect(fieldText(field('modelMs'), old, ctx)).toBe('8.00');
  });

  it('says which figures are the whole model and which the measured layers', () => {
    expect(field('modelCacheBytes').label).toBe('KV (whole model)');
    expect(field('measuredDeltaBytes').label).toBe('RSS delta (measured layers)');
    expect(field('tokensPerSecond').label).toBe('tok/s (attention)');
  });
});

describe('quantized cache accuracy fields', () => {
  const accuracy = { maxAbsError: 0.0123, relativeL2: 0.0456, klDivergence: 7.8e-5, context: 64 };
  it('show the accuracy cost on every table where a point has it, and stay out where none has', () => {
    const q = point({ variant: 'gqa', context: 1024, dtype: 'int4', accuracy });
    const f = point({ variant: 'gqa', context: 1024 });
    const ctx = fieldContext([q, f]);
    for (const surface of ['cli', 'html', 'app'] as const) {
      const [header, row] = textTable(surface, [q], ctx, '-');
      expect(header).toContain('cache quant err');
      expect(row).toContain('1.2e-2');
      expect(row).toContain('4.6e-2');
      expect(row).toContain('7.8e-5');
      expect(textTable(surface, [f], ctx, '-')[0]).not.toContain('attn KL (nats)');
    }
    const byCsv = Object.fromEntries(FIELDS.filter((x) => x.csv?.startsWith('quant_')).map((x) => [x.csv, x.get(q, ctx)]));
    expect(byCsv).toEqual({ quant_max_abs_error: 0.0123, quant_relative_l2: 0.0456, quant_kl_divergence: 7.8e-5, quant_accuracy_context_tokens: 64 });
  });
});
