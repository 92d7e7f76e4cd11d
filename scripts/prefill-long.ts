/**
 * One long prefill, run once (not a benchmark): builds the graph the planner would choose for a
 * preset's dims, prints the plan's predicted bytes, opens a session, runs it once and prints the
 * time and the process's peak RSS. Usage:
 *   npx tsx scripts/prefill-long.ts <preset> <variant> <tokens> [--no-run] [--threads N] [--no-arena]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SweepConfigSchema } from '@/contract/schemas.js';
import { buildGraph } from '@/core/graph/builders.js';
import { timingFeeds } from '@/core/graph/verify.js';
import { planSweep, formatBytes, prefillMemoryParts } from '@/core/measure/planner.js';
import { availableMemory, processMemory, resetPeak } from '@/core/measure/system.js';
import { MeasuredSession } from '@/core/runtime/session.js';
import type { Variant } from '@/core/model/spec.js';

const [preset = 'llama-3.1-8b', variant = 'gqa', tokens = '32768', ...rest] = process.argv.slice(2);
const threads = rest.includes('--threads') ? Number(rest[rest.indexOf('--threads') + 1]) : 0;
const config = SweepConfigSchema.parse({
  model: { source: 'preset', preset },
  variants: [variant as Variant],
  contexts: [Number(tokens)],
  modes: ['prefill'],
  maxPrefillContext: Number(tokens),
  provider: 'cpu',
  threads,
});
const plan = planSweep(config, { availableBytes: availableMemory(), provider: 'cpu' });
const planned = plan.points[0]!;
// --form decomposed|blocked and --block N override the planner's choice (to compare the forms)
const arg = (k: string): string | undefined => (rest.includes(k) ? rest[rest.indexOf(k) + 1] : undefined);
const pp = {
  ...planned,
  form: (arg('--form') ?? planned.form) as typeof planned.form,
  prefillBlock: arg('--block') ? Number(arg('--block')) : planned.prefillBlock,
};
console.log(
  `plan: ${pp.id} form ${pp.form}${pp.prefillBlock ? ` (${pp.prefillBlock} queries per block)` : ''}, predicted ${formatBytes(pp.predictedBytes)} (${pp.predictedBytes} B), fits ${pp.fits}; ${pp.notes ?? ''}`,
);
const parts = prefillMemoryParts(
  { spec: pp.spec, variant: pp.variant, form: pp.form, batch: 1, t: pp.context, dtype: 'fp32', rows: pp.prefillBlock ?? pp.context },
  1,
);
console.log(
  `predicted by part: ${Object.entries(parts)
    .map(([k, v]) => `${k} ${formatBytes(v)}`)
    .join(', ')}`,
);
const dir = mkdtempSync(join(tmpdir(), 'kvscope-prefill-'));
const baseline = processMemory().rssBytes;
console.log(`RSS before the graph: ${formatBytes(baseline)}`);
try {
  let t = performance.now();
  const g = buildGraph(
    {
      variant: pp.variant,
      spec: pp.spec,
      mode: 'prefill',
      batch: 1,
      context: pp.context,
      dtype: 'fp32',
      layers: 1,
      form: pp.form,
      prefillBlock: pp.prefillBlock,
    },
    dir,
  );
  console.log(`graph built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  resetPeak();
  t = performance.now();
  const opt = rest.includes('--opt') ? (rest[rest.indexOf('--opt') + 1] as 'all') : 'all';
  const session = await MeasuredSession.open(g.modelPath, { provider: 'cpu', threads, graphOptimization: opt, arena: !rest.includes('--no-arena') });
  const opened = processMemory().rssBytes;
  console.log(
    `session open in ${((performance.now() - t) / 1000).toFixed(1)} s; RSS ${formatBytes(opened)} (${formatBytes(opened - baseline)} above the RSS before the graph)`,
  );
  if (!rest.includes('--no-run')) {
    const feeds = timingFeeds(g.inputs, 11);
    const fed = processMemory().rssBytes;
    console.log(`RSS with the feeds made: ${formatBytes(fed)} (${formatBytes(fed - baseline)} above the RSS before the graph)`);
    t = performance.now();
    const out = await session.run(feeds);
    const seconds = (performance.now() - t) / 1000;
    console.log(
      `RSS after the run, the output returned: ${formatBytes(processMemory().rssBytes - baseline)} above the RSS before (${Object.keys(out).length} output)`,
    );
    const m = processMemory();
    console.log(
      `ran once in ${seconds.toFixed(1)} s; peak RSS ${formatBytes(m.peakBytes)} (${m.peakBytes} B), ` +
        `${formatBytes(m.peakBytes - baseline)} above the RSS before the graph, vs predicted ${formatBytes(pp.predictedBytes)}`,
    );
  }
  await session.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
