import { describe, expect, it } from 'vitest';
import { PlanSummarySchema } from '@/contract/api.js';
import { SweepConfigSchema } from '@/contract/schemas.js';
import { plan } from './queries.js';

describe('engine plan query', () => {
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
