/** `kvscope export`: a saved report as JSON, CSV, a standalone HTML report, or PNG charts. */
import type { Command } from 'commander';
import { toCsv } from '@/core/report/csv.js';
import { toHtml } from '@/core/report/html.js';
import { readReport, writeFileAtomic } from '@/core/report/report.js';
import { parseList } from '../args.js';
import type { CommandContext, Io } from '../io.js';
import { exportPngs } from '../png.js';

export interface ExportFlags {
  format: string;
  out?: string;
}

const FORMATS = ['json', 'csv', 'html', 'png'] as const;

async function exportReport(file: string, f: ExportFlags, io: Io): Promise<number> {
  const format = parseList(f.format, FORMATS, '--format')[0]!;
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

export function addExport(program: Command, { io, result }: CommandContext): void {
  program
    .command('export')
    .description('export a saved report as json, csv, a standalone html report, or png charts')
    .argument('<report>', 'a kvscope report (JSON)')
    .option('--format <format>', FORMATS.join('|'), 'html')
    .option('--out <file>', 'output file (png: the base name of one file per chart)')
    .action(async (file: string, flags: ExportFlags) => {
      result.code = await exportReport(file, flags, io);
    });
}
