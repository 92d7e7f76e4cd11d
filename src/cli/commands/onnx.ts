/** `kvscope onnx`: an imported ONNX decoder's KV layout, and its decode step at growing past lengths. */
import type { Command } from 'commander';
import { DEFAULT_DECODER_BUDGET_SECONDS, DEFAULT_DECODER_CONTEXTS, DEFAULT_MEMORY_FRACTION } from '@/contract/defaults.js';
import { MAX_ONNX_BYTES } from '@/core/io/files.js';
import { detectDecoderLayout, sweepDecoder, type DecoderPoint } from '@/core/model/onnx-decoder.js';
import { formatBytes } from '@/present/format.js';
import { FLAG_RANGES as R, parseContexts, parseList, parseNumber, span } from '../args.js';
import { columnTable, type Column } from '../columns.js';
import { readFileOrUsage } from '../files.js';
import type { CommandContext, Io } from '../io.js';
import { jsonForTerminal } from '../sanitize.js';

export interface OnnxFlags {
  contexts: string;
  ep: string;
  budget: string;
  memoryFraction: string;
  json: boolean;
}

const COLUMNS: Column<DecoderPoint>[] = [
  { header: 'past tokens', cell: (p) => String(p.past) },
  { header: 'step ms', cell: (p) => p.medianMs.toFixed(3) },
  { header: '95% CI', cell: (p) => `[${p.ci95Ms[0].toFixed(3)}, ${p.ci95Ms[1].toFixed(3)}]` },
  { header: 'noisy', cell: (p) => (p.noise.length > 0 ? 'noisy' : '') },
  { header: 'cv', cell: (p) => p.cv.toFixed(3) },
  { header: 'present (measured)', cell: (p) => formatBytes(p.measuredPresentBytes) },
  { header: 'present (analytic)', cell: (p) => formatBytes(p.analyticPresentBytes) },
  { header: 'RSS delta', cell: (p) => formatBytes(Math.max(0, p.rssDeltaBytes)) },
];

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
  io.out(`${columnTable(COLUMNS, points)}\n`);
  for (const p of points.filter((x) => x.noise.length > 0)) io.out(`noisy at ${p.past} past tokens: ${p.noise.join('; ')}\n`);
  return 0;
}

export function addOnnx(program: Command, { io, result }: CommandContext): void {
  program
    .command('onnx')
    .description('import an ONNX decoder with past_key_values: detect its KV layout and time decode steps at growing past lengths')
    .argument('<model>', 'an .onnx decoder (Optimum-style past_key_values.{i}.key|value inputs)')
    .option('--contexts <list>', `past lengths (${span(R.onnxPast)}; each must fit the memory budget)`, DEFAULT_DECODER_CONTEXTS)
    .option('--ep <provider>', 'cpu|webgpu', 'cpu')
    .option('--budget <seconds>', `timing budget per point (above 0, at most ${R.seconds.max})`, String(DEFAULT_DECODER_BUDGET_SECONDS))
    .option('--memory-fraction <f>', 'share of free memory a decode step may use (above 0, at most 1)', String(DEFAULT_MEMORY_FRACTION))
    .option('--json', 'print JSON', false)
    .action(async (file: string, flags: OnnxFlags) => {
      result.code = await onnxSweep(file, flags, io);
    });
}
