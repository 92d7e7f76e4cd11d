/** Where a sweep's report goes, with fallbacks when --out cannot be written. */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ZodError } from 'zod';
import type { Report } from '@/contract/schemas.js';
import { writeReport } from '@/core/report/report.js';
import type { Io } from './io.js';

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
