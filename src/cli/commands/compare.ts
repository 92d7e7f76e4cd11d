/** `kvscope compare`: reports point by point, aligned by variant, mode, dtype, batch and context. */
import type { Command } from 'commander';
import type { ComparedRow as CompareRow } from '@/contract/api.js';
import { compareReports, NOISE_THRESHOLD } from '@/core/report/compare.js';
import { reportLabel, toHtml } from '@/core/report/html.js';
import { readReport, writeFileAtomic } from '@/core/report/report.js';
import { changeText, machineDriftNote } from '@/present/timing.js';
import { UsageError } from '../args.js';
import { columnTable, type Column } from '../columns.js';
import type { CommandContext, Io } from '../io.js';
import { exportPngs } from '../png.js';
import { jsonForTerminal } from '../sanitize.js';

export interface CompareFlags {
  html?: string;
  png?: string;
  json?: boolean;
}

/** A, B, C...: how the table names the reports. */
const letter = (i: number): string => String.fromCharCode(65 + i);

/** The point, each report's median with its interval, then each later report against the first. */
function compareColumns(count: number): Column<CompareRow>[] {
  const reports = Array.from({ length: count }, (_, i) => i);
  return [
    { header: 'point', cell: (r) => r.key },
    ...reports.map((i) => ({
      header: `${letter(i)} ms [95% CI]`,
      cell: (r: CompareRow) => {
        const m = r.medians[i];
        const ci = r.ci95[i];
        return m === null || m === undefined ? '-' : `${m.toFixed(3)} ${ci ? `[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]` : '[n/a]'}`;
      },
    })),
    ...reports.slice(1).map((i) => ({
      header: `${letter(i)}/A [95% CI] verdict`,
      cell: (r: CompareRow) => changeText(r.ratios[i] ?? null, r.changes[i] ?? null),
    })),
  ];
}

async function compare(files: string[], f: CompareFlags, io: Io): Promise<number> {
  if (files.length < 2) throw new UsageError('compare needs at least two reports: kvscope compare a.json b.json');
  const reports = files.map((file) => readReport(file));
  const rows = compareReports(reports);
  if (f.json) {
    io.out(
      `${jsonForTerminal({ reports: files.map((file, i) => ({ file, label: reportLabel(reports[i]!) })), noiseThreshold: NOISE_THRESHOLD, machineDrift: machineDriftNote(reports), rows })}\n`,
    );
    return 0;
  }
  io.out(`${reports.map((r, i) => `${letter(i)}: ${files[i]} (${reportLabel(r)})`).join('\n')}\n${columnTable(compareColumns(reports.length), rows)}\n`);
  const drift = machineDriftNote(reports);
  if (drift) io.out(`note: ${drift}\n`);
  if (f.html) {
    writeFileAtomic(f.html, toHtml(reports, `kvscope comparison: ${files.join(' vs ')}`));
    io.err(`wrote ${f.html}\n`);
  }
  if (f.png) io.err(`wrote ${(await exportPngs(reports, f.png)).join(', ')}\n`);
  return 0;
}

export function addCompare(program: Command, { io, result }: CommandContext): void {
  program
    .command('compare')
    .description('compare reports point by point (aligned by variant, mode, dtype, batch, context)')
    .argument('<reports...>', 'two or more kvscope reports')
    .option('--html <file>', 'also write an HTML comparison with overlaid charts')
    .option('--png <file>', 'also write the overlaid charts as PNG (base name)')
    .option('--json', 'print the rows as JSON (ratios, their 95% intervals and verdicts)', false)
    .action(async (files: string[], flags: CompareFlags) => {
      result.code = await compare(files, flags, io);
    });
}
