import { describe, expect, it } from 'vitest';
import type { CapacityAnswer } from '@/contract/api';
import { FormError } from './config-form';
import { classifyDrop, defaultPlannerForm, formContext, onnxPlannerRequest, parseMemory, plannerChart, plannerContexts, plannerRequest } from './planner-form';

describe('planner form', () => {
  it('parses memory budgets', () => {
    expect(parseMemory('80GB')).toBe(80e9);
    expect(parseMemory(' 24 GiB ')).toBe(24 * 2 ** 30);
    expect(parseMemory('512mb')).toBe(512e6);
    expect(parseMemory('')).toBeNull();
    expect(() => parseMemory('lots')).toThrow(FormError);
    expect(() => parseMemory('0GB')).toThrow(/not a size/);
  });

  it('builds the request and names the field at fault', () => {
    const f = { ...defaultPlannerForm(), presetId: 'llama-3.1-8b', memory: '80GB', context: '8192' };
    expect(plannerRequest(f)).toMatchObject({ model: { kind: 'preset', id: 'llama-3.1-8b' }, memoryBytes: 80e9, context: 8192, batch: 1 });
    expect(() => plannerRequest({ ...f, batch: '0' })).toThrow(expect.objectContaining({ field: 'batch' }) as Error);
    expect(() => plannerRequest({ ...f, source: 'hf-config', configText: '{ "model_type": ' })).toThrow(/config.json is not valid JSON/);
    expect(() => plannerRequest({ ...f, source: 'hf-config', configText: '[1]' })).toThrow(/JSON object/);
    expect(plannerRequest({ ...f, source: 'hf-config', configText: '{"model_type":"llama"}', configName: 'config.json' }).model).toEqual({
      kind: 'hf-config',
      name: 'config.json',
      config: { model_type: 'llama' },
    });
  });

  it('passes the MLA what-if rank only when given, and names its field', () => {
    const f = { ...defaultPlannerForm(), presetId: 'llama-3.1-8b' };
    expect(plannerRequest(f)).not.toHaveProperty('mlaRank');
    expect(plannerRequest({ ...f, mlaRank: ' 256 ' }).mlaRank).toBe(256);
    expect(() => plannerRequest({ ...f, mlaRank: '0' })).toThrow(expect.objectContaining({ field: 'mlaRank' }) as Error);
    expect(() => plannerRequest({ ...f, mlaRank: 'big' })).toThrow(/MLA rank must be a whole number from 1 to 1,048,576/);
  });

  it('passes the paged assumption (16-token pages, windows kept by default) and names its field', () => {
    const f = defaultPlannerForm();
    expect(plannerRequest(f).paging).toEqual({ pageTokens: 16, windowedLayers: 'window' });
    expect(plannerRequest({ ...f, pageTokens: '32', pagedWindows: 'full' }).paging).toEqual({ pageTokens: 32, windowedLayers: 'full' });
    expect(() => plannerRequest({ ...f, pageTokens: '0' })).toThrow(expect.objectContaining({ field: 'pageTokens' }) as Error);
  });

  it("builds the ONNX capacity request from the layout and the form, in the file's dtype unless asked", () => {
    const layout = {
      path: '/m/decoder.onnx',
      name: 'decoder.onnx',
      layers: 2,
      numKvHeads: 2,
      headDim: 8,
      dtype: 'fp32',
      kvBytesPerToken: 256,
      otherInputs: ['input_ids'],
      params: 10_000,
      weightBytes: 40_000,
    };
    const f = { ...defaultPlannerForm(), memory: '1GB', context: '4096', batch: '2' };
    expect(onnxPlannerRequest(f, layout)).toEqual({
      layout: { layers: 2, numKvHeads: 2, headDim: 8, dtype: 'fp32', weightBytes: 40_000 },
      memoryBytes: 1e9,
      context: 4096,
      batch: 2,
    });
    expect(onnxPlannerRequest({ ...f, onnxUseCacheDtype: true, cacheDtype: 'fp8' }, layout).cacheDtype).toBe('fp8');
    expect(onnxPlannerRequest({ ...f, memory: '' }, layout).memoryBytes).toBeNull();
    expect(() => onnxPlannerRequest({ ...f, context: 'x' }, layout)).toThrow(expect.objectContaining({ field: 'context' }) as Error);
    expect(() => onnxPlannerRequest(f, { ...layout, dtype: 'int8' })).toThrow(/not one kvscope plans/);
  });

  it('charts the cache per variant against the memory left after the weights, window-aware', () => {
    const a = {
      model: { maxContext: 8192, slidingWindow: 4096, numLayers: 1 },
      weightsBytes: 1000,
      memoryBytes: 1e9,
      memorySource: 'entered',
      cacheBytesPerElement: 2,
      variants: [
        {
          variant: 'mha',
          isModel: false,
          kvBytesPerTokenPerLayer: 10,
          kvBytesPerToken: 10,
          largestContext: 100,
          largestBatch: 1,
          vsMha: 1,
          cacheBytesAtContext: 0,
        },
        {
          variant: 'gqa',
          isModel: true,
          kvBytesPerTokenPerLayer: 2,
          kvBytesPerToken: 2,
          largestContext: null,
          largestBatch: 1,
          vsMha: 0.2,
          cacheBytesAtContext: 0,
        },
      ],
    } as unknown as CapacityAnswer;
    expect(plannerContexts(a, 4096)).toEqual([1024, 2048, 4096, 8192]);
    const c = plannerChart(a, 2, 4096);
    expect(c.series.map((s) => s.label)).toEqual(['MHA analytic', 'GQA (model) analytic', 'memory left for the cache (entered 954 MiB − weights 1000 B)']);
    // the weights are not in the series: variants stay apart however large the weights
    expect(c.series[0]!.data.at(-1)).toEqual({ x: 8192, y: 10 * 4096 * 2 });
    expect(c.series[2]!.data[0]!.y).toBe(1e9 - 1000);
    expect(c.note).toBeUndefined();
    // weights over the memory: no line, a note
    const dead = plannerChart({ ...a, weightsBytes: 2e9 }, 1, 4096);
    expect(dead.series.map((s) => s.variant)).toEqual(['mha', 'gqa']);
    expect(dead.note).toBe('No memory is left for the cache: the weights alone need 1.9 GiB.');
  });

  it('reads contexts in the sweep\'s grammar: "128k" is 131072', () => {
    const f = { ...defaultPlannerForm(), context: '128k', batch: '4' };
    expect(plannerRequest(f)).toMatchObject({ context: 131072, batch: 4 });
    expect(() => plannerRequest({ ...f, context: '0' })).toThrow(/Context must be a whole number from 1 to 1,000,000,000/);
    expect(formContext(f)).toBe(131072);
    expect(formContext({ context: 'lots' })).toBe(0);
  });

  it('charts a hybrid model layer by layer: 1 global + 1 sliding(1024) layer', () => {
    const a = {
      model: { maxContext: null, slidingWindow: null, numLayers: 2, layerKinds: [{ kind: 'global' }, { kind: 'sliding', window: 1024 }] },
      weightsBytes: 0,
      memoryBytes: 1e9,
      memorySource: 'entered',
      cacheBytesPerElement: 2,
      variants: [
        {
          variant: 'gqa',
          isModel: true,
          kvBytesPerTokenPerLayer: 10,
          kvBytesPerToken: 20,
          largestContext: null,
          largestBatch: 1,
          vsMha: 1,
          cacheBytesAtContext: 0,
        },
      ],
    } as unknown as CapacityAnswer;
    // at 8192: 10 B x (8192 + 1024) tokens x batch 1
    expect(plannerChart(a, 1, 4096).series[0]!.data.find((d) => d.x === 8192)!.y).toBe(10 * (8192 + 1024));
  });

  it('classifies dropped files', () => {
    expect(classifyDrop('m.onnx')).toBe('onnx');
    expect(classifyDrop('config.json', '{"model_type":"llama"}')).toBe('hf-config');
    expect(classifyDrop('run.json', '{"schema": "kvscope.report", "version": 1}')).toBe('report');
    expect(classifyDrop('x.txt')).toBe('unknown');
  });
});
