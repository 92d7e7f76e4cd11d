/**
 * Where a quantized cache's decode step goes: each form's graph (fp32 cache-left; fp8, int8 and
 * int4 dequant; int8 and int4 nbits) at Llama-3.1-8B's GQA dims, 1 layer, CPU; 5 runs, then 30
 * profiled through the timing harness (median and interval), and onnxruntime's per-op time summed
 * (not a benchmark: one process, no rounds).
 * Usage: npx tsx scripts/quant-profile.ts [tokens = 8192] [threads = 0]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { SweepConfigSchema } from '@/contract/schemas.js';
import { buildGraph } from '@/core/graph/builders.js';
import { wantsPrepack } from '@/core/graph/builders-quant.js';
import { timingFeeds } from '@/core/graph/verify.js';
import { planSweep } from '@/core/measure/planner.js';
import { availableMemory } from '@/core/measure/system.js';
import { DEFAULT_POLICY, measure } from '@/core/measure/harness.js';
import { MeasuredSession } from '@/core/runtime/session.js';
const T = Number(process.argv[2] ?? 8192);
const RUNS = 30;
const PROFILE_POLICY = { ...DEFAULT_POLICY, warmupRuns: 5, minSamples: RUNS, maxSamples: RUNS };
const threads = Number(process.argv[3] ?? 0);
const cases: [string, string][] = [
  ['fp32', 'cache-left'],
  ['fp8', 'dequant'],
  ['int8', 'dequant'],
  ['int8', 'nbits'],
  ['int4', 'dequant'],
  ['int4', 'nbits'],
];
const config = SweepConfigSchema.parse({
  model: { source: 'preset', preset: 'llama-3.1-8b' },
  variants: ['gqa'],
  contexts: [T],
  modes: ['decode'],
  provider: 'cpu',
  layers: 1,
});
const pp = planSweep(config, { availableBytes: availableMemory(), provider: 'cpu' }).points[0]!;
for (const [dtype, form] of cases) {
  const dir = mkdtempSync('/dev/shm/kvs-prof-');
  try {
    const g = buildGraph(
      { variant: 'gqa', spec: pp.spec, mode: 'decode', batch: 1, context: T, dtype: dtype as 'fp32', layers: 1, form: form as 'nbits' },
      dir,
    );
    const s = await MeasuredSession.open(g.modelPath, { provider: 'cpu', threads, prepack: wantsPrepack(g), profile: true });
    const feeds = timingFeeds(g.inputs, 11);
    // through the one harness: 5 warm-up runs, then exactly RUNS timed (the profile's per-op sums are over them)
    const m = await measure(() => s.run(feeds), PROFILE_POLICY);
    const [lo, hi] = m.summary.ci95;
    const byOp = new Map<string, number>();
    for (const p of s.placement(5)) byOp.set(p.op, (byOp.get(p.op) ?? 0) + p.durUs);
    const total = [...byOp.values()].reduce((a, b) => a + b, 0);
    console.log(
      `${dtype} ${form}: median ${m.summary.median.toFixed(2)} ms/run [${lo.toFixed(2)}, ${hi.toFixed(2)}] of ${RUNS}${m.noisy ? ` (noisy: ${m.noiseText.join('; ')})` : ''}; ` +
        `by op, mean ms/run: ${[...byOp]
          .sort((a, b) => b[1] - a[1])
          .map(([op, us]) => `${op} ${(us / RUNS / 1000).toFixed(2)}`)
          .join(', ')} (ops total ${(total / RUNS / 1000).toFixed(2)})`,
    );
    await s.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
