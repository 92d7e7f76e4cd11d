/**
 * Reports in the app (pure Node, no electron: used by main and by the e2e bridge, unit-tested):
 * default file names, the export bodies (JSON, CSV, standalone HTML, PNG), the history of
 * sessions kept in the app's data folder; the capacity planner's answer is core's (src/core/plan/capacity.ts).
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AppEvent, CapacityAnswer, CapacityRequest, ExportRequest, HistoryEntry, OpenedReport } from '@/contract/api.js';
import { ExportRequestSchema } from '@/contract/api.js';
import type { Report } from '@/contract/schemas.js';
import type { ModelInfo } from '@/core/model/hf-config.js';
import { capacityAnswer, onnxCapacityAnswer } from '@/core/plan/capacity.js';
import { toCsv } from '@/core/report/csv.js';
import { toHtml } from '@/core/report/html.js';
import { readBoundedFile } from '@/core/io/files.js';
import { MAX_REPORT_BYTES, parseReport, ReportError, writeFileAtomic, writeReport } from '@/core/report/report.js';

export const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'report';

/** kvscope-<model>-<provider>-<YYYY-MM-DD>[-<chart>].<ext> */
export function defaultReportName(report: Report, ext: string, chartId?: string): string {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(report.createdAt)?.[0] ?? new Date().toISOString().slice(0, 10);
  return `kvscope-${slug(report.model.name)}-${report.provider.name}-${date}${chartId ? `-${slug(chartId)}` : ''}.${ext}`;
}

export function defaultCompareName(reports: Report[]): string {
  return `kvscope-compare-${reports.length}-reports-${new Date().toISOString().slice(0, 10)}.html`;
}

/** The file body and default name of an export. */
export function exportBody(request: ExportRequest): { name: string; data: string | Buffer; ext: string } {
  const r = ExportRequestSchema.parse(request);
  switch (r.format) {
    case 'csv':
      return { name: defaultReportName(r.report, 'csv'), data: toCsv(r.report), ext: 'csv' };
    case 'html':
      return {
        name: r.reports.length === 1 ? defaultReportName(r.reports[0]!, 'html') : defaultCompareName(r.reports),
        data: toHtml(r.reports, r.title),
        ext: 'html',
      };
    case 'png':
      return { name: defaultReportName(r.report, 'png', r.chartId), data: Buffer.from(r.dataUrl.slice(r.dataUrl.indexOf(',') + 1), 'base64'), ext: 'png' };
  }
}

/** Writes a report as JSON atomically (validated first). */
export function saveReport(path: string, report: Report): void {
  writeReport(path, report);
}

export function writeExport(path: string, data: string | Buffer): void {
  writeFileAtomic(path, data);
}

/** A report file's text: stat first, regular files only, at most MAX_REPORT_BYTES (messages name the file, not its folder). */
function readReportText(path: string): string {
  return readBoundedFile(path, { maxBytes: MAX_REPORT_BYTES, kind: 'report', label: basename(path) }).toString('utf8');
}

export function openReportFile(path: string, source: OpenedReport['source'] = 'file'): OpenedReport {
  let text: string;
  try {
    text = readReportText(path);
  } catch (e) {
    throw new ReportError((e as Error).message);
  }
  return { source, name: basename(path), path, report: parseReport(text, basename(path)) };
}

function entryOf(id: string, r: Report): HistoryEntry {
  return {
    id,
    createdAt: r.createdAt,
    model: r.model.name,
    provider: r.provider.name,
    machine: r.machine.cpuModel,
    points: r.points.length,
    complete: r.complete,
    ...(!r.complete && r.incompleteReason ? { incompleteReason: r.incompleteReason } : {}),
  };
}

/**
 * The report an engine event leaves for the history: a finished run's, an interrupted or failed
 * run's partial one, or the one the engine client rebuilt after a crash; null when it has no points.
 */
export function reportToKeep(event: AppEvent): Report | null {
  const report = event.type === 'done' ? event.report : event.type === 'error' || event.type === 'engine-gone' ? event.partial : null;
  return report && report.points.length > 0 ? report : null;
}

/** Sessions run on this machine: one validated JSON report per file in `dir`, newest first. */
export class History {
  constructor(readonly dir: string) {}

  add(report: Report): HistoryEntry {
    mkdirSync(this.dir, { recursive: true });
    const stamp = report.createdAt.replace(/[^0-9]/g, '').slice(0, 17) || String(Date.now());
    let id = `${stamp}-${slug(report.model.name)}-${report.provider.name}`;
    const taken = new Set(this.#files());
    for (let n = 2; taken.has(`${id}.json`); n++) id = `${stamp}-${slug(report.model.name)}-${report.provider.name}-${n}`;
    writeReport(join(this.dir, `${id}.json`), report);
    return entryOf(id, report);
  }

  #files(): string[] {
    try {
      return readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
  }

  /** Entries newest first; files that do not parse are left out (they stay on disk). */
  list(): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    for (const f of this.#files()) {
      try {
        out.push(entryOf(f.slice(0, -'.json'.length), parseReport(readReportText(join(this.dir, f)), f)));
      } catch {
        // a broken file in the data folder: skipped, never fatal
      }
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id.localeCompare(a.id)));
  }

  #checked(id: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(id) || id.includes('..')) throw new ReportError(`no history entry ${JSON.stringify(id)}`);
    return id;
  }

  open(id: string): OpenedReport {
    this.#checked(id);
    const opened = openReportFile(join(this.dir, `${id}.json`), 'history');
    return { ...opened, name: id };
  }

  /** Deletes an entry's file (the id is checked before any path is built). */
  delete(id: string): void {
    const path = join(this.dir, `${this.#checked(id)}.json`);
    try {
      rmSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ReportError(code === 'ENOENT' ? `no history entry ${JSON.stringify(id)}` : `cannot delete ${id}: ${code ?? (e as Error).message}`);
    }
  }

  /** The newest report of the same model (name and layer count), for measured figures. */
  newestOf(model: ModelInfo): { id: string; report: Report } | null {
    for (const e of this.list()) {
      if (e.model !== model.name) continue;
      const { report } = this.open(e.id);
      if (report.model.numLayers === model.numLayers && report.probes) return { id: e.id, report };
    }
    return null;
  }
}

/** The planner's answer (src/core/plan/capacity.ts), with measured figures from the newest report of the model in the history. */
export function capacity(req: CapacityRequest, detectedFreeBytes: number, history: History | null): CapacityAnswer {
  return capacityAnswer(req, { detectedFreeBytes, measured: (model) => history?.newestOf(model) ?? null });
}

/** The planner's answer for an imported ONNX decoder (analytic; no what-if variants). */
export const onnxCapacity = onnxCapacityAnswer;
