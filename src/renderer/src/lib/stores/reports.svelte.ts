/** Reports on disk: save and export the one shown, open one (file, drop, history), the history list. */
import type { ExportFormat, HistoryEntry, KvscopeApi, OpenedReport } from '@/contract/api';
import type { Report } from '@/contract/schemas';
import { compareLabel } from '../compare-data';
import type { CompareStore } from './compare.svelte';
import type { SweepStore } from './sweep.svelte';
import type { UiStore } from './ui.svelte';

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

export class ReportsStore {
  /** Last file written or opened, or why not. */
  notice = $state<Notice | null>(null);
  history = $state.raw<HistoryEntry[]>([]);

  #api: KvscopeApi;
  #sweep: SweepStore;
  #compare: CompareStore;
  #ui: UiStore;

  constructor(api: KvscopeApi, stores: { sweep: SweepStore; compare: CompareStore; ui: UiStore }) {
    this.#api = api;
    this.#sweep = stores.sweep;
    this.#compare = stores.compare;
    this.#ui = stores.ui;
  }

  async #write(what: string, work: () => Promise<string | null>): Promise<string | null> {
    try {
      const path = await work();
      if (path) this.notice = { kind: 'ok', text: `${what} saved to ${path}` };
      return path;
    } catch (err) {
      this.notice = { kind: 'error', text: `${what}: ${(err as Error).message}` };
      return null;
    }
  }

  saveReport(): Promise<string | null> {
    const r = this.#sweep.run.report;
    if (!r) return Promise.resolve(null);
    return this.#write('Report', () => this.#api.reports.save(r));
  }

  exportReport(format: Exclude<ExportFormat, 'png'>): Promise<string | null> {
    const r = this.#sweep.run.report;
    if (!r) return Promise.resolve(null);
    return this.#write(format.toUpperCase(), () =>
      format === 'csv' ? this.#api.reports.export({ format, report: r }) : this.#api.reports.export({ format, reports: [r] }),
    );
  }

  exportPng(chartId: string, dataUrl: string): Promise<string | null> {
    const r = this.#sweep.run.report;
    if (!r) return Promise.resolve(null);
    return this.#write(`PNG of ${chartId}`, () => this.#api.reports.export({ format: 'png', report: r, chartId, dataUrl }));
  }

  exportComparison(reports: Report[]): Promise<string | null> {
    if (reports.length < 2) return Promise.resolve(null);
    return this.#write('Comparison HTML', () =>
      this.#api.reports.export({ format: 'html', reports, title: `kvscope comparison of ${reports.length} reports` }),
    );
  }

  /** Shows a report exactly as after a live run, in the Sweep view. */
  show(o: OpenedReport): void {
    if (this.#sweep.running) {
      this.notice = { kind: 'error', text: 'A sweep is running: cancel it or wait before opening a report' };
      return;
    }
    this.#sweep.show(o);
    this.#ui.view = 'sweep';
    this.notice = { kind: 'ok', text: `Opened ${o.name}` };
  }

  async openReport(): Promise<void> {
    try {
      const o = await this.#api.reports.open();
      if (o) this.show(o);
    } catch (err) {
      this.notice = { kind: 'error', text: (err as Error).message };
    }
  }

  /** A report's text read from a dropped file; the error is parseReport's message. */
  async openReportText(name: string, text: string, into: 'show' | 'compare' = 'show'): Promise<void> {
    try {
      const o = await this.#api.reports.parse(name, text);
      if (into === 'compare') this.#compare.add({ key: `file:${name}:${o.report.createdAt}`, label: `${name} (${compareLabel(o.report)})`, report: o.report });
      else this.show(o);
    } catch (err) {
      this.notice = { kind: 'error', text: (err as Error).message };
    }
  }

  async refreshHistory(): Promise<void> {
    try {
      this.history = await this.#api.history.list();
    } catch (err) {
      this.notice = { kind: 'error', text: `History: ${(err as Error).message}` };
    }
  }

  async openHistory(id: string, into: 'show' | 'compare' = 'show'): Promise<void> {
    try {
      const o = await this.#api.history.open(id);
      if (into === 'compare') {
        const added = this.#compare.add({ key: `history:${id}`, label: compareLabel(o.report), report: o.report });
        this.notice = { kind: 'ok', text: this.#compare.addedText(`history entry ${id}`, added) };
      } else this.show(o);
    } catch (err) {
      this.notice = { kind: 'error', text: (err as Error).message };
    }
  }

  /** Deletes a history entry (after the panel's confirm step) and refreshes the list. */
  async deleteHistory(id: string): Promise<void> {
    try {
      await this.#api.history.delete(id);
      this.notice = { kind: 'ok', text: `Deleted history entry ${id}` };
    } catch (err) {
      this.notice = { kind: 'error', text: `History: ${(err as Error).message}` };
    }
    await this.refreshHistory();
  }
}
