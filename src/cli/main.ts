/**
 * kvscope's headless entry: builds the program and dispatches to one file per command in
 * ./commands (sweep, plan, export, compare, onnx, presets, devices), which drive src/core directly.
 * Exit codes: 0 ok, 1 failure (a sweep also when its report could not be written to --out, even if a
 * fallback file holds it), 2 bad usage or input, 130 interrupted (partial report written).
 */
import { Command, CommanderError } from 'commander';
import { ZodError } from 'zod';
import { SpecError } from '@/core/model/spec.js';
import { ReportError } from '@/core/report/report.js';
import { KVSCOPE_VERSION } from '@/core/version.js';
import { UsageError } from './args.js';
import { addCompare } from './commands/compare.js';
import { addDevices } from './commands/devices.js';
import { addExport } from './commands/export.js';
import { addOnnx } from './commands/onnx.js';
import { addPlan } from './commands/plan.js';
import { addPresets } from './commands/presets.js';
import { addSweep } from './commands/sweep.js';
import { defaultIo, sanitizedIo, type Io } from './io.js';
import { stripControl } from './sanitize.js';

export { FLAG_RANGES } from './args.js';
export { configFromFlags, DEFAULT_CONTEXTS, type SweepFlags } from './commands/sweep.js';
export { ReportSink } from './report-sink.js';
export { sanitizedIo, type Io } from './io.js';

export function buildProgram(raw: Io, result: { code: number }): Command {
  // Commands print report, config and ONNX strings: none reaches the terminal with control characters.
  const ctx = { io: sanitizedIo(raw), raw, result };
  const program = new Command('kvscope')
    .description('Measure the KV-cache memory and decode speed of attention variants (MHA, GQA, MQA, MLA) on this machine')
    .version(KVSCOPE_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: raw.out, writeErr: raw.err });
  for (const add of [addSweep, addPlan, addExport, addCompare, addOnnx, addPresets, addDevices]) add(program, ctx);
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
