/** `kvscope sweep`: variants x contexts x batch x cache dtype on one provider, written as a JSON report. */
import { Option, type Command } from 'commander';
import { DEFAULT_BUDGET_SECONDS, DEFAULT_MAX_STEP_SECONDS, DEFAULT_MEMORY_FRACTION, DEFAULT_SWEEP, SWEEP_DEFAULTS as D } from '@/contract/defaults.js';
import { PROVIDER_CHOICES } from '@/contract/lists.js';
import { SweepConfigSchema, type EngineEvent, type Report, type SweepConfig } from '@/contract/schemas.js';
import { planSweep, type PlannedPoint } from '@/core/measure/planner.js';
import { runSweep } from '@/core/measure/runner.js';
import { availableMemory } from '@/core/measure/system.js';
import { formatBytes } from '@/present/format.js';
import { noiseNotes, probesText } from '@/present/timing.js';
import { buildSweepConfig, CUSTOM_DEFAULTS, type Field, type FieldReader, type ModelFields } from '@/present/config-builder.js';
import { FLAG_RANGES as R, parseContexts, parseCount, parseIntList, parseList, parseNumber, span, UsageError } from '../args.js';
import { columnTable, type Column } from '../columns.js';
import { readJsonFile } from '../files.js';
import { answer, summaryTable, unmeasuredNotes } from '../format.js';
import type { CommandContext, Io } from '../io.js';
import { ReportSink } from '../report-sink.js';
import { jsonForTerminal, stripControl } from '../sanitize.js';
import { onInterrupt } from '../sigint.js';

/** The default sweep's contexts (contract/defaults.ts): DeepSeek-V3's dims as every variant, 512 to 128K tokens (x4 steps), < 2 min here. */
export const DEFAULT_CONTEXTS = DEFAULT_SWEEP.contexts;

export interface SweepFlags {
  preset?: string;
  config?: string;
  heads?: string;
  kvHeads?: string;
  headDim?: string;
  modelLayers?: string;
  variants: string;
  contexts: string;
  batch: string;
  cacheDtype: string;
  modes: string;
  ep: string;
  layers: string;
  budget: string;
  maxStep: string;
  gqaGroups: string;
  threads: string;
  memoryFraction: string;
  maxPrefill: string;
  verify: boolean;
  out: string;
  json: boolean;
  plan: boolean;
}

/** The flag each builder field is read from (its errors name it). */
const FLAG: Record<Field, string> = {
  model: '--config',
  numHeads: '--heads',
  numKvHeads: '--kv-heads',
  headDim: '--head-dim',
  numLayers: '--model-layers',
  mla: '--config',
  kvLoraRank: '--config',
  qkNopeHeadDim: '--config',
  qkRopeHeadDim: '--config',
  vHeadDim: '--config',
  variants: '--variants',
  contexts: '--contexts',
  batches: '--batch',
  dtypes: '--cache-dtype',
  modes: '--modes',
  provider: '--ep',
  layers: '--layers',
  budgetSeconds: '--budget',
  maxStepSeconds: '--max-step',
  gqaGroups: '--gqa-groups',
  threads: '--threads',
  memoryFraction: '--memory-fraction',
  maxPrefillContext: '--max-prefill',
  verify: '--no-verify',
};

/** The flags' text as the shared config builder reads it. */
const FLAG_READER: FieldReader = {
  count: (field, value, range) => parseCount(String(value), FLAG[field], range),
  number: (field, value, range) => parseNumber(String(value), FLAG[field], range),
  contexts: (field, value, range) => parseContexts(value, FLAG[field], range),
  counts: (field, value, range) => parseIntList(value, FLAG[field], range.max),
  choice: (field, value, allowed, aliases) => parseList(typeof value === 'string' ? value : value.join(','), allowed, FLAG[field], aliases),
  fail: (_, message) => {
    throw new UsageError(message);
  },
};

function modelFields(f: SweepFlags): ModelFields {
  const custom = f.heads ?? f.kvHeads ?? f.headDim;
  if ([f.preset, f.config, custom].filter((x) => x !== undefined).length > 1) {
    throw new UsageError('give one of --preset, --config FILE, or custom dims (--heads, --kv-heads, --head-dim)');
  }
  // A kvscope custom-model file or a Hugging Face config.json.
  if (f.config) return { source: 'file', name: f.config, json: readJsonFile(f.config, 'config file') };
  if (custom !== undefined) return { source: 'custom', numHeads: f.heads ?? '', numKvHeads: f.kvHeads, headDim: f.headDim, numLayers: f.modelLayers };
  return { source: 'preset', preset: f.preset ?? DEFAULT_SWEEP.preset };
}

