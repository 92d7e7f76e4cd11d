/**
 * kvscope's benchmarks: each prints ratios measured in this one run (no timed assertions).
 *   npm run bench            all four
 *   npm run bench -- roofline|overhead|memory|repeat|fill|forms|stability [cpu|webgpu|...]   (provider: cpu)
 *   npm run bench -- forms [provider] [T]   each decode op form at T (32768), its efficiency, the form chosen (bench/forms.ts)
 * stability (not part of all): issue 10's figures, from CLI runs in processes of their own (the default sweep, the quick check, one point in 4 processes, 3 roofline runs).
 * Targets (issue 3): best graph >= 0.6 of its roofline at T = 32K (fp32, CPU); per-run overhead
 * < 5% of the step at T = 4K; measured cache memory within 10% of analytic for caches >= 256 MB;
 * coefficient of variation of the median over 3 sweeps < 5% at T >= 8K; cache fill >= 1 GB/s.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Point, Report, SweepConfigInput } from '../src/contract/schemas.js';
import { QUICK_SWEEP } from '../src/contract/defaults.js';
import { halfWidth } from '../src/present/timing.js';
import { readReport } from '../src/core/report/report.js';
import { buildGraph } from '../src/core/graph/builders.js';
import { layoutResident, scratchDir, writeResidentFile } from '../src/core/graph/resident.js';
import { formatBytes } from '../src/core/measure/planner.js';
import { probeDevice, type ProbeResult } from '../src/core/measure/probes.js';
import { runSweep } from '../src/core/measure/runner.js';
import { measure, POLICIES } from '../src/core/measure/harness.js';
import { summarize } from '../src/core/measure/stats.js';
import { straightforwardDecode } from './reference-decode.js';
import { formsBench } from './forms.js';

const which = process.argv[2] ?? 'all';
// The provider the sweeps and probes run on: cpu unless named (`npm run bench -- roofline webgpu`).
const PROVIDERS = ['cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
const provider = (process.argv[3] ?? 'cpu') as (typeof PROVIDERS)[number];
if (!PROVIDERS.includes(provider)) {
  process.stderr.write(`bench: unknown provider ${process.argv[3]}; one of ${PROVIDERS.join(', ')}\n`);
  process.exit(2);
}
const EP = provider === 'cpu' ? 'CPU' : provider;
// forms' context (third argument): a whole number of tokens, at least 2
const formsT = Number(process.argv[4] ?? 32768);
if (!Number.isInteger(formsT) || formsT < 2) {
  process.stderr.write(`bench: the forms context must be a whole number of tokens >= 2, got ${process.argv[4]}\n`);
  process.exit(2);
}
const BENCHES = ['all', 'roofline', 'overhead', 'memory', 'repeat', 'fill', 'forms', 'stability'];
if (!BENCHES.includes(which)) {
  process.stderr.write(`bench: unknown benchmark ${which}; one of ${BENCHES.join(', ')}, then optionally a provider (roofline webgpu)\n`);
  process.exit(2);
}
const log = (s: string): void => void process.stdout.write(`${s}\n`);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

async function sweep(config: Omit<SweepConfigInput, 'provider'>, probes: ProbeResult): Promise<Report> {
  return runSweep({ provider, ...config }, { runId: 'bench', probes, onEvent: () => {} });
}

async function roofline(probes: ProbeResult): Promise<void> {
  const T = 32768;
  log(`\n## Decode roofline efficiency at T = ${T}, fp32, ${EP} (llama-3.1-8b dims as each variant)`);
  const r = await sweep(
    {
      model: { source: 'preset', preset: 'llama-3.1-8b' },
      variants: ['mha', 'gqa', 'mqa', 'mla-absorbed'],
      contexts: [T],
      budgetSeconds: 3,
      maxStepSeconds: 30,
    },
    probes,
  );
  const dir = scratchDir('bench', 2 ** 30);
  try {
    for (const p of r.points) {
      if (p.status !== 'ok') {
        log(`${p.variant.padEnd(13)} ${p.status} ${p.reason ?? ''}`);
        continue;
      }
      // The straightforward implementation over the same cache, timed the same way.
      // the TS loops read the decomposed layout (K^T, V): contiguous in T for the scores
      const g = buildGraph({ variant: p.variant, spec: p.spec, mode: 'decode', batch: 1, context: T, dtype: 'fp32', layers: 1 }, dir, `ref-${p.variant}`);
      const step = straightforwardDecode(g);
      // a TypeScript loop over 1 GiB takes seconds per step: the fewest runs an interval needs
      const refMs = (await measure(step, { ...POLICIES.longPoint, warmupRuns: 1, budgetMs: 0 })).summary.median;
      rmSync(g.dataPath!, { force: true });
      const attainable = p.roofline!.attainableMs;
      log(
        `${p.variant.padEnd(13)} graph (${p.form}) ${p.timing!.medianMs.toFixed(2)} ms, ${p.roofline!.bound}-bound, attainable ${attainable.toFixed(2)} ms: ` +
          `efficiency ${pct(p.roofline!.efficiency)} | straightforward TS ${refMs.toFixed(1)} ms: efficiency ${pct(attainable / refMs)} | graph/TS speedup ${(refMs / p.timing!.medianMs).toFixed(1)}x`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function overhead(probes: ProbeResult): Promise<void> {
  log(`\n## Fixed per-run overhead as a fraction of the step at T = 4K (fp32, ${EP}, deepseek-v3 dims)`);
  log('measurement overhead = one session.run of an empty graph (the timer, the binding, input and output copies of a trivial graph);');
  log('tiny-T graph = the same graph at T = 16: the overhead plus the step work that does not grow with T (query, MLA W_UK/W_UV reads)');
  const r = await sweep(
    { model: { source: 'preset', preset: 'deepseek-v3' }, variants: ['mha', 'gqa', 'mqa', 'mla-absorbed'], contexts: [4096], budgetSeconds: 2 },
    probes,
  );
  for (const p of r.points) {
    if (!p.timing) {
      log(`${p.variant.padEnd(13)} ${p.status} ${p.reason ?? ''}`);
      continue;
    }
    const t = p.timing;
    log(
      `${p.variant.padEnd(13)} step ${t.medianMs.toFixed(2)} ms: measurement overhead ${probes.emptyRunMs.toFixed(4)} ms = ${pct(probes.emptyRunMs / t.medianMs)}; ` +
        `tiny-T graph ${t.overheadMs!.toFixed(3)} ms = ${pct(t.overheadMs! / t.medianMs)}`,
    );
  }
}

async function memory(probes: ProbeResult): Promise<void> {
  log('\n## Memory fidelity: measured RSS growth of a resident cache / analytic size (caches >= 256 MB)');
  const r = await sweep(
    { model: { source: 'preset', preset: 'llama-3.1-8b' }, variants: ['mha', 'gqa'], contexts: [8192, 16384, 32768], budgetSeconds: 0.5, verify: false },
    probes,
  );
  for (const p of r.points) {
    if (!p.memory || p.memory.analyticCacheBytes < 256e6) continue;
    const m = p.memory;
    log(
      `${p.variant.padEnd(5)} T=${String(p.context).padEnd(6)} analytic ${formatBytes(m.analyticCacheBytes)}, RSS delta ${formatBytes(m.measuredDeltaBytes)}: ratio ${(m.measuredDeltaBytes / m.analyticCacheBytes).toFixed(3)}`,
    );
  }
}

async function repeatability(probes: ProbeResult): Promise<void> {
  log(`\n## Repeatability: CV of the median step over 3 sweeps at T >= 8K (fp32, ${EP}, llama-3.1-8b dims)`);
  const runs: Report[] = [];
  for (let i = 0; i < 3; i++) {
    runs.push(
      await sweep(
        {
          model: { source: 'preset', preset: 'llama-3.1-8b' },
          variants: ['mha', 'gqa', 'mla-absorbed'],
          contexts: [8192, 16384],
          budgetSeconds: 1.5,
          verify: false,
        },
        probes,
      ),
    );
  }
  for (const p of runs[0]!.points) {
    const medians = runs.map((r) => r.points.find((q) => q.id === p.id)?.timing?.medianMs).filter((x): x is number => x !== undefined);
    if (medians.length < 3) continue;
    log(`${p.variant.padEnd(13)} T=${String(p.context).padEnd(6)} medians ${medians.map((m) => m.toFixed(2)).join(', ')} ms: CV ${pct(summarize(medians).cv)}`);
  }
}

async function fill(): Promise<void> {
  log('\n## Cache fill rate: a 1 GiB resident cache written 3 times (tiling one random 1 MiB block)');
  const dir = scratchDir('bench', 2 ** 30);
  try {
    const { tensors } = layoutResident([{ name: 'c', role: 'cache', layer: 0, type: 'fp32', dims: [256, 2 ** 20], fillKey: 'c' }]);
    for (let i = 0; i < 3; i++) {
      const seconds = writeResidentFile(join(dir, `fill${i}.bin`), tensors, i);
      log(`run ${i + 1}: ${(tensors[0]!.length / seconds / 1e9).toFixed(2)} GB/s (${dir.startsWith('/dev/shm') ? '/dev/shm' : 'temp folder'})`);
      rmSync(join(dir, `fill${i}.bin`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the CLI in a process of its own (as a user would), returning its wall time in seconds. */
