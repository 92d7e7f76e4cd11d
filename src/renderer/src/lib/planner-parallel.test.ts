import { describe, expect, it } from 'vitest';
import { ParallelRequestSchema } from '@/contract/api';
import { defaultPlannerForm, plannerRequest } from './planner-form';
import { defaultParallelForm, parallelRequest, parseGpus, wantsParallel } from './planner-parallel';

describe('planner multi-GPU fields', () => {
  it('plans one GPU until a layout field moves from its default', () => {
    expect(wantsParallel(defaultParallelForm())).toBe(false);
    expect(parallelRequest(defaultParallelForm())).toBeUndefined();
    expect(plannerRequest(defaultPlannerForm())).not.toHaveProperty('parallel');
    expect(wantsParallel({ ...defaultParallelForm(), tp: '8' })).toBe(true);
    expect(wantsParallel({ ...defaultParallelForm(), dpAttention: true })).toBe(true);
    expect(wantsParallel({ ...defaultParallelForm(), hbmGBs: '3350' })).toBe(true);
  });

  it('builds the layout the contract accepts: 8x80GB at TP 8, DP attention over 8', () => {
    const f = { ...defaultPlannerForm(), presetId: 'llama-3.1-70b', gpus: '8x80GB', tp: '8' };
    const req = plannerRequest(f);
    expect(req.parallel).toEqual({ tp: 8, pp: 1, dp: 1, dcp: 1, dpAttention: false, gpuCount: 8, gpuMemoryBytes: 80e9, linkGBs: 450, hbmGBs: null });
    expect(ParallelRequestSchema.parse(req.parallel)).toEqual(req.parallel);
    const dpa = parallelRequest({ ...defaultParallelForm(), gpus: '8 x 141GB', dp: '8', dpAttention: true, hbmGBs: '4800', linkGBs: '900' });
    expect(dpa).toMatchObject({ tp: 1, dp: 8, dpAttention: true, gpuCount: 8, gpuMemoryBytes: 141e9, hbmGBs: 4800, linkGBs: 900 });
  });

  it('reads GPUs as COUNTxSIZE and names the field at fault', () => {
    expect(parseGpus('4x24GiB')).toEqual({ count: 4, bytes: 24 * 2 ** 30 });
    const bad: [Partial<ReturnType<typeof defaultParallelForm>>, string, RegExp][] = [
      [{ gpus: '80GB' }, 'gpus', /GPUs "80GB" is not COUNTxSIZE/],
      [{ gpus: '8xlots' }, 'gpus', /"lots" is not a size/],
      [{ gpus: '0x80GB' }, 'gpus', /the GPU count must be a whole number from 1 to 1,048,576, got "0"/],
      [{ tp: '0' }, 'tp', /TP must be a whole number from 1 to 1,024, got "0"/],
      [{ pp: '1.5' }, 'pp', /PP must be a whole number/],
      [{ dp: 'x' }, 'dp', /DP must be a whole number from 1 to 65,536/],
      [{ dcp: '2000' }, 'dcp', /DCP must be a whole number from 1 to 1,024/],
      [{ linkGBs: '0' }, 'linkGBs', /Link GB\/s must be a number above 0/],
      [{ hbmGBs: 'fast' }, 'hbmGBs', /GPU memory GB\/s must be a number above 0/],
    ];
    for (const [patch, field, message] of bad) {
      const f = { ...defaultPlannerForm(), tp: '2', ...patch };
      expect(() => plannerRequest(f)).toThrow(message);
      expect(() => plannerRequest(f)).toThrow(expect.objectContaining({ field }) as Error);
    }
  });
});