/** Builds the sweep config from the flags (the app's setup form goes through the same builder). */
export function configFromFlags(f: SweepFlags): SweepConfig {
  const candidate = buildSweepConfig(
    {
      model: modelFields(f),
      variants: f.variants,
      contexts: f.contexts,
      batches: f.batch,
      dtypes: f.cacheDtype,
      modes: f.modes,
      provider: f.ep,
      layers: f.layers,
      budgetSeconds: f.budget,
      maxStepSeconds: f.maxStep,
      gqaGroups: f.gqaGroups,
      threads: f.threads,
      memoryFraction: f.memoryFraction,
      maxPrefillContext: f.maxPrefill,
      verify: f.verify,
    },
    FLAG_READER,
  );
  const parsed = SweepConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UsageError(`invalid sweep setting ${i.path.join('.')}: ${i.message}`);
  }
  return parsed.data;
}

function progressLine(e: Extract<EngineEvent, { type: 'progress' }>): string {
  const width = 24;
  const frac = e.total > 0 ? e.done / e.total : 0;
  const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
  const eta = e.etaSeconds === null ? '' : ` ETA ${Math.ceil(e.etaSeconds)}s`;
  return `[${bar}] ${e.done}/${e.total}${eta}  ${e.current}`;
}

const PLAN_COLUMNS: Column<PlannedPoint>[] = [
  { header: 'point', cell: (p) => p.id },
  { header: 'fits', cell: (p) => (p.fits ? 'yes' : 'NO') },
  { header: 'form', cell: (p) => (p.form === 'blocked' ? `blocked ${p.prefillBlock}q` : p.form) },
  { header: 'layers', cell: (p) => String(p.layers) },
  { header: 'predicted memory', cell: (p) => formatBytes(p.predictedBytes) },
  { header: 'GFLOP/step', cell: (p) => (p.flops / 1e9).toFixed(2) },
  { header: 'GB read/step', cell: (p) => (p.bytesRead / 1e9).toFixed(3) },
];

function printPlan(config: SweepConfig, io: Io): number {
  const plan = planSweep(config, { availableBytes: availableMemory(), provider: config.provider === 'auto' ? 'cpu' : config.provider });
  const blocked = plan.points.filter((p) => p.form === 'blocked').map((p) => `  ${p.id}: ${p.notes}\n`);
  io.out(
    `${columnTable(PLAN_COLUMNS, plan.points)}\n${plan.points.length} points, budget ${formatBytes(plan.budgetBytes)}, about ${Math.ceil(plan.estimatedSeconds)} s\n` +
      `layers per graph: ${plan.layersNote}\n` +
      (blocked.length > 0 ? `prefill in query blocks:\n${blocked.join('')}` : ''),
  );
  return 0;
}

function printResult(report: Report, io: Io): void {
  io.out(`${summaryTable(report)}\n`);
  const skipped = unmeasuredNotes(report);
  const noisy = noiseNotes(report.points);
  if (skipped.length > 0) io.out(`\nnot measured:\n  ${skipped.join('\n  ')}\n`);
  if (noisy.length > 0) io.out(`\nmeasured, but noisy:\n  ${noisy.join('\n  ')}\n`);
  io.out(`\n${answer(report)}\n`);
  io.out(`\nprovider ${report.provider.name}; roofline: ${probesText(report)}; ${report.scaling.note}.\n`);
}

