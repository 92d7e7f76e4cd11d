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

  /** Adds a report; false where it is there already. */
  add(item: CompareItem): boolean {
    if (this.items.some((c) => c.key === item.key)) return false;
    this.items = [...this.items, item];
    void this.#recompare();
    return true;
  }

  /** What adding a report did, in words (History's and the Sweep view's notices). */
  addedText(label: string, added: boolean): string {
    const n = this.items.length;
    return added
      ? `Added ${label} to Compare: ${n} report${n === 1 ? '' : 's'} there${n < 2 ? ', add one more to compare' : ''} (the Compare tab)`
      : `${label} is already in Compare`;
  }

  /** Adds the report the Sweep view shows (this session's run or the one opened); what it did, in words, or null without a report. */
  addShown(): string | null {
    const r = this.#sweep.run.report;
    const opened = this.#sweep.opened;
    if (!r) return null;
    const label = `${opened ? opened.name : 'current run'} (${compareLabel(r)})`;
    return this.addedText(label, this.add({ key: `current:${r.createdAt}`, label, report: r }));
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
