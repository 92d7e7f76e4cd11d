/**
 * The app's stores, one per domain, composed once; components take the ones they use. Routes what
 * crosses domains: a dropped file, and the history refresh when a run ends.
 */
import type { KvscopeApi } from '@/contract/api';
import { classifyDrop } from '../planner-form';
import { CompareStore } from './compare.svelte';
import { MachineStore } from './machine.svelte';
import { OnnxStore } from './onnx.svelte';
import { PlannerStore } from './planner.svelte';
import { ReportsStore } from './reports.svelte';
import { SweepStore } from './sweep.svelte';
import { UiStore } from './ui.svelte';

/** Larger than any report or config.json can be; such a drop is refused before it is read. */
const MAX_DROP_BYTES = 64 * 2 ** 20;

export class App {
  readonly ui = new UiStore();
  readonly machine: MachineStore;
  readonly sweep: SweepStore;
  readonly compare: CompareStore;
  readonly reports: ReportsStore;
  readonly planner: PlannerStore;
  readonly onnx: OnnxStore;

  constructor(api: KvscopeApi) {
    this.machine = new MachineStore(api);
    this.sweep = new SweepStore(api, () => void this.reports.refreshHistory());
    this.compare = new CompareStore(api, this.sweep);
    this.reports = new ReportsStore(api, { sweep: this.sweep, compare: this.compare, ui: this.ui });
    this.planner = new PlannerStore(api, this.ui);
    this.onnx = new OnnxStore(api, this.ui);
  }

  async load(): Promise<void> {
    void this.reports.refreshHistory();
    await this.machine.load();
    this.planner.startOn(this.machine.presets, this.machine.system?.machine.freeMemoryBytes ?? null);
  }

  /**
   * A dropped file: a report is shown (or added to the compare view); a config.json fills the
   * Sweep's setup where the Sweep view is shown, and goes to the planner elsewhere; an .onnx goes
   * to the planner.
   */
  async drop(file: File): Promise<void> {
    const name = file.name;
    if (classifyDrop(name) === 'onnx') return this.onnx.dropped(file);
    if (file.size > MAX_DROP_BYTES) {
      this.reports.notice = { kind: 'error', text: `${name} is ${file.size} bytes, more than a report or config can be` };
      return;
    }
    const text = await file.text();
    const kind = classifyDrop(name, text);
    if (kind === 'hf-config') return this.ui.view === 'sweep' ? this.sweep.useConfigText(name, text) : this.planner.useConfig(name, text);
    if (kind === 'report') return this.reports.openReportText(name, text, this.ui.view === 'compare' ? 'compare' : 'show');
    this.reports.notice = { kind: 'error', text: `${name}: drop a kvscope report (.json), a config.json or an .onnx decoder` };
  }
}
