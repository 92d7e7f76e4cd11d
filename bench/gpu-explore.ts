/**
 * GPU exploration (scripts/device-check.sh ROUND=3): which MatMul shape reads fastest through a
 * provider (1 run and the slope over 9 repeats, 256 MiB to 3 GiB resident), to choose a bandwidth
 * probe that reaches what attention graphs read; and the fp16 reference-check errors at
 * DeepSeek-V3 dims. Prints figures only.   npx tsx bench/gpu-explore.ts [webgpu|cpu]
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/core/graph/onnx.js';
import { layoutResident, scratchDir, writeResidentFile } from '../src/core/graph/resident.js';
import { MeasuredSession } from '../src/core/runtime/session.js';
import { buildGraph } from '../src/core/graph/builders.js';
import { verifyGraph } from '../src/core/graph/verify.js';
import { measure, POLICIES } from '../src/core/measure/harness.js';
import { resolveModel, variantSpec } from '../src/core/measure/planner.js';

const ep = (process.argv[2] ?? 'webgpu') as 'webgpu' | 'cpu';
const dir = scratchDir('explore', 4 * 2 ** 30);
const prod = (d: number[]) => d.reduce((a, b) => a * b, 1);
async function time(file: string, feeds: Record<string, ort.Tensor>): Promise<number> {
  const s = await MeasuredSession.open(file, { provider: ep });
  const m = await measure(() => s.run(feeds), POLICIES.probe);
  await s.dispose();
  return m.summary.min;
}
let n = 0;
async function shape(xd: number[], md: number[]): Promise<void> {
  const { tensors } = layoutResident([{ name: 'm', role: 'cache', layer: 0, type: 'fp32', dims: md, fillKey: 'm' }]);
  const t = tensors[0]!;
  const data = join(dir, `m${n}.bin`);
  writeResidentFile(data, tensors, 3);
  const res: number[] = [];
  for (const reps of [1, 9]) {
    const g = new GraphBuilder('x');
    const m = g.external({ name: 'm', type: 'fp32', dims: md, location: `m${n}.bin`, offset: 0, length: t.length });
    const feeds: Record<string, ort.Tensor> = {};
    const ys: string[] = [];
    for (let r = 0; r < reps; r++) {
      const x = g.input(`x${r}`, 'fp32', xd);
      feeds[x] = new ort.Tensor('float32', new Float32Array(prod(xd)).fill(0.01), xd);
      ys.push(g.op('MatMul', [x, m]));
    }
    const outDims = [...md.slice(0, -2), xd[xd.length - 2]!, md[md.length - 1]!];
    g.node(reps === 1 ? 'Identity' : 'Sum', ys, { outputs: ['y'] });
    g.output('y', 'fp32', outDims);
    const file = join(dir, `s${n}-${reps}.onnx`);
    writeFileSync(file, g.encode());
    res.push(await time(file, feeds));
  }
  rmSync(data, { force: true }); // /dev/shm is memory: one shape's data at a time
  const [one, nine] = res as [number, number];
  console.log(
    `${JSON.stringify(xd)}x${JSON.stringify(md)} ${(t.length / 2 ** 20).toFixed(0)} MiB: 1 run ${one.toFixed(3)} ms ${(t.length / one / 1e6).toFixed(0)} GB/s; 9 reps ${nine.toFixed(3)} ms; slope ${((8 * t.length) / (nine - one) / 1e6).toFixed(0)} GB/s`,
  );
  n++;
}
try {
  await shape([1, 1024], [1024, 65536]);
  await shape([1, 128], [128, 524288]);
  await shape([1, 32], [32, 2097152]);
  await shape([128, 1, 128], [128, 128, 4096]);
  await shape([64, 1, 128], [64, 128, 8192]);
  await shape([8, 1, 128], [8, 128, 65536]);
  await shape([128, 1, 4096], [128, 4096, 128]);
  await shape([1, 128, 1, 192], [1, 128, 192, 8192]);
  await shape([1, 128, 1, 192], [1, 128, 192, 32768]);
  await shape([1, 128, 1, 32768], [1, 128, 32768, 128]);
  const model = resolveModel({ source: 'preset', preset: 'deepseek-v3' });
  for (const variant of ['mha', 'gqa', 'mla-naive', 'mla-absorbed'] as const)
    for (const mode of ['decode', 'prefill'] as const) {
      const g = buildGraph({ variant, spec: variantSpec(model, variant, 8), mode, batch: 1, context: 64, dtype: 'fp16', layers: 1 }, dir, `v${n++}`);
      const r = await verifyGraph(g, ep);
      console.log(
        `verify fp16 ${variant} ${mode}: max abs ${r.maxAbsError.toExponential(2)} relL2 ${r.relativeL2.toExponential(2)} excess ${r.excess.toExponential(2)} ok ${r.ok}`,
      );
    }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
