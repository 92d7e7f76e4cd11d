/** The reports overlaid in the Compare view and their per-point ratio rows (computed by main). */
import type { ComparedRow, KvscopeApi } from '@/contract/api';
import { compareLabel, type CompareItem } from '../compare-data';
import { latest } from '../latest';
import type { SweepStore } from './sweep.svelte';

export class CompareStore {
  items = $state.raw<CompareItem[]>([]);
  rows = $state.raw<ComparedRow[]>([]);
  error = $state<string | null>(null);

  #api: KvscopeApi;
  #sweep: SweepStore;
  #compares = latest();

  constructor(api: KvscopeApi, sweep: SweepStore) {
    this.#api = api;
    this.#sweep = sweep;
  }

  add(item: CompareItem): void {
    if (this.items.some((c) => c.key === item.key)) return;
    this.items = [...this.items, item];
    void this.#recompare();
  }

  /** Adds the report the Sweep view shows (this session's run or the one opened). */
  addShown(): void {
    const r = this.#sweep.run.report;
    const opened = this.#sweep.opened;
    if (r) this.add({ key: `current:${r.createdAt}`, label: `${opened ? opened.name : 'current run'} (${compareLabel(r)})`, report: r });
  }

  remove(key: string): void {
    this.items = this.items.filter((c) => c.key !== key);
    void this.#recompare();
  }

  async #recompare(): Promise<void> {
    const reports = this.items.map((c) => c.report);
    const out = await this.#compares(() => (reports.length < 2 ? [] : this.#api.reports.compare(reports)));
    if (!out) return;
    if (out.ok) {
      this.rows = out.value;
      this.error = null;
    } else this.error = out.error.message;
  }
}