async function sweep(f: SweepFlags, io: Io, raw: Io): Promise<number> {
  const config = configFromFlags(f);
  if (f.plan) return printPlan(config, io);
  const interrupt = onInterrupt(io);
  let last: Report | null = null;
  const sink = new ReportSink(f.out, io);
  try {
    const report = await runSweep(config, {
      runId: 'cli',
      signal: interrupt.signal,
      onSnapshot: (r) => {
        last = r;
        sink.write(r);
      },
      onEvent: (e) => {
        // the only control sequence kvscope prints itself: redraw the progress line in place
        if (e.type === 'progress' && io.tty) raw.err(`\r\x1b[2K${stripControl(progressLine(e))}`);
        else if (e.type === 'progress') io.err(`${progressLine(e)}\n`);
        else if (e.type === 'error') io.err(`\nerror: ${e.message}\n`);
      },
    });
    last = report;
    sink.write(report);
    if (io.tty) io.err('\n');
    if (f.json) io.out(`${jsonForTerminal(report)}\n`);
    else printResult(report, io);
    io.err(`report: ${sink.where(report.points.length)}${report.complete ? '' : ` (incomplete: ${report.incompleteReason})`}\n`);
    if (interrupt.interrupted) return 130;
    // not at --out: a script that reads --out next must not take an old or missing file for this run
    return report.complete && sink.atOut ? 0 : 1;
  } catch (e) {
    if (last) io.err(`partial report: ${sink.where((last as Report).points.length)}\n`);
    throw e;
  } finally {
    interrupt.release();
  }
}

export function addSweep(program: Command, { io, raw, result }: CommandContext): void {
  program
    .command('sweep')
    .description('sweep variants x contexts x batch x cache dtype on one execution provider and write a JSON report')
    .option('--preset <name>', `model preset (see \`kvscope presets\`); default ${DEFAULT_SWEEP.preset}`)
    .option('--config <file>', 'a Hugging Face config.json, or a kvscope custom model JSON')
    .option('--heads <n>', `custom dims: query heads (${span(R.heads)})`)
    .option('--kv-heads <n>', `custom dims: K/V heads (default = heads; ${span(R.heads)})`)
    .option('--head-dim <n>', `custom dims: head dimension (default ${CUSTOM_DEFAULTS.headDim}, at most ${R.headDim.max})`)
    .option('--model-layers <n>', `custom dims: layers of the model (default ${CUSTOM_DEFAULTS.numLayers}, at most ${R.modelLayers.max})`)
    .option('--variants <list>', 'mha,gqa,mqa,mla-naive,mla-absorbed | mla | all', 'all')
    .option(
      '--contexts <list>',
      `cached tokens: list (1k,4k) or range (512..128k, powers of two; 512..128k*4, x4 steps); ${span(R.contexts)}`,
      DEFAULT_CONTEXTS,
    )
    .option('--batch <list>', `batch sizes (${span(R.batch)})`, D.batches.join(','))
    .option('--cache-dtype <list>', 'fp32,fp16,fp8,int8,int4 (fp8/int8/int4: a quantized cache, decode only; see docs/measurement.md)', D.dtypes.join(','))
    .option('--modes <list>', 'decode,prefill', D.modes.join(','))
    .addOption(new Option('--ep <provider>', 'execution provider').choices(PROVIDER_CHOICES).default(D.provider))
    .option(
      '--layers <n|auto>',
      `identical layers per measured graph (scaled to the model; ${span(R.layers)}); auto: chosen per point so a GPU provider's fixed run cost is under 5% of the step (1 on the CPU)`,
      String(D.layers),
    )
    .option(
      '--budget <seconds>',
      `timing budget per point (sampling stops earlier once the 95% interval is within ±2%; above 0, at most ${R.seconds.max})`,
      String(DEFAULT_BUDGET_SECONDS),
    )
    .option('--max-step <seconds>', `skip points predicted slower than this per step (above 0, at most ${R.seconds.max})`, String(DEFAULT_MAX_STEP_SECONDS))
    .option('--gqa-groups <n>', `K/V heads of the GQA variant for non-GQA models (${span(R.gqaGroups)})`, String(D.gqaGroups))
    .option('--threads <n>', `intra-op threads (0 = onnxruntime default; ${span(R.threads)})`, String(D.threads))
    .option('--memory-fraction <f>', 'share of free memory a point may use (above 0, at most 1)', String(DEFAULT_MEMORY_FRACTION))
    .option('--max-prefill <n>', `largest prefill context (${span(R.maxPrefill)})`, String(D.maxPrefillContext))
    .option('--no-verify', 'skip the float64 reference check of each graph')
    .option('--out <file>', 'JSON report path', 'kvscope-report.json')
    .option('--json', 'print the report JSON on stdout instead of the table', false)
    .option('--plan', 'print the planned points and predicted memory, run nothing', false)
    .action(async (flags: SweepFlags) => {
      result.code = await sweep(flags, io, raw);
    });
}
