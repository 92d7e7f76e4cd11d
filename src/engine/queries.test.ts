import { describe, expect, it } from 'vitest';
import { PlanSummarySchema } from '@/contract/api.js';
import { SweepConfigSchema } from '@/contract/schemas.js';
import { plan } from './queries.js';

describe('engine plan query', () => {
  it('names the field a model error is about, as a schema path would (the app shows it there)', async () => {
    const config = SweepConfigSchema.parse({
      model: { source: 'custom', name: 'six', attention: { kind: 'mha', numHeads: 6, numKvHeads: 6, headDim: 8 }, numLayers: 2, maxContext: null },
      variants: ['mha', 'gqa'],
      gqaGroups: 4,
      contexts: [64],
      provider: 'cpu',
    });
    await expect(plan(config)).rejects.toThrow(/^gqaGroups: GQA groups \(4\) must divide the 6 query heads/);
  });

  it("carries a config.json's warnings with the model, and none for a preset", async () => {
    const config = SweepConfigSchema.parse({
      model: {
        source: 'hf-config',
        name: 'olmo',
        config: { model_type: 'olmo2', hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 4, num_hidden_layers: 2, vocab_size: 1000 },
      },
      variants: ['mha'],
      contexts: [64],
      provider: 'cpu',
    });
    const p = PlanSummarySchema.parse(await plan(config));
    expect(p.model.warnings?.join(' ')).toMatch(/model_type "olmo2"/);
    const preset = await plan(
      SweepConfigSchema.parse({ model: { source: 'preset', preset: 'llama-3.1-8b' }, variants: ['gqa'], contexts: [64], provider: 'cpu' }),
    );
    expect(preset.model.warnings).toBeUndefined();
  });
});
