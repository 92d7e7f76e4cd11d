import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTinyDecoder } from '@/core/model/tiny-decoder.js';
import { createEngineHost, type Outgoing } from './host.js';
import { onnxInspect, onnxSweep } from './queries.js';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-engine-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'tiny.onnx');
writeTinyDecoder(path, { layers: 2, numHeads: 4, numKvHeads: 2, headDim: 8, vocab: 100 });

describe("engine ONNX queries (the app's import and sweep)", () => {
  it('reads the layout the planner view shows', async () => {
    expect(await onnxInspect(path)).toEqual({
      path,
      name: 'tiny.onnx',
      layers: 2,
      numKvHeads: 2,
      headDim: 8,
      dtype: 'fp32',
      kvBytesPerToken: 2 * 2 * 2 * 8 * 4,
      otherInputs: ['input_ids', 'attention_mask'],
      // embedding 100x32, 2 layers of Wq/Wk/Wv/Wo (32x32, 32x16, 32x16, 32x32), output 32x100 = 12544,
      // and the graph's two scalar constants; all fp32 in the file
      params: 12546,
      weightBytes: 12546 * 4,
    });
  });

  it('sweeps it: the returned cache matches the analytic size', async () => {
    const r = await onnxSweep(path, [4, 32]);
    expect(r.points.map((p) => p.past)).toEqual([4, 32]);
    for (const p of r.points) expect(p.measuredPresentBytes).toBe(p.analyticPresentBytes);
    // the app shows each step's interval and noise too
    for (const p of r.points) {
      expect(p.ci95Ms[0]).toBeLessThanOrEqual(p.medianMs);
      expect(p.ci95Ms[1]).toBeGreaterThanOrEqual(p.medianMs);
      expect(Array.isArray(p.noise)).toBe(true);
    }
  });

  it("BAD CALL - a past that would not fit this machine's memory is refused before anything is allocated", async () => {
    // 1 Gi tokens x 256 B per token, past and present: 512 GiB
    await expect(onnxSweep(path, [4, 1 << 30])).rejects.toThrow(
      /^past length 1073741824 does not fit: .* \(80% of [\d.]+ [KMGT]?i?B available\); the longest past that fits is \d+/,
    );
  });

  it('answers onnx queries through the host, with a clear error for a file that is not ONNX', async () => {
    const out: Outgoing[] = [];
    const host = createEngineHost(
      {
        runSweep: () => Promise.reject(new Error('unused')),
        describe: () => Promise.reject(new Error('unused')),
        presets: () => [],
        plan: () => Promise.reject(new Error('unused')),
        onnxInspect,
      },
      (m) => out.push(m),
    );
    host.handle({ type: 'query', id: 1, query: { kind: 'onnx-inspect', path } });
    host.handle({ type: 'query', id: 2, query: { kind: 'onnx-inspect', path: join(dir, 'missing.onnx') } });
    host.handle({ type: 'query', id: 3, query: { kind: 'onnx-sweep', path, pasts: [1] } });
    await expect.poll(() => out.length).toBe(3);
    const byId = Object.fromEntries(out.map((m) => [(m as { id: number }).id, m]));
    expect((byId[1] as { result: { layers: number } }).result.layers).toBe(2);
    expect((byId[2] as { error: { message: string } }).error.message).toMatch(/ENOENT|no such file/);
    expect((byId[3] as { error: { message: string } }).error.message).toBe('this engine cannot sweep ONNX models');
  });
});
