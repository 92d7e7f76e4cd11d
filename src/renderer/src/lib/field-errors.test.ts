import { describe, expect, it } from 'vitest';
import { defaultForm, FormError, formToConfig, type SetupForm } from './config-form';
import { errorId, invalidAttrs, sweepFieldError } from './field-errors';

const customForm = (patch: Partial<SetupForm['custom']>): SetupForm => {
  const f = defaultForm();
  f.source = 'custom';
  f.custom = { ...f.custom, kind: 'gqa', numHeads: 8, numKvHeads: 2, headDim: 64, ...patch };
  return f;
};
const errorOf = (f: SetupForm) => {
  try {
    formToConfig(f);
  } catch (e) {
    return sweepFieldError(e, f.source);
  }
  return null;
};

describe('errors at their field', () => {
  it('the form names the field and its range: K/V heads 0, 100,000 heads, an emptied head dim, 100,000 layers', () => {
    expect(errorOf(customForm({ numKvHeads: 0 }))).toEqual({ field: 'numKvHeads', message: 'K/V heads must be a whole number from 1 to 1,024' });
    expect(errorOf(customForm({ numHeads: 100_000 }))).toEqual({ field: 'numHeads', message: 'Query heads must be a whole number from 1 to 1,024' });
    expect(errorOf(customForm({ headDim: null as unknown as number }))).toEqual({
      field: 'headDim',
      message: 'Head dim must be a whole number from 1 to 8,192',
    });
    expect(errorOf(customForm({ numLayers: 100_000 }))).toEqual({ field: 'numLayers', message: 'Model layers must be a whole number from 1 to 1,024' });
    expect(errorOf({ ...defaultForm(), layers: 0 })).toEqual({ field: 'layers', message: 'Measured layers must be a whole number from 1 to 256' });
    expect(errorOf(customForm({}))).toBeNull();
  });

  it("the engine's errors go to the field their path names, without the path", () => {
    expect(sweepFieldError(new Error('model.attention.numKvHeads: K/V heads must be a whole number from 1 to 1,024'), 'custom')).toEqual({
      field: 'numKvHeads',
      message: 'K/V heads must be a whole number from 1 to 1,024',
    });
    expect(sweepFieldError(new Error('contexts.3: Too big'), 'preset')).toEqual({ field: 'contexts', message: 'Too big' });
  });

  it('a config.json that lacks a field: the error sits under the text, not in the plan', () => {
    expect(sweepFieldError(new Error('config.json lacks "num_attention_heads" or "n_head"; add it'), 'hf-config').field).toBe('hfConfig');
    expect(sweepFieldError(new Error('config field "num_hidden_layers" must be an integer from 1 to 1024, got 0'), 'hf-config').field).toBe('hfConfig');
    // anything else stays with the plan
    expect(sweepFieldError(new Error('the sweep has no points'), 'preset').field).toBe('');
    expect(sweepFieldError(new FormError('contexts', 'x'), 'preset')).toEqual({ field: 'contexts', message: 'x' });
  });

  it('marks the input invalid and points it at the error', () => {
    const e = { field: 'numKvHeads', message: 'm' };
    expect(invalidAttrs(e, 'numKvHeads')).toEqual({ 'aria-invalid': true, 'aria-describedby': errorId('numKvHeads') });
    expect(invalidAttrs(e, 'headDim')).toEqual({ 'aria-invalid': false, 'aria-describedby': undefined });
    expect(invalidAttrs(null, 'budgetSeconds', 'hint')).toEqual({ 'aria-invalid': false, 'aria-describedby': 'hint' });
  });
});
