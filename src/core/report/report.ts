/**
 * The versioned report: building it, validating it on load and writing it atomically. Schema:
 * src/contract/schemas.ts, documented in docs/report-schema.md.
 */
import { migrateReport } from './migrate.js';
import { REPORT_SCHEMA_VERSION, ReportSchema, type Point, type Report } from '@/contract/schemas.js';
import { readBoundedFile, writeFileAtomic } from '../io/files.js';

/** Atomic writes live in src/core/io/files.ts; re-exported for the callers that import them from here. */
export { writeFileAtomic };

export class ReportError extends Error {
  override name = 'ReportError';
}

/** Largest file kvscope will parse as a report (a sweep of thousands of points is ~ a few MB). */
export const MAX_REPORT_BYTES = 64 * 2 ** 20;

/** Parses and validates report JSON text; errors say what is wrong and where. */
export function parseReport(text: string, source = 'report'): Report {
  if (text.length > MAX_REPORT_BYTES) throw new ReportError(`${source} is ${text.length} bytes, more than a report can be (${MAX_REPORT_BYTES})`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 BOM some editors add
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${source} is not valid JSON (${(e as Error).message}); was it truncated?`);
  }
  if (typeof raw !== 'object' || raw === null || (raw as { schema?: unknown }).schema !== 'kvscope.report') {
    throw new ReportError(`${source} is not a kvscope report (no "schema": "kvscope.report")`);
  }
  const version = (raw as { version?: unknown }).version;
  if (typeof version === 'string') {
    const hint = /^\d+$/.test(version) ? ` ("version": ${version}, not "${version}")` : '';
    throw new ReportError(`${source} has "version": ${JSON.stringify(version)}: the report version must be a number, not a string${hint}`);
  }
  if (typeof version !== 'number' || version > REPORT_SCHEMA_VERSION) {
    throw new ReportError(
      `${source} has report version ${JSON.stringify(version)}; this kvscope reads versions up to ${REPORT_SCHEMA_VERSION}: update kvscope`,
    );
  }
  const parsed = ReportSchema.safeParse(migrateReport(raw, REPORT_SCHEMA_VERSION));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ReportError(`${source} is not a valid report: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export function readReport(path: string): Report {
  let text: string;
  try {
    // stat first: a FIFO or /dev/zero is refused, and so is a file over the limit, before reading
    text = readBoundedFile(path, { maxBytes: MAX_REPORT_BYTES, kind: 'report' }).toString('utf8');
  } catch (e) {
    throw new ReportError((e as Error).message);
  }
  return parseReport(text, path);
}

export function writeReport(path: string, report: Report): void {
  ReportSchema.parse(report);
  writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** Savings against MHA are presentation (src/present/savings.ts); re-exported for the callers that import them from here. */
export { savingsVsMha, type Saving } from '@/present/savings.js';

export type { Report, Point };
