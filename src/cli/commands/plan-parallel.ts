/**
 * `kvscope plan`'s multi-GPU flags (--tp, --pp, --dp, --dcp, --dp-attention, --gpus, --link-gbs,
 * --hbm-gbs): the request's `parallel` layout, and the per-GPU table the answer's `perGpu` prints.
 */
import type { Command } from 'commander';
import type { CapacityAnswer, ParallelRequest, PerGpuVariant } from '@/contract/api.js';
import { PARALLEL_DEFAULTS } from '@/contract/parallel-api.js';
import { formatBytes } from '@/present/format.js';
import { FLAG_RANGES as R, parseBytes, parseCount, parseNumber, span, UsageError } from '../args.js';
import { columnTable, type Column } from '../columns.js';
import type { Io } from '../io.js';

export interface ParallelFlags {
  tp?: string;
  pp?: string;
  dp?: string;
  dcp?: string;
  dpAttention?: boolean;
  gpus?: string;
  linkGbs?: string;
  hbmGbs?: string;
}

export function addParallelOptions(c: Command): Command {
  return c
    .option('--tp <n>', `tensor parallel ranks (${span(R.tp)}; default 1)`)
    .option('--pp <n>', `pipeline stages, each holding its layers (${span(R.pp)}; default 1)`)
    .option('--dp <n>', `data parallel ranks, splitting the sequences (${span(R.dp)}; default 1)`)
    .option('--dcp <n>', `decode context parallel ranks within TP, splitting the cached tokens (${span(R.dcp)}; divides --tp; default 1)`)
    .option('--dp-attention', 'DP attention: the --dp ranks share one model (attention and cache by sequence, other weights over tp x dp)')
    .option('--gpus <NxSIZE>', "the GPUs, e.g. 8x80GB (count = tp x pp x dp; each GPU's memory, default --memory or free memory here)")
    .option('--link-gbs <GB/s>', `link bandwidth of the TP all-reduce in the decode estimate (default ${PARALLEL_DEFAULTS.linkGBs}, NVLink 4 each way)`)
    .option('--hbm-gbs <GB/s>', 'memory bandwidth of each GPU, for an analytic roofline decode estimate (default: the --report sweep measured here)');
}

/** "8x80GB" -> count and bytes per GPU. */
export function parseGpus(text: string): { count: number; bytes: number } {
  const m = /^\s*(\d+)\s*[x×*]\s*(.+)$/i.exec(text);
  if (!m) throw new UsageError(`--gpus: "${text}" is not COUNTxSIZE (examples: 8x80GB, 8x141GB, 4x24GiB)`);
  return { count: parseCount(m[1]!, '--gpus count', R.gpuCount), bytes: parseBytes(m[2]!, '--gpus size') };
}

/** The request's layout, or undefined when no multi-GPU flag is given. */
export function parallelFromFlags(f: ParallelFlags): ParallelRequest | undefined {
  const given = [f.tp, f.pp, f.dp, f.dcp, f.gpus, f.linkGbs, f.hbmGbs].some((x) => x !== undefined) || f.dpAttention === true;
  if (!given) return undefined;
  const n = (text: string | undefined, flag: string, range: { min: number; max: number }, d: number) =>
    text === undefined ? d : parseCount(text, flag, range);
  const gpus = f.gpus === undefined ? null : parseGpus(f.gpus);
  return {
    tp: n(f.tp, '--tp', R.tp, PARALLEL_DEFAULTS.tp),
    pp: n(f.pp, '--pp', R.pp, PARALLEL_DEFAULTS.pp),
    dp: n(f.dp, '--dp', R.dp, PARALLEL_DEFAULTS.dp),
    dcp: n(f.dcp, '--dcp', R.dcp, PARALLEL_DEFAULTS.dcp),
    dpAttention: f.dpAttention === true,
    gpuCount: gpus?.count ?? null,
    gpuMemoryBytes: gpus?.bytes ?? null,
    linkGBs: f.linkGbs === undefined ? PARALLEL_DEFAULTS.linkGBs : parseNumber(f.linkGbs, '--link-gbs', R.linkGBs),
    hbmGBs: f.hbmGbs === undefined ? null : parseNumber(f.hbmGbs, '--hbm-gbs', R.hbmGBs),
  };
}

const sig = (x: number) => x.toLocaleString('en-US', { maximumSignificantDigits: 3 });
const exact = (b: number) => `${Math.round(b).toLocaleString('en-US')} B`;
const count = (x: number | null) => (x === null ? 'any (window)' : x.toLocaleString('en-US'));

/** The per-GPU table and its rules, after the one-GPU table. */
export function printPerGpu(a: CapacityAnswer, io: Io): void {
  const g = a.perGpu;
  if (!g) return;
  const seqs = `${g.sequencesPerGpu} sequence${g.sequencesPerGpu === 1 ? '' : 's'}`;
  io.out(
    `\nper GPU on ${g.gpus} x ${sig(g.gpuMemoryBytes / 1e9)} GB (${formatBytes(g.gpuMemoryBytes)}) (analytic${g.pp > 1 ? `, stage ${g.stage + 1} of ${g.pp}` : ''}): weights ${formatBytes(g.weightsBytes)}, ` +
      `${formatBytes(g.freeForCacheBytes)} left for the cache, ${seqs} per GPU (batch ${a.batch})\n`,
  );
  for (const r of g.rules) io.out(`  ${r}\n`);
  const cols: Column<PerGpuVariant>[] = [
    { header: 'variant', cell: (v) => `${v.variant}${v.isModel ? ' (model)' : ''}` },
    { header: 'KV/token per GPU', cell: (v) => exact(v.kvBytesPerToken) },
    { header: 'KV/token on one GPU', cell: (v) => exact(v.modelKvBytesPerToken) },
    { header: `cache at ${a.cacheTokens} x ${seqs}`, cell: (v) => formatBytes(v.cacheBytesAtContext) },
    { header: `largest context (b${a.batch})`, cell: (v) => count(v.largestContext) },
    { header: 'largest batch (all GPUs)', cell: (v) => count(v.largestBatch) },
    { header: 'est. tok/s', cell: (v) => (!v.fits ? 'does not fit' : v.estimate ? sig(v.estimate.tokensPerSecond) : '-') },
    { header: 'placement', cell: (v) => v.rule },
  ];
  io.out(`${columnTable(cols, g.variants)}\n`);
  for (const s of g.skipped) io.out(`skipped ${s.variant}: ${s.reason}\n`);
  if (!g.fitsAtAll)
    io.out(
      `the weights of a stage (${formatBytes(g.weightsBytes)} per GPU) exceed ${formatBytes(g.gpuMemoryBytes)}: add GPUs or use a smaller --weight-dtype\n`,
    );
  const e = g.estimate;
  if (e.basis) {
    io.out(`est. tok/s is an ${e.basis}.\ninterconnect assumption: ${e.interconnect}.\n`);
    const own = g.variants.find((v) => v.isModel)?.estimate;
    if (own)
      io.out(
        `estimate for the model: step ${sig(own.stepMs)} ms = weights ${sig(own.weightsMs)} + attention ${sig(own.attentionMs)} (${own.attentionBasis}) + all-reduce ${sig(own.allReduceMs)}\n`,
      );
  } else io.out(`${e.missing} (--report FILE or --hbm-gbs N).\n`);
}
