/**
 * `kvscope plan`: the capacity planner. The answer is core's (capacityAnswer, the app's
 * planner:capacity answer too); `--json` prints it as is.
 */
import { weightsDeadEnd } from '@/present/plan-words.js';
import type { Command } from 'commander';
import type { CapacityAnswer, CapacityRequest, VariantCapacityInfo } from '@/contract/api.js';
import { PLAN_DEFAULTS } from '@/contract/defaults.js';
import { ANALYTIC_DTYPES } from '@/contract/lists.js';
import { availableMemory } from '@/core/measure/system.js';
import { MAX_ONNX_BYTES } from '@/core/io/files.js';
import { detectDecoderLayout } from '@/core/model/onnx-decoder.js';
import { capacityAnswer, onnxCapacityAnswer, reportNoteFor } from '@/core/plan/capacity.js';
import { readReport } from '@/core/report/report.js';
import { formatBytes } from '@/present/format.js';
import { FLAG_RANGES as R, parseBytes, parseCount, parseList, span, UsageError } from '../args.js';
import { columnTable, type Column } from '../columns.js';
import { readFileOrUsage, readJsonFile } from '../files.js';
import type { CommandContext, Io } from '../io.js';
import { jsonForTerminal } from '../sanitize.js';
import { addParallelOptions, parallelFromFlags, printPerGpu, type ParallelFlags } from './plan-parallel.js';

export interface PlanFlags extends ParallelFlags {
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
  pageTokens: string;
  pagedWindows: string;
  json: boolean;
}

const PAGED_WINDOWS = ['window', 'full'] as const;

const dtype = (text: string, flag: string) => parseList(text, ANALYTIC_DTYPES, flag)[0]!;
const memoryOf = (f: PlanFlags): number | null => (f.memory ? parseBytes(f.memory, '--memory') : null);

/** The request the flags make: the same one the app's planner sends (CapacityRequestSchema). */
export function requestFromFlags(f: PlanFlags): CapacityRequest {
  if (f.preset && f.config) throw new UsageError('give one of --preset or --config FILE');
  let model: CapacityRequest['model'] = { kind: 'preset', id: f.preset ?? PLAN_DEFAULTS.preset };
  if (f.config) {
    const raw = readJsonFile(f.config, 'config file');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`config file ${f.config} must hold a JSON object`);
    model = { kind: 'hf-config', name: f.config, config: raw as Record<string, unknown> };
  }
  const parallel = parallelFromFlags(f);
  return {
    model,
    memoryBytes: memoryOf(f),
    weightDtype: dtype(f.weightDtype, '--weight-dtype'),
    cacheDtype: dtype(f.cacheDtype, '--cache-dtype'),
    context: parseCount(f.context, '--context', R.planContext),
    batch: parseCount(f.batch, '--batch', R.planBatch),
    gqaGroups: parseCount(f.gqaGroups, '--gqa-groups', R.planGqaGroups),
    ...(f.mlaRank ? { mlaRank: parseCount(f.mlaRank, '--mla-rank', R.mlaRank) } : {}),
    paging: {
      pageTokens: parseCount(f.pageTokens, '--page-tokens', R.pageTokens),
      windowedLayers: parseList(f.pagedWindows, PAGED_WINDOWS, '--paged-windows')[0]!,
    },
    ...(parallel ? { parallel } : {}),
  };
}

function planOnnx(file: string, f: PlanFlags, io: Io): number {
  if (f.preset || f.config) throw new UsageError('give one of --preset, --config FILE or --onnx FILE');
  if (parallelFromFlags(f)) throw new UsageError('--tp, --pp, --dp, --dcp, --gpus and the estimate flags plan a --preset or --config model, not --onnx');
  const layout = detectDecoderLayout(readFileOrUsage(file, 'ONNX model', MAX_ONNX_BYTES));
  const context = parseCount(f.context, '--context', R.planContext);
  const r = onnxCapacityAnswer(
    {
      layout,
      memoryBytes: memoryOf(f),
      context,
      batch: parseCount(f.batch, '--batch', R.planBatch),
      cacheDtype: dtype(f.cacheDtype, '--cache-dtype'),
    },
    availableMemory(),
  );
  if (f.json) {
    const { layers, numKvHeads, headDim, dtype: cache, params } = layout;
    io.out(`${jsonForTerminal({ model: file, layout: { layers, numKvHeads, headDim, dtype: cache, params }, context, ...r })}\n`);
    return 0;
  }
  io.out(
    `${file}: ${layout.layers} layers, ${layout.numKvHeads} K/V heads x ${layout.headDim}; weights ${formatBytes(r.weightsBytes)} as stored (${layout.params.toLocaleString('en-US')} parameters), ` +
      `memory ${formatBytes(r.memoryBytes)}\nanalytic, ${f.cacheDtype} cache: KV ${formatBytes(r.kvBytesPerToken)} per token, ${formatBytes(r.cacheBytesAtContext)} at ${context} tokens x b${f.batch}; ` +
      `largest context ${r.largestContext.toLocaleString('en-US')} (batch ${f.batch}), largest batch ${r.largestBatch.toLocaleString('en-US')} (at ${context} tokens)\n` +
      `(no what-if variants: the graph does not say how many query heads it has)\n`,
  );
  return 0;
}

