/**
 * kvscope's headless entry: `kvscope sweep | presets | devices`. Drives src/core directly.
 * Exit codes: 0 ok, 1 failure (a sweep also when its report could not be written to --out, even if a
 * fallback file holds it), 2 bad usage or input, 130 interrupted (partial report written).
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ZodError } from 'zod';
import { DEFAULT_BUDGET_SECONDS, DEFAULT_MEMORY_FRACTION } from '../contract/defaults.js';
import { SweepConfigSchema, type EngineEvent, type Report, type SweepConfig } from '../contract/schemas.js';
import { formatBytes, planSweep } from '../core/measure/planner.js';
import { runSweep } from '../core/measure/runner.js';
import { availableMemory, gpuFacts } from '../core/measure/system.js';
import { PRESETS, presetModel } from '../core/model/presets.js';
import { kvBytesPerToken, SpecError, valueDim, type AttentionSpec } from '../core/model/spec.js';
import { MAX_CONFIG_BYTES, MAX_ONNX_BYTES, readBoundedFile } from '../core/io/files.js';
import { ReportError, readReport, writeFileAtomic, writeReport } from '../core/report/report.js';
import { compareReports, NOISE_THRESHOLD } from '../core/report/compare.js';
import { changeText, machineDriftNote } from '../present/timing.js';
import { toCsv } from '../core/report/csv.js';
import { reportLabel, toHtml } from '../core/report/html.js';
import { exportPngs } from './png.js';
import { modelFromHfConfig, type ModelInfo } from '../core/model/hf-config.js';
import { estimateParams, type ParamCount } from '../core/model/params.js';
import { detectDecoderLayout, sweepDecoder } from '../core/model/onnx-decoder.js';
import { describeSpec, planCapacity, planOnnxCapacity } from '../core/plan/capacity.js';
import { detectProviders } from '../core/runtime/providers.js';
import { KVSCOPE_VERSION } from '../core/version.js';
import { parseBytes, parseContexts, parseCount, parseIntList, parseList, parseNumber, parseVariants, UsageError, type Range } from './args.js';
import { answer, skippedNotes, summaryTable, table } from './format.js';
import { jsonForTerminal, stripControl } from './sanitize.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Whether stderr is a terminal (progress bar redraws in place). */
  tty: boolean;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  tty: process.stderr.isTTY === true,
};

/** The default sweep: DeepSeek-V3's attention dims as every variant, 512 to 128K tokens (x4 steps), < 2 min here. */
export const DEFAULT_CONTEXTS = '512..128k*4';

