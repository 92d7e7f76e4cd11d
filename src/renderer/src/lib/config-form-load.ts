/** The setup form an opened report's sweep config gives back (its inverse is formToConfig). Pure. */
import type { SweepConfig } from '@/contract/schemas';
import { defaultForm, formToConfig, type SetupForm } from './config-form';

/** JSON with keys sorted and undefined left out, for comparing plain values. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
  );
}

/** The custom fields of a model the form can hold as custom dims, or null where it cannot (a file keeps it). */
function customOf(model: Extract<SweepConfig['model'], { source: 'custom' }>, base: SetupForm['custom']): SetupForm['custom'] | null {
  const a = model.attention;
  const custom: SetupForm['custom'] =
    a.kind === 'mla'
      ? {
          ...base,
          name: model.name,
          kind: 'mla',
          numHeads: a.numHeads,
          kvLoraRank: a.kvLoraRank,
          qkNopeHeadDim: a.qkNopeHeadDim,
          qkRopeHeadDim: a.qkRopeHeadDim,
          vHeadDim: a.vHeadDim,
          numLayers: model.numLayers,
        }
      : { ...base, name: model.name, kind: a.kind, numHeads: a.numHeads, numKvHeads: a.numKvHeads, headDim: a.headDim, numLayers: model.numLayers };
  try {
    const back = formToConfig({ ...defaultForm(), source: 'custom', custom }).model;
    return canonical(back) === canonical(model) ? custom : null;
  } catch {
    return null;
  }
}

/**
 * The form that describes a sweep config (an opened report's): formToConfig of it gives the
 * config back, so Run reruns what the report measured. Custom dims the form's fields cannot hold
 * (a V head dim, a max context) go in as the custom-model JSON the config.json field accepts.
 */
export function formFromConfig(config: SweepConfig): SetupForm {
  const form = defaultForm();
  const m = config.model;
  if (m.source === 'preset') {
    form.source = 'preset';
    form.preset = m.preset;
  } else if (m.source === 'hf-config') {
    form.source = 'hf-config';
    form.hfConfigText = JSON.stringify(m.config, null, 2);
    form.hfConfigName = m.name ?? '';
  } else {
    const custom = customOf(m, form.custom);
    if (custom) {
      form.source = 'custom';
      form.custom = custom;
    } else {
      form.source = 'hf-config';
      form.hfConfigText = JSON.stringify({ name: m.name, attention: m.attention, numLayers: m.numLayers, maxContext: m.maxContext }, null, 2);
      form.hfConfigName = m.name;
    }
  }
  return {
    ...form,
    variants: [...config.variants],
    gqaGroups: config.gqaGroups,
    contexts: config.contexts.join(', '),
    batches: config.batches.join(', '),
    dtypes: [...config.dtypes],
    modes: [...config.modes],
    layers: config.layers === 'auto' ? null : config.layers,
    budgetSeconds: config.budgetSeconds,
    threads: config.threads,
    provider: config.provider,
    kept: { maxStepSeconds: config.maxStepSeconds, memoryFraction: config.memoryFraction, maxPrefillContext: config.maxPrefillContext, verify: config.verify },
  };
}
