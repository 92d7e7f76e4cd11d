import { describe, expect, it } from 'vitest';
import type { PresetInfo } from '@/contract/api';
import { configModelName, weightsDeadEnd } from '@/present/plan-words';
import { firstFit } from './planner-start';

const preset = (id: string, total: number): PresetInfo => ({
  id,
  title: id,
  source: 'test',
  attention: { kind: 'mha', numHeads: 8, numKvHeads: 8, headDim: 64 },
  numLayers: 8,
  maxContext: null,
  params: { total, active: total },
});
const PRESETS = [preset('llama-3.1-8b', 8.03e9), preset('deepseek-v3', 671e9), preset('llama-3.1-70b', 70.6e9), preset('deepseek-v2-lite', 15.7e9)];
const GiB = 2 ** 30;

describe("the planner's first screen", () => {
  it('opens on the largest preset whose bf16 weights fit the memory detected, else narrower weights', () => {
    // 22.5 GiB: DeepSeek-V3 (1.2 TiB) and the 70B do not fit; V2-Lite (31 GB) neither; Llama 8B (16 GB) does
    expect(firstFit(PRESETS, 22.5 * GiB)).toEqual({ presetId: 'llama-3.1-8b', weightDtype: 'bf16' });
    // a machine with 2 TiB free opens on the default, DeepSeek-V3, in bf16
    expect(firstFit(PRESETS, 2048 * GiB)).toEqual({ presetId: 'deepseek-v3', weightDtype: 'bf16' });
    // 12 GiB: nothing in bf16; fp8 V2-Lite (15.7 GB) is over 80%; fp8 Llama 8B fits
    expect(firstFit(PRESETS, 12 * GiB)).toEqual({ presetId: 'llama-3.1-8b', weightDtype: 'fp8' });
    expect(firstFit(PRESETS, 1 * GiB)).toBeNull();
    expect(firstFit(PRESETS, null)).toBeNull();
  });

  it('explains a dead end: what the weights need, and what would fit', () => {
    const v3 = { weightsBytes: 671e9 * 2, memoryBytes: 22.5 * GiB, params: { total: 671e9 } };
    expect(weightsDeadEnd(v3, 'bf16')).toBe(
      'Weights alone need 1.2 TiB (bf16), more than the 22.5 GiB of memory: no context fits. ' +
        'Try splitting the model over 56 such devices (tensor parallel), a smaller model or narrower weights (even int4 needs 312 GiB).',
    );
    expect(weightsDeadEnd(v3, 'bf16', 'cli')).toContain('Try --tp 56, a smaller model');
    const lite = { weightsBytes: 15.7e9 * 2, memoryBytes: 22.5 * GiB, params: { total: 15.7e9 } };
    expect(weightsDeadEnd(lite, 'bf16')).toContain('fp8 weights (14.6 GiB)');
    expect(weightsDeadEnd({ ...lite, memoryBytes: 80 * GiB }, 'bf16')).toBeNull();
  });

  it("titles a config.json by the model's name", () => {
    expect(configModelName({ _name_or_path: 'mistralai/Mistral-7B-v0.1', architectures: ['MistralForCausalLM'] }, 'config.json')).toBe(
      'mistralai/Mistral-7B-v0.1',
    );
    expect(configModelName({ architectures: ['MistralForCausalLM'], model_type: 'mistral' }, 'config.json')).toBe('MistralForCausalLM');
    expect(configModelName({ model_type: 'mistral' }, 'config (1).json')).toBe('mistral');
    expect(configModelName({ model_type: 'mistral' }, 'mistral-7b.json')).toBe('mistral-7b.json');
    expect(configModelName({}, 'config.json')).toBe('config.json');
  });
});