interface SweepFlags {
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

/**
 * A file's bytes, or a UsageError naming the file and the OS's reason. Only regular files of
 * at most `maxBytes` are read (checked before reading): MAX_CONFIG_BYTES (16 MiB) for config
 * files, MAX_ONNX_BYTES (2 GiB) for ONNX models; see src/core/io/files.ts.
 */
function readFileOrUsage(path: string, what: string, maxBytes: number): Buffer {
  try {
    return readBoundedFile(path, { maxBytes, kind: what });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function readJsonFile(path: string, what: string): unknown {
  const text = readFileOrUsage(path, what, MAX_CONFIG_BYTES).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The ranges of the numeric flags, said in their help: the sweep's are SweepConfigSchema's, the
 * planner's the app's (CapacityRequestSchema). Seconds and fractions exclude their minimum.
 */
export const FLAG_RANGES = {
  dim: { min: 1, max: 1 << 20 },
  contexts: { min: 1, max: 1 << 24 },
  batch: { min: 1, max: 4096 },
  layers: { min: 1, max: 256 },
  gqaGroups: { min: 1, max: 1 << 16 },
  threads: { min: 0, max: 1024 },
  maxPrefill: { min: 1, max: 1 << 20 },
  seconds: { min: 0, max: 3600 },
  memoryFraction: { min: 0, max: 1 },
  planContext: { min: 1, max: 1e9 },
  planBatch: { min: 1, max: 1e6 },
  planGqaGroups: { min: 1, max: 1024 },
  mlaRank: { min: 1, max: 1 << 20 },
  onnxPast: { min: 1, max: 1 << 30 },
} as const satisfies Record<string, Range>;
const R = FLAG_RANGES;
const span = (r: Range): string => `${r.min.toLocaleString('en-US')} to ${r.max.toLocaleString('en-US')}`;

/** Builds the sweep config from the flags (exported for tests). */
export function configFromFlags(f: SweepFlags): SweepConfig {
  let model: SweepConfig['model'];
  const custom = f.heads ?? f.kvHeads ?? f.headDim;
  if ([f.preset, f.config, custom].filter((x) => x !== undefined).length > 1) {
    throw new UsageError('give one of --preset, --config FILE, or custom dims (--heads, --kv-heads, --head-dim)');
  }
  if (f.config) {
    const raw = readJsonFile(f.config, 'config file');
    // A kvscope custom-model file or a Hugging Face config.json.
    model =
      typeof raw === 'object' && raw !== null && 'attention' in raw
        ? ({ source: 'custom', ...(raw as object) } as SweepConfig['model'])
        : { source: 'hf-config', name: f.config, config: raw as Record<string, unknown> };
  } else if (custom !== undefined) {
    const heads = parseCount(f.heads ?? '', '--heads', R.dim);
    const kv = f.kvHeads ? parseCount(f.kvHeads, '--kv-heads', R.dim) : heads;
    const attention: AttentionSpec = {
      kind: kv === heads ? 'mha' : kv === 1 ? 'mqa' : 'gqa',
      numHeads: heads,
      numKvHeads: kv,
      headDim: parseCount(f.headDim ?? '128', '--head-dim', R.dim),
    };
    model = {
      source: 'custom',
      name: `custom ${heads}/${kv}x${attention.headDim}`,
      attention,
      numLayers: parseCount(f.modelLayers ?? '32', '--model-layers', R.dim),
      maxContext: null,
    };
  } else {
    model = { source: 'preset', preset: f.preset ?? 'deepseek-v3' };
  }
  const candidate = {
    model,
    variants: parseVariants(f.variants),
    contexts: parseContexts(f.contexts, '--contexts', R.contexts),
    batches: parseIntList(f.batch, '--batch', R.batch.max),
    dtypes: parseList(f.cacheDtype, ['fp32', 'fp16'] as const, '--cache-dtype'),
    modes: parseList(f.modes, ['decode', 'prefill'] as const, '--modes'),
    provider: parseList(f.ep, ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const, '--ep')[0],
    layers: parseCount(f.layers, '--layers', R.layers),
    budgetSeconds: parseNumber(f.budget, '--budget', R.seconds),
    maxStepSeconds: parseNumber(f.maxStep, '--max-step', R.seconds),
    gqaGroups: parseCount(f.gqaGroups, '--gqa-groups', R.gqaGroups),
    threads: parseCount(f.threads, '--threads', R.threads),
    memoryFraction: parseNumber(f.memoryFraction, '--memory-fraction', R.memoryFraction),
    maxPrefillContext: parseCount(f.maxPrefill, '--max-prefill', R.maxPrefill),
    verify: f.verify,
  };
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

/** Why a report could not be written, in one line (a FileError already names the file). */
function writeFailure(e: unknown): string {
  if (e instanceof ZodError) {
    const i = e.issues[0];
    return `the report is invalid (${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'schema'})`;
  }
  return (e as Error).message;
}

/**
 * Where a sweep's snapshots go: --out, and when that cannot be written, a fallback file in the
 * temp folder, then in the current folder. A failed write never stops the sweep, the user is
 * told once which file holds the points instead, and `written` is only ever a file that was
 * really written (with how many points it holds).
 */
export class ReportSink {
  /** The file written last, and the number of points in it; null until a write succeeds. */
  written: { path: string; points: number } | null = null;
  /** Whether the last write succeeded (the newest snapshot is in `written`). */
  current = false;
  /** Why the last failed write failed. */
  lastError: string | null = null;
  readonly #targets: string[];
  #next = 0;
  readonly #failures: string[] = [];
  #told: string | null = null;
  #toldNothing = false;
  #outError: string | null = null;

  constructor(
    readonly out: string,
    readonly io: Io,
    fallbackName = `kvscope-report-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${process.pid}.json`,
  ) {
    this.#targets = [out, join(tmpdir(), fallbackName), resolve(fallbackName)];
  }

  write(report: Report): void {
    for (let i = this.#next; i < this.#targets.length; i++) {
      const path = this.#targets[i]!;
      try {
        writeReport(path, report);
      } catch (e) {
        this.lastError = writeFailure(e);
        if (i === 0) this.#outError = this.lastError;
        if (!this.#failures.includes(this.lastError)) this.#failures.push(this.lastError);
        continue;
      }
      this.#next = i;
      this.written = { path, points: report.points.length };
      this.current = true;
      if (i > 0 && this.#told !== path) {
        this.#told = path;
        this.io.err(`\nkvscope: ${this.#failures.join('; ')}; the report goes to ${path} instead\n`);
      }
      return;
    }
    // Nothing could be written this time; --out is not tried again (the fallbacks are).
    this.#next = 1;
    this.current = false;
    if (!this.#toldNothing) {
      this.#toldNothing = true;
      this.io.err(`\nkvscope: no report file could be written (${this.#failures.join('; ')}); measuring on, retrying at each point\n`);
    }
  }

  /** Whether the newest snapshot is in --out itself. */
  get atOut(): boolean {
    return this.current && this.written?.path === this.out;
  }

  /** One line saying which file really holds the points (never a file that was not written). */
  where(total: number): string {
    if (this.current && this.written) return this.written.path === this.out ? this.out : `${this.written.path} (not --out: ${this.#outError})`;
    const last = this.lastError ?? 'unknown error';
    if (!this.written) return `no file could be written (${last}); no file holds the ${total} points measured`;
    return `the last write failed (${last}); ${this.written.path} holds an earlier snapshot with ${this.written.points} of ${total} points`;
  }
}

async function sweep(f: SweepFlags, io: Io, raw: Io): Promise<number> {
  const config = configFromFlags(f);
  if (f.plan) {
    const plan = planSweep(config, { availableBytes: availableMemory(), provider: 'cpu' });
    const rows = [['point', 'fits', 'predicted memory', 'GFLOP/step', 'GB read/step']];
    for (const p of plan.points)
      rows.push([p.id, p.fits ? 'yes' : 'NO', formatBytes(p.predictedBytes), (p.flops / 1e9).toFixed(2), (p.bytesRead / 1e9).toFixed(3)]);
    io.out(`${table(rows)}\n${plan.points.length} points, budget ${formatBytes(plan.budgetBytes)}, about ${Math.ceil(plan.estimatedSeconds)} s\n`);
    return 0;
  }
  const controller = new AbortController();
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130); // second Ctrl-C: leave now
    interrupted = true;
    io.err('\ninterrupted: finishing the current step, then writing the points measured so far (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  let last: Report | null = null;
  const sink = new ReportSink(f.out, io);
  try {
    const report = await runSweep(config, {
      runId: 'cli',
      signal: controller.signal,
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
    else {
      io.out(`${summaryTable(report)}\n`);
      const notes = skippedNotes(report);
      if (notes.length > 0) io.out(`\nnot measured:\n  ${notes.join('\n  ')}\n`);
      io.out(`\n${answer(report)}\n`);
      io.out(
        `\nprovider ${report.provider.name}; probes: ${report.probes ? `${report.probes.bandwidthGBs.toFixed(1)} GB/s read, ${report.probes.gflops.toFixed(1)} GFLOP/s matmul` : 'none'}; ` +
          `${report.scaling.note}.\n`,
      );
    }
    io.err(`report: ${sink.where(report.points.length)}${report.complete ? '' : ` (incomplete: ${report.incompleteReason})`}\n`);
    if (interrupted) return 130;
    // not at --out: a script that reads --out next must not take an old or missing file for this run
    return report.complete && sink.atOut ? 0 : 1;
  } catch (e) {
    if (last) io.err(`partial report: ${sink.where((last as Report).points.length)}\n`);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

interface PlanFlags {
  preset?: string;
  config?: string;
  onnx?: string;
  context: string;
  batch: string;
  cacheDtype: string;
  weightDtype: string;
  memory?: string;
  gqaGroups: string;
  report?: string;
  mlaRank?: string;
  json: boolean;
}

const ANALYTIC_DTYPES = ['fp32', 'fp16', 'bf16', 'fp8', 'int8', 'int4'] as const;

function modelForPlan(f: PlanFlags): { model: ModelInfo; params: ParamCount } {
  if (f.preset && f.config) throw new UsageError('give one of --preset or --config FILE');
  if (f.config) {
    const raw = readJsonFile(f.config, 'config file');
    const model = modelFromHfConfig(raw, f.config);
    return { model, params: estimateParams(raw as Record<string, unknown>, model.attention, model.numLayers, model.hiddenSize) };
  }
  const id = f.preset ?? 'deepseek-v3';
  const model = presetModel(id);
  const preset = PRESETS.find((p) => p.id === model.name)!;
  return { model, params: { ...preset.params, source: 'published' } };
}

function planOnnx(file: string, f: PlanFlags, io: Io): number {
  if (f.preset || f.config) throw new UsageError('give one of --preset, --config FILE or --onnx FILE');
  const layout = detectDecoderLayout(readFileOrUsage(file, 'ONNX model', MAX_ONNX_BYTES));
  const memoryBytes = f.memory ? parseBytes(f.memory, '--memory') : availableMemory();
  const context = parseCount(f.context, '--context', R.planContext);
  const r = planOnnxCapacity(layout, {
    memoryBytes,
    context,
    batch: parseCount(f.batch, '--batch', R.planBatch),
    cacheDtype: parseList(f.cacheDtype, ANALYTIC_DTYPES, '--cache-dtype')[0]!,
  });
  if (f.json) {
    io.out(
      `${jsonForTerminal({ model: file, layout: { layers: layout.layers, numKvHeads: layout.numKvHeads, headDim: layout.headDim, dtype: layout.dtype, params: layout.params }, context, memoryBytes, ...r })}\n`,
    );
    return 0;
  }
  io.out(
    `${file}: ${layout.layers} layers, ${layout.numKvHeads} K/V heads x ${layout.headDim}; weights ${formatBytes(r.weightsBytes)} as stored (${layout.params.toLocaleString('en-US')} parameters), ` +
      `memory ${formatBytes(memoryBytes)}\nanalytic, ${f.cacheDtype} cache: KV ${formatBytes(r.kvBytesPerToken)} per token, ${formatBytes(r.cacheBytesAtContext)} at ${context} tokens x b${f.batch}; ` +
      `largest context ${r.largestContext.toLocaleString('en-US')} (batch ${f.batch}), largest batch ${r.largestBatch.toLocaleString('en-US')} (at ${context} tokens)\n` +
      `(no what-if variants: the graph does not say how many query heads it has)\n`,
  );
  return 0;
}

/** The attention dims a sweep's timings depend on, as one comparable string (the kind follows from the heads). */
function timedDims(s: AttentionSpec): string {
  return s.kind === 'mla'
    ? `mla ${s.numHeads} ${s.kvLoraRank} ${s.qkNopeHeadDim} ${s.qkRopeHeadDim} ${s.vHeadDim}`
    : `${s.numHeads} ${s.numKvHeads} ${s.headDim} ${valueDim(s)}`;
}

/**
 * A --report must be a sweep of the planned model's attention dims: another model's timings are
 * refused, not shown as this model's. Same dims under another name or layer count: a note saying
 * so (the timings are per layer, scaled to this model's layers).
 */
function reportOfModel(file: string, report: Report, model: ModelInfo): string | null {
  const of = `${report.model.name} (${describeSpec(report.model.attention)}, ${report.model.numLayers} layers)`;
  const self = `${model.name} (${describeSpec(model.attention)}, ${model.numLayers} layers)`;
  if (timedDims(report.model.attention) !== timedDims(model.attention))
    throw new UsageError(
      `--report ${file} is a sweep of another model, ${of}, not of ${self}: its timings are not this model's; give a report swept with the same attention dims`,
    );
  if (report.model.name === model.name && report.model.numLayers === model.numLayers) return null;
  return `--report ${file} is a sweep of ${of}: same attention dims as ${self}, its per-layer timings scaled to ${model.numLayers} layers`;
}

function plan(f: PlanFlags, io: Io): number {
  if (f.onnx) return planOnnx(f.onnx, f, io);
  const { model, params } = modelForPlan(f);
  const memoryBytes = f.memory ? parseBytes(f.memory, '--memory') : availableMemory();
  const context = parseCount(f.context, '--context', R.planContext);
  const report = f.report ? readReport(f.report) : undefined;
  const reportNote = f.report && report ? reportOfModel(f.report, report, model) : null;
  const r = planCapacity({
    model,
    params,
    memoryBytes,
    weightDtype: parseList(f.weightDtype, ANALYTIC_DTYPES, '--weight-dtype')[0]!,
    cacheDtype: parseList(f.cacheDtype, ANALYTIC_DTYPES, '--cache-dtype')[0]!,
    context,
    batch: parseCount(f.batch, '--batch', R.planBatch),
    gqaGroups: parseCount(f.gqaGroups, '--gqa-groups', R.planGqaGroups),
    ...(f.mlaRank ? { mlaRank: parseCount(f.mlaRank, '--mla-rank', R.mlaRank) } : {}),
    report,
  });
  const own = r.variants.find((v) => v.isModel) ?? r.variants[0]!;
  if (f.json) {
    io.out(
      `${jsonForTerminal({
        model: model.name,
        spec: model.attention,
        derivedFrom: model.derivedFrom,
        warnings: model.warnings ?? [],
        layers: model.numLayers,
        slidingWindow: model.slidingWindow,
        analytic: true,
        kvBytesPerToken: own.kvBytesPerToken,
        context,
        cacheTokens: r.cacheTokens,
        cacheBytesAtContext: own.cacheBytesAtContext,
        weightsBytes: r.weightsBytes,
        activeWeightBytes: r.activeWeightBytes,
        paramsSource: r.paramsSource,
        memoryBytes,
        largestContext: own.largestContext,
        largestBatch: own.largestBatch,
        variants: r.variants,
        ...(reportNote ? { reportNote } : {}),
      })}\n`,
    );
    return 0;
  }
  io.out(
    `${model.name}: ${model.numLayers} layers, weights ${formatBytes(r.weightsBytes)} (${(params.total / 1e9).toFixed(1)}B params, ${params.source}; ` +
      `${formatBytes(r.activeWeightBytes)} read per token), memory ${formatBytes(memoryBytes)}, ${formatBytes(r.freeForCacheBytes)} left for the cache` +
      `${model.slidingWindow ? `; sliding window ${model.slidingWindow} caps the cache` : ''}\n` +
      `analytic figures (what if the same model used each attention variant):\n`,
  );
  const rows = [
    [
      'variant',
      'dims',
      'KV/token',
      `cache at ${r.cacheTokens} x b${f.batch}`,
      'vs MHA',
      'largest context',
      'largest batch',
      'measured step (model)',
      'estimated tok/s',
    ],
  ];
  for (const v of r.variants) {
    rows.push([
      `${v.variant}${v.isModel ? ' (model)' : ''}`,
      v.shape,
      formatBytes(v.kvBytesPerToken),
      formatBytes(v.cacheBytesAtContext),
      `${(v.vsMha * 100).toFixed(1)}%`,
      v.largestContext === null ? 'any (window)' : v.largestContext.toLocaleString('en-US'),
      v.largestBatch.toLocaleString('en-US'),
      v.measured ? `${v.measured.modelMs.toFixed(1)} ms @${v.measured.context}` : '-',
      v.estimate ? v.estimate.tokensPerSecond.toPrecision(3) : '-',
    ]);
  }
  io.out(`${table(rows)}\n`);
  for (const w of model.warnings ?? []) io.out(`note: ${w}\n`);
  if (reportNote) io.out(`note: ${reportNote}\n`);
  if (!r.fitsAtAll)
    io.out(`the weights alone (${formatBytes(r.weightsBytes)}) exceed ${formatBytes(memoryBytes)}: use a smaller --weight-dtype or more --memory\n`);
  const est = r.variants.find((v) => v.estimate)?.estimate;
  if (est) io.out(`tok/s is an ${est.basis}.\n`);
  return 0;
}

async function exportReport(file: string, f: { format: string; out?: string }, io: Io): Promise<number> {
  const format = parseList(f.format, ['json', 'csv', 'html', 'png'] as const, '--format')[0]!;
  const report = readReport(file);
  const out = f.out ?? `${file.replace(/\.json$/i, '')}.${format === 'json' ? 'export.json' : format}`;
  if (format === 'png') {
    const files = await exportPngs([report], out);
    io.err(`wrote ${files.join(', ')}\n`);
    return 0;
  }
  const text = format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : format === 'csv' ? toCsv(report) : toHtml([report]);
  writeFileAtomic(out, text);
  io.err(`wrote ${out}\n`);
  return 0;
}

async function compare(files: string[], f: { html?: string; png?: string; json?: boolean }, io: Io): Promise<number> {
  if (files.length < 2) throw new UsageError('compare needs at least two reports: kvscope compare a.json b.json');
  const reports = files.map((file) => readReport(file));
  const rows = compareReports(reports);
  if (f.json) {
    io.out(
      `${jsonForTerminal({ reports: files.map((file, i) => ({ file, label: reportLabel(reports[i]!) })), noiseThreshold: NOISE_THRESHOLD, machineDrift: machineDriftNote(reports), rows })}\n`,
    );
    return 0;
  }
  const header = [
    'point',
    ...reports.map((r, i) => `${String.fromCharCode(65 + i)} ms [95% CI]`),
    ...reports.slice(1).map((_, i) => `${String.fromCharCode(66 + i)}/A [95% CI] verdict`),
  ];
  const body = rows.map((r) => [
    r.key,
    ...r.medians.map((m, i) => (m === null ? '-' : `${m.toFixed(3)} ${r.ci95[i] ? `[${r.ci95[i]![0].toFixed(3)}, ${r.ci95[i]![1].toFixed(3)}]` : '[n/a]'}`)),
    ...r.ratios.slice(1).map((x, i) => changeText(x, r.changes[i + 1] ?? null)),
  ]);
  io.out(`${reports.map((r, i) => `${String.fromCharCode(65 + i)}: ${files[i]} (${reportLabel(r)})`).join('\n')}\n${table([header, ...body])}\n`);
  const drift = machineDriftNote(reports);
  if (drift) io.out(`note: ${drift}\n`);
  if (f.html) {
    writeFileAtomic(f.html, toHtml(reports, `kvscope comparison: ${files.join(' vs ')}`));
    io.err(`wrote ${f.html}\n`);
  }
  if (f.png) io.err(`wrote ${(await exportPngs(reports, f.png)).join(', ')}\n`);
  return 0;
}

interface OnnxFlags {
  contexts: string;
  ep: string;
  budget: string;
  memoryFraction: string;
  json: boolean;
}

async function onnxSweep(file: string, f: OnnxFlags, io: Io): Promise<number> {
  const layout = detectDecoderLayout(readFileOrUsage(file, 'ONNX model', MAX_ONNX_BYTES));
  const provider = parseList(f.ep, ['cpu', 'webgpu'] as const, '--ep')[0]!;
  // past lengths that would not fit the memory budget are refused before anything is allocated
  const { points } = await sweepDecoder(file, parseContexts(f.contexts, '--contexts', R.onnxPast), {
    provider,
    budgetMs: parseNumber(f.budget, '--budget', R.seconds) * 1000,
    memoryFraction: parseNumber(f.memoryFraction, '--memory-fraction', R.memoryFraction),
  });
  if (f.json) {
    io.out(`${jsonForTerminal({ layout, points })}\n`);
    return 0;
  }
  io.out(
    `${file}: ${layout.layers} layers, ${layout.numKvHeads} K/V heads x ${layout.headDim}, ${layout.dtype} cache, ` +
      `${formatBytes(layout.kvBytesPerToken)} per token (analytic); the cache is fed as past_key_values each step\n`,
  );
  const rows = [['past tokens', 'step ms', '95% CI', 'noisy', 'cv', 'present (measured)', 'present (analytic)', 'RSS delta']];
  for (const p of points) {
    rows.push([
      String(p.past),
      p.medianMs.toFixed(3),
      `[${p.ci95Ms[0].toFixed(3)}, ${p.ci95Ms[1].toFixed(3)}]`,
      p.noise.length > 0 ? 'noisy' : '',
      p.cv.toFixed(3),
      formatBytes(p.measuredPresentBytes),
      formatBytes(p.analyticPresentBytes),
      formatBytes(Math.max(0, p.rssDeltaBytes)),
    ]);
  }
  io.out(`${table(rows)}\n`);
  for (const p of points.filter((x) => x.noise.length > 0)) io.out(`noisy at ${p.past} past tokens: ${p.noise.join('; ')}\n`);
  return 0;
}

function presets(io: Io): number {
  const rows = [['preset', 'model', 'attention', 'layers', 'max ctx', 'KV/token bf16 (all layers)']];
  for (const p of PRESETS) {
    const m = presetModel(p.id);
    const a = m.attention;
    const desc =
      a.kind === 'mla' ? `MLA ${a.numHeads}h d_c=${a.kvLoraRank} d_R=${a.qkRopeHeadDim}` : `${a.kind.toUpperCase()} ${a.numHeads}/${a.numKvHeads}x${a.headDim}`;
    rows.push([p.id, p.title, desc, String(m.numLayers), String(m.maxContext ?? '-'), `${kvBytesPerToken(a, 'bf16') * m.numLayers} B`]);
  }
  io.out(`${table(rows)}\n`);
  return 0;
}

async function devices(io: Io): Promise<number> {
  const rows = [['provider', 'compiled in', 'works', 'note']];
  for (const s of await detectProviders())
    rows.push([s.name, s.compiledIn ? 'yes' : 'no', s.works ? 'yes' : 'no', s.reason ?? (s.probeMs ? `probe ${s.probeMs.toFixed(0)} ms` : '')]);
  const gpus = gpuFacts();
  const gpuLines = gpus.length
    ? gpus.map((g) => `gpu: ${g.name}${g.driver ? `, driver ${g.driver}` : ''}${g.memoryBytes !== null ? `, ${formatBytes(g.memoryBytes)}` : ''}`)
    : ['gpu: none listed (nvidia-smi or the kernel DRM list; onnxruntime-node does not name the WebGPU adapter)'];
  io.out(`${table(rows)}\n${gpuLines.join('\n')}\nfree memory: ${formatBytes(availableMemory())}\n`);
  return 0;
}

/** The same streams with control characters stripped from everything written (\n and \t kept). */
export function sanitizedIo(io: Io): Io {
  return { tty: io.tty, out: (s) => io.out(stripControl(s)), err: (s) => io.err(stripControl(s)) };
}

export function buildProgram(raw: Io, result: { code: number }): Command {
  // Commands print report, config and ONNX strings: none reaches the terminal with control characters.
  const io = sanitizedIo(raw);
  const program = new Command('kvscope')
    .description('Measure the KV-cache memory and decode speed of attention variants (MHA, GQA, MQA, MLA) on this machine')
    .version(KVSCOPE_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: raw.out, writeErr: raw.err });
  program
    .command('sweep')
    .description('sweep variants x contexts x batch x cache dtype on one execution provider and write a JSON report')
    .option('--preset <name>', 'model preset (see `kvscope presets`); default deepseek-v3')
    .option('--config <file>', 'a Hugging Face config.json, or a kvscope custom model JSON')
    .option('--heads <n>', `custom dims: query heads (${span(R.dim)})`)
    .option('--kv-heads <n>', 'custom dims: K/V heads (default = heads)')
    .option('--head-dim <n>', `custom dims: head dimension (default 128, at most ${R.dim.max})`)
    .option('--model-layers <n>', `custom dims: layers of the model (default 32, at most ${R.dim.max})`)
    .option('--variants <list>', 'mha,gqa,mqa,mla-naive,mla-absorbed | mla | all', 'all')
    .option('--contexts <list>', `cached tokens: list (1k,4k) or range (512..128k, powers of two); ${span(R.contexts)}`, DEFAULT_CONTEXTS)
    .option('--batch <list>', `batch sizes (${span(R.batch)})`, '1')
    .option('--cache-dtype <list>', 'fp32,fp16', 'fp32')
    .option('--modes <list>', 'decode,prefill', 'decode')
    .addOption(new Option('--ep <provider>', 'execution provider').choices(['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml']).default('auto'))
    .option('--layers <n>', `identical layers per measured graph (scaled to the model; ${span(R.layers)})`, '1')
    .option(
      '--budget <seconds>',
      `timing budget per point (sampling stops earlier once the 95% interval is within ±2%; above 0, at most ${R.seconds.max})`,
      String(DEFAULT_BUDGET_SECONDS),
    )
    .option('--max-step <seconds>', `skip points predicted slower than this per step (above 0, at most ${R.seconds.max})`, '1')
    .option('--gqa-groups <n>', `K/V heads of the GQA variant for non-GQA models (${span(R.gqaGroups)})`, '8')
    .option('--threads <n>', `intra-op threads (0 = onnxruntime default; ${span(R.threads)})`, '0')
    .option('--memory-fraction <f>', 'share of free memory a point may use (above 0, at most 1)', String(DEFAULT_MEMORY_FRACTION))
    .option('--max-prefill <n>', `largest prefill context (${span(R.maxPrefill)})`, '4k')
    .option('--no-verify', 'skip the float64 reference check of each graph')
    .option('--out <file>', 'JSON report path', 'kvscope-report.json')
    .option('--json', 'print the report JSON on stdout instead of the table', false)
    .option('--plan', 'print the planned points and predicted memory, run nothing', false)
    .action(async (flags: SweepFlags) => {
      result.code = await sweep(flags, io, raw);
    });
  program
    .command('plan')
    .description('capacity planner: weights, KV cache per token and at a context, and what fits, per attention variant (analytic)')
    .option('--preset <name>', 'model preset; default deepseek-v3')
    .option('--config <file>', 'a Hugging Face config.json')
    .option('--onnx <file>', 'an ONNX decoder with past_key_values (weights from the file, cache from its layout)')
    .option('--context <n>', `context in tokens (${span(R.planContext)})`, '32k')
    .option('--batch <n>', `sequences (${span(R.planBatch)})`, '1')
    .option('--cache-dtype <dtype>', 'fp32|fp16|bf16|fp8|int8|int4', 'bf16')
    .option('--weight-dtype <dtype>', 'fp32|fp16|bf16|fp8|int8|int4', 'bf16')
    .option('--memory <size>', 'device memory budget, e.g. 80GB (default: free memory here; 1 B to 10^18 bytes)')
    .option('--gqa-groups <n>', `K/V heads for the GQA what-if (${span(R.planGqaGroups)})`, '8')
    .option('--mla-rank <n>', `latent rank d_c of the MLA what-if (default 4 x head dim; an MLA model keeps its own; ${span(R.mlaRank)})`)
    .option('--report <file>', "a sweep report of the same attention dims (another model's is refused): measured steps and an estimated tokens/s")
    .option('--json', 'print one JSON object', false)
    .action((flags: PlanFlags) => {
      result.code = plan(flags, io);
    });
  program
    .command('export')
    .description('export a saved report as json, csv, a standalone html report, or png charts')
    .argument('<report>', 'a kvscope report (JSON)')
    .option('--format <format>', 'json|csv|html|png', 'html')
    .option('--out <file>', 'output file (png: the base name of one file per chart)')
    .action(async (file: string, flags: { format: string; out?: string }) => {
      result.code = await exportReport(file, flags, io);
    });
  program
    .command('compare')
    .description('compare reports point by point (aligned by variant, mode, dtype, batch, context)')
    .argument('<reports...>', 'two or more kvscope reports')
    .option('--html <file>', 'also write an HTML comparison with overlaid charts')
    .option('--png <file>', 'also write the overlaid charts as PNG (base name)')
    .option('--json', 'print the rows as JSON (ratios, their 95% intervals and verdicts)', false)
    .action(async (files: string[], flags: { html?: string; png?: string; json?: boolean }) => {
      result.code = await compare(files, flags, io);
    });
  program
    .command('onnx')
    .description('import an ONNX decoder with past_key_values: detect its KV layout and time decode steps at growing past lengths')
    .argument('<model>', 'an .onnx decoder (Optimum-style past_key_values.{i}.key|value inputs)')
    .option('--contexts <list>', `past lengths (${span(R.onnxPast)}; each must fit the memory budget)`, '256,1k,4k')
    .option('--ep <provider>', 'cpu|webgpu', 'cpu')
    .option('--budget <seconds>', `timing budget per point (above 0, at most ${R.seconds.max})`, '0.5')
    .option('--memory-fraction <f>', 'share of free memory a decode step may use (above 0, at most 1)', String(DEFAULT_MEMORY_FRACTION))
    .option('--json', 'print JSON', false)
    .action(async (file: string, flags: OnnxFlags) => {
      result.code = await onnxSweep(file, flags, io);
    });
  program
    .command('presets')
    .description('list model presets')
    .action(() => {
      result.code = presets(io);
    });
  program
    .command('devices')
    .description('execution providers that work here, and why others do not')
    .action(async () => {
      result.code = await devices(io);
    });
  return program;
}

/** Runs the CLI; returns the exit code (never calls process.exit except on a second Ctrl-C). */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const result = { code: 0 };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError || e instanceof SpecError || e instanceof ZodError || e instanceof ReportError) {
      io.err(`kvscope: ${stripControl(e.message)}\n`);
      return 2;
    }
    io.err(`kvscope: ${stripControl((e as Error).message)}\n`);
    return 1;
  }
}