/** The what-if table: one row per attention variant. */
function variantColumns(a: CapacityAnswer): Column<VariantCapacityInfo>[] {
  return [
    { header: 'variant', cell: (v) => `${v.variant}${v.isModel ? ' (model)' : ''}` },
    { header: 'dims', cell: (v) => v.shape },
    { header: 'KV/token', cell: (v) => formatBytes(v.kvBytesPerToken) },
    { header: `ideal cache at ${a.context} x b${a.batch}`, cell: (v) => formatBytes(v.cacheBytesAtContext) },
    { header: 'paged cache', cell: (v) => formatBytes(v.paged.cacheBytesAtContext) },
    { header: 'vs MHA', cell: (v) => `${(v.vsMha * 100).toFixed(1)}%` },
    { header: 'largest context', cell: (v) => (v.largestContext === null ? 'any (window)' : v.largestContext.toLocaleString('en-US')) },
    { header: 'largest batch', cell: (v) => v.largestBatch.toLocaleString('en-US') },
    {
      header: 'paged: context / batch',
      cell: (v) =>
        `${v.paged.largestContext === null ? 'any' : v.paged.largestContext.toLocaleString('en-US')} / ${v.paged.largestBatch.toLocaleString('en-US')}`,
    },
    { header: 'measured step (model)', cell: (v) => (v.measured ? `${v.measured.modelMs.toFixed(1)} ms @${v.measured.context}` : '-') },
    { header: 'estimated tok/s', cell: (v) => (v.estimate ? v.estimate.tokensPerSecond.toPrecision(3) : '-') },
  ];
}

function printAnswer(a: CapacityAnswer, weightDtype: CapacityRequest['weightDtype'], io: Io): void {
  const m = a.model;
  io.out(
    `${m.name}: ${m.numLayers} layers, weights ${formatBytes(a.weightsBytes)} (${(a.params.total / 1e9).toFixed(1)}B params, ${a.params.source}; ` +
      `${formatBytes(a.activeWeightBytes)} read per token), memory ${formatBytes(a.memoryBytes)}, ${formatBytes(a.freeForCacheBytes)} left for the cache` +
      `${m.slidingWindow ? `; sliding window ${m.slidingWindow} caps the cache` : ''}\n` +
      `layers: ${m.layers}\n` +
      `analytic figures (what if the same model used each attention variant); ${a.idealNote}; ${a.paging.note}:\n`,
  );
  io.out(`${columnTable(variantColumns(a), a.variants)}\n`);
  for (const w of m.warnings ?? []) io.out(`note: ${w}\n`);
  if (a.reportNote) io.out(`note: ${a.reportNote}\n`);
  if (!a.fitsAtAll)
    io.out(
      a.perGpu
        ? `the weights alone (${formatBytes(a.weightsBytes)}) exceed ${formatBytes(a.memoryBytes)} on one GPU: see the per-GPU figures below\n`
        : `${weightsDeadEnd(a, weightDtype, 'cli') ?? `the weights alone (${formatBytes(a.weightsBytes)}) exceed ${formatBytes(a.memoryBytes)}`}\n`,
    );
  const est = a.variants.find((v) => v.estimate)?.estimate;
  if (est) io.out(`tok/s is an ${est.basis}.\n`);
  printPerGpu(a, io);
}

function plan(f: PlanFlags, io: Io): number {
  if (f.onnx) return planOnnx(f.onnx, f, io);
  const req = requestFromFlags(f);
  const report = f.report ? readReport(f.report) : undefined;
  const answer = capacityAnswer(req, {
    detectedFreeBytes: availableMemory(),
    measured: (model) => (f.report && report ? { id: f.report, report, note: reportNoteFor(`--report ${f.report}`, report, model) } : null),
  });
  if (f.json) io.out(`${jsonForTerminal(answer)}\n`);
  else printAnswer(answer, req.weightDtype, io);
  return 0;
}

export function addPlan(program: Command, { io, result }: CommandContext): void {
  const dtypes = ANALYTIC_DTYPES.join('|');
  const cmd = program
    .command('plan')
    .description(
      'capacity planner: weights, KV cache per token and at a context, and what fits, per attention variant (analytic); per GPU with --tp/--pp/--dp/--dcp/--gpus',
    )
    .option('--preset <name>', `model preset; default ${PLAN_DEFAULTS.preset}`)
    .option('--config <file>', 'a Hugging Face config.json')
    .option('--onnx <file>', 'an ONNX decoder with past_key_values (weights from the file, cache from its layout)')
    .option('--context <n>', `context in tokens (${span(R.planContext)})`, String(PLAN_DEFAULTS.context))
    .option('--batch <n>', `sequences (${span(R.planBatch)})`, String(PLAN_DEFAULTS.batch))
    .option('--cache-dtype <dtype>', dtypes, PLAN_DEFAULTS.cacheDtype)
    .option('--weight-dtype <dtype>', dtypes, PLAN_DEFAULTS.weightDtype)
    .option('--memory <size>', 'device memory budget, e.g. 80GB (default: the --gpus size, else free memory here; 1 B to 10^18 bytes)')
    .option('--gqa-groups <n>', `K/V heads for the GQA what-if (${span(R.planGqaGroups)})`, String(PLAN_DEFAULTS.gqaGroups))
    .option('--mla-rank <n>', `latent rank d_c of the MLA what-if (default 4 x head dim; an MLA model keeps its own; ${span(R.mlaRank)})`)
    .option('--page-tokens <n>', `page size of the paged figure, in tokens (${span(R.pageTokens)})`, String(PLAN_DEFAULTS.pageTokens))
    .option('--paged-windows <mode>', 'paged figure: windowed layers keep their window (window) or get the full context (full)', PLAN_DEFAULTS.pagedWindows)
    .option('--report <file>', "a sweep report of the same attention dims (another model's is refused): measured steps and an estimated tokens/s")
    .option('--json', "print one JSON object (the app planner's answer: CapacityAnswer in src/contract/api.ts; perGpu with a layout)", false);
  addParallelOptions(cmd).action((flags: PlanFlags) => {
    result.code = plan(flags, io);
  });
}