function cli(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(import.meta.dirname, '../bin/kvscope.js'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kvscope ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-500)}`);
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]): number => summarize(xs).median;

/**
 * Issue 10's stability figures, each from runs in this one invocation: the CLI's default sweep
 * (share of points at T >= 2K whose 95% interval is within +/-2%, median half-width, duration);
 * one point (MHA, Llama-3.1-8B dims, 32K) in 4 separate processes (do the within-run intervals
 * hold the other runs' medians?); and each variant's roofline efficiency over 3 separate runs.
 */
async function stability(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kvscope-stability-'));
  try {
    log(`\n## Stability: the CLI's default sweep (DeepSeek-V3 dims, 512..128K, ${EP})`);
    const def = join(dir, 'default.json');
    const secs = cli(['sweep', '--ep', provider, '--out', def]);
    const r = readReport(def);
    const timed = r.points.filter((p) => p.timing);
    const long = timed.filter((p) => p.context >= 2048);
    const hw = (p: Point): number => halfWidth(p.timing) ?? Infinity;
    const met = long.filter((p) => hw(p) <= 0.02);
    log(
      `${secs.toFixed(0)} s; ${met.length} of ${long.length} timed points at T >= 2K meet +/-2% (${pct(met.length / long.length)}); ` +
        `median half-width ${pct(median(timed.map(hw)))} (all ${timed.length} timed points); noisy ${timed.filter((p) => p.timing!.noisy).length}`,
    );
    for (const p of long.filter((x) => hw(x) > 0.02)) log(`  missed: ${p.id} +/-${pct(hw(p))}: ${p.timing!.noise.join('; ')}`);

    // The sweep issue 10 set its targets on (the default then; the app's labelled quick check now).
    log(`\n## Stability: the quick check (${QUICK_SWEEP.label}, ${EP}), issue 10's default sweep when its targets were set`);
    const quick = join(dir, 'quick.json');
    const qsecs = cli([
      'sweep',
      '--preset',
      QUICK_SWEEP.preset,
      '--contexts',
      QUICK_SWEEP.contexts,
      '--variants',
      QUICK_SWEEP.variants.join(','),
      '--ep',
      provider,
      '--out',
      quick,
    ]);
    const qtimed = readReport(quick).points.filter((p) => p.timing);
    const qlong = qtimed.filter((p) => p.context >= 2048);
    log(
      `${qsecs.toFixed(0)} s; ${qlong.filter((p) => hw(p) <= 0.02).length} of ${qlong.length} timed points at T >= 2K meet +/-2%; ` +
        `median half-width ${pct(median(qtimed.map(hw)))} (all ${qtimed.length} timed points); noisy ${qtimed.filter((p) => p.timing!.noisy).length}`,
    );

    log(`\n## Across runs: one point (MHA, llama-3.1-8b dims, 32K, ${EP}) in 4 separate processes`);
    const runs: { median: number; ci: [number, number] }[] = [];
    for (let i = 0; i < 4; i++) {
      const f = join(dir, `point${i}.json`);
      cli(['sweep', '--preset', 'llama-3.1-8b', '--variants', 'mha', '--contexts', '32k', '--ep', provider, '--out', f]);
      const t = readReport(f).points.find((p) => p.timing)?.timing;
      if (!t?.ci95Ms) throw new Error(`run ${i}: the point was not timed`);
      runs.push({ median: t.medianMs, ci: t.ci95Ms });
      log(
        `run ${i + 1}: median ${t.medianMs.toFixed(2)} ms [${t.ci95Ms[0].toFixed(2)}, ${t.ci95Ms[1].toFixed(2)}]${t.noisy ? ` noisy: ${t.noise.join('; ')}` : ''}`,
      );
    }
    let held = 0;
    let pairs = 0;
    for (const a of runs)
      for (const b of runs) {
        if (a === b) continue;
        pairs++;
        if (a.ci[0] <= b.median && b.median <= a.ci[1]) held++;
      }
    const ms = runs.map((x) => x.median);
    log(
      `medians ${Math.min(...ms).toFixed(2)}-${Math.max(...ms).toFixed(2)} ms (spread ${pct(Math.max(...ms) / Math.min(...ms) - 1)}); ` +
        `a run's interval held another run's median in ${held} of ${pairs} pairs`,
    );

    log(`\n## Roofline efficiency over 3 separate runs (llama-3.1-8b dims as each variant, 32K, ${EP}, fresh probes each)`);
    const eff = new Map<string, number[]>();
    for (let i = 0; i < 3; i++) {
      const f = join(dir, `roofline${i}.json`);
      cli([
        'sweep',
        '--preset',
        'llama-3.1-8b',
        '--variants',
        'mha,gqa,mqa,mla-absorbed',
        '--contexts',
        '32k',
        '--ep',
        provider,
        '--max-step',
        '30',
        '--out',
        f,
      ]);
      for (const p of readReport(f).points) if (p.roofline) eff.set(p.variant, [...(eff.get(p.variant) ?? []), p.roofline.efficiency]);
    }
    for (const [v, e] of eff) {
      const spread = (Math.max(...e) - Math.min(...e)) / median(e);
      log(`${v.padEnd(13)} efficiency ${e.map(pct).join(' / ')}: spread ${pct(spread)} of the median`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (which === 'stability') {
  log(`# kvscope stability benchmark (${new Date().toISOString()})`);
  await stability();
  process.exit(0);
}

const probes = await probeDevice(provider);
log(
  `# kvscope benchmarks (${new Date().toISOString()})\nprobes: ${probes.bandwidthGBs.toFixed(1)} GB/s (${probes.bandwidthMethod}); ${probes.gflops.toFixed(1)} GFLOP/s (${probes.gflopsMethod})`,
);
if (which === 'all' || which === 'roofline') await roofline(probes);
if (which === 'all' || which === 'overhead') await overhead(probes);
if (which === 'all' || which === 'memory') await memory(probes);
if (which === 'all' || which === 'repeat') await repeatability(probes);
if (which === 'all' || which === 'fill') await fill();
if (which === 'all' || which === 'forms') await formsBench(provider, probes, formsT, log);
