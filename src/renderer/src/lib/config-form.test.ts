import { describe, expect, it } from 'vitest';
import { SweepConfigSchema } from '@/contract/schemas';
import { DEFAULT_SWEEP, QUICK_SWEEP } from '@/contract/defaults';
import { defaultForm, FormError, formToConfig, quickForm } from './config-form';
import { formFromConfig } from './config-form-load';
import { parseContexts } from './format';

describe('formToConfig', () => {
  it('turns the quick-check form into a valid sweep config', () => {
    const cfg = formToConfig(quickForm());
    const parsed = SweepConfigSchema.parse(cfg);
    expect(parsed.model).toEqual({ source: 'preset', preset: 'llama-3.1-8b' });
    expect(parsed.contexts).toEqual([512, 1024, 2048, 4096, 8192]);
    expect(parsed.variants).toEqual(['mha', 'gqa', 'mqa', 'mla-absorbed']);
  });

  it("the default form is the CLI's default sweep: DeepSeek-V3 dims, every variant, 512..128k*4", () => {
    const parsed = SweepConfigSchema.parse(formToConfig(defaultForm()));
    expect(parsed.model).toEqual({ source: 'preset', preset: DEFAULT_SWEEP.preset });
    expect(DEFAULT_SWEEP.preset).toBe('deepseek-v3');
    expect(parsed.contexts).toEqual([512, 2048, 8192, 32768, 131072]);
    expect(parsed.variants).toEqual(['mha', 'gqa', 'mqa', 'mla-naive', 'mla-absorbed']);
    // the CLI's default flags give this same config (src/cli/defaults.test.ts)
    expect(parsed).toEqual(
      SweepConfigSchema.parse({
        model: { source: 'preset', preset: DEFAULT_SWEEP.preset },
        variants: [...DEFAULT_SWEEP.variants],
        contexts: parseContexts(DEFAULT_SWEEP.contexts),
      }),
    );
    expect(QUICK_SWEEP.label).toMatch(/^Quick check: Llama-3\.1-8B, 512\.\.8K$/);
  });

  it('builds custom dims per attention kind', () => {
    const f = defaultForm();
    f.source = 'custom';
    f.custom = { ...f.custom, kind: 'mqa', numHeads: 4, numKvHeads: 4, headDim: 16, numLayers: 8 };
    expect(formToConfig(f).model).toEqual({
      source: 'custom',
      name: 'custom',
      attention: { kind: 'mqa', numHeads: 4, numKvHeads: 1, headDim: 16 },
      numLayers: 8,
      maxContext: null,
    });
    f.custom.kind = 'mla';
    const mla = formToConfig(f).model;
    expect(mla.source === 'custom' && mla.attention.kind).toBe('mla');
  });

  it('parses a pasted config.json', () => {
    const f = defaultForm();
    f.source = 'hf-config';
    f.hfConfigText = '{"model_type":"llama","num_attention_heads":8}';
    f.hfConfigName = 'mine';
    expect(formToConfig(f).model).toEqual({ source: 'hf-config', name: 'mine', config: { model_type: 'llama', num_attention_heads: 8 } });
  });

  it('BAD CALL - names the field at fault', () => {
    const cases: [Partial<ReturnType<typeof defaultForm>>, string, string][] = [
      [{ variants: [] }, 'variants', 'choose at least one variant'],
      [{ contexts: 'abc' }, 'contexts', '"abc" is not a token count'],
      [{ batches: '0' }, 'batches', 'not a valid batch size'],
      [{ layers: 0 }, 'layers', 'Measured layers must be a whole number from 1 to 256'],
      [{ source: 'hf-config', hfConfigText: '[1]' }, 'hfConfig', 'must hold a JSON object'],
      [{ source: 'hf-config', hfConfigText: '{oops' }, 'hfConfig', 'not valid JSON'],
    ];
    for (const [patch, field, message] of cases) {
      const err = (() => {
        try {
          formToConfig({ ...defaultForm(), ...patch });
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(FormError);
      expect((err as FormError).field).toBe(field);
      expect((err as FormError).message).toContain(message);
    }
  });
});

describe('formFromConfig', () => {
  const roundTrip = (input: Parameters<typeof SweepConfigSchema.parse>[0]): void => {
    const config = SweepConfigSchema.parse(input);
    expect(SweepConfigSchema.parse(formToConfig(formFromConfig(config)))).toEqual(config);
  };

  it('gives back the config it was made from: presets, lists, the settings the form has no field for', () => {
    roundTrip({
      model: { source: 'preset', preset: 'llama-3.1-8b' },
      variants: ['mha', 'mla-absorbed'],
      contexts: [512, 2048, 8192],
      batches: [1, 4],
      dtypes: ['fp16'],
      modes: ['decode', 'prefill'],
      provider: 'webgpu',
      layers: 2,
      budgetSeconds: 0.5,
      threads: 3,
      gqaGroups: 4,
      maxStepSeconds: 7,
      memoryFraction: 0.5,
      maxPrefillContext: 4096,
      verify: false,
    });
    const f = formFromConfig(SweepConfigSchema.parse({ model: { source: 'preset', preset: 'llama-3.1-8b' }, variants: ['mha'], contexts: [512, 8192] }));
    // layers left to the planner ("auto", the default): the field is empty, and empty gives "auto" back
    expect(f.layers).toBeNull();
    expect(formToConfig(f).layers).toBe('auto');
    expect(formToConfig({ ...f, layers: 3 }).layers).toBe(3);
    expect(f.source).toBe('preset');
    expect(f.preset).toBe('llama-3.1-8b');
    expect(f.contexts).toBe('512, 8192');
  });

  it('custom dims go into the custom fields; dims they cannot hold into the config.json field', () => {
    const mqa = {
      source: 'custom' as const,
      name: 'tiny',
      attention: { kind: 'mqa' as const, numHeads: 4, numKvHeads: 1, headDim: 16 },
      numLayers: 8,
      maxContext: null,
    };
    roundTrip({ model: mqa, variants: ['mha'], contexts: [64] });
    expect(formFromConfig(SweepConfigSchema.parse({ model: mqa, variants: ['mha'], contexts: [64] })).source).toBe('custom');
    const mla = {
      source: 'custom' as const,
      name: 'mla',
      attention: { kind: 'mla' as const, numHeads: 8, kvLoraRank: 64, qkNopeHeadDim: 32, qkRopeHeadDim: 16, vHeadDim: 32, qLoraRank: 0 },
      numLayers: 4,
      maxContext: null,
    };
    roundTrip({ model: mla, variants: ['mla-absorbed'], contexts: [64] });
    const odd = { ...mqa, attention: { kind: 'gqa' as const, numHeads: 8, numKvHeads: 2, headDim: 16, vHeadDim: 32 }, maxContext: 4096 };
    roundTrip({ model: odd, variants: ['gqa'], contexts: [64] });
    expect(formFromConfig(SweepConfigSchema.parse({ model: odd, variants: ['gqa'], contexts: [64] })).source).toBe('hf-config');
  });

  it('a config.json model goes back into the config.json field', () => {
    roundTrip({
      model: { source: 'hf-config', name: 'Mistral', config: { model_type: 'mistral', num_attention_heads: 32 } },
      variants: ['mha'],
      contexts: [64],
    });
  });
});
