/**
 * The app's rune state: machine and presets from the engine, the setup form, the plan, and the
 * run. Engine events are batched per animation frame so a burst of points costs one render.
 */
import type {
  AppEvent,
  CapacityAnswer,
  ComparedRow,
  ExportFormat,
  HistoryEntry,
  KvscopeApi,
  OnnxCapacityAnswer,
  OnnxLayout,
  OnnxSweepResult,
  OpenedReport,
  PlanSummary,
  PresetInfo,
  SystemInfo,
} from '../../../contract/api';
import type { Report, SweepConfigInput } from '../../../contract/schemas';
import { FlushGate } from './flush-gate';
import { compareLabel, type CompareItem } from './compare-data';
import { classifyDrop, defaultPlannerForm, onnxPlannerRequest, plannerRequest, type PlannerForm } from './planner-form';
import { defaultForm, FormError, formToConfig, type SetupForm } from './config-form';
import { applyEvents, initialRun, startRun, type RunState } from './run-state';

export type Theme = 'light' | 'dark';
export type View = 'sweep' | 'compare' | 'planner';

/** The run state a finished live run would leave, for a report opened from a file or history. */
export function runFromReport(report: Report): RunState {
  return { ...initialRun(), phase: 'done', points: report.points, report };
}

const WELCOME_KEY = 'kvscope.welcomeSeen';
const FLUSH_MS = 150;
const THEME_KEY = 'kvscope.theme';

function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function writeStorage(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage may be unavailable (private mode); the setting just does not persist
  }
}

export class AppStore {
  system = $state.raw<SystemInfo | null>(null);
  systemError = $state<string | null>(null);
  presets = $state.raw<PresetInfo[]>([]);
  form = $state<SetupForm>(defaultForm());
  plan = $state.raw<PlanSummary | null>(null);
  planError = $state<{ field: string; message: string } | null>(null);
  planning = $state(false);
  run = $state.raw<RunState>(initialRun());
  /** The config of the run shown (for scaling and labels). */
  runConfig = $state.raw<SweepConfigInput | null>(null);
  runPlan = $state.raw<PlanSummary | null>(null);
  startError = $state<string | null>(null);
  showWelcome = $state(readStorage(WELCOME_KEY) === null);
  theme = $state<Theme>('light');
  view = $state<View>('sweep');
  /** Where the report shown came from, when it was not this session's live run. */
  opened = $state.raw<{ name: string; source: OpenedReport['source'] } | null>(null);
  /** Last file written or opened, or why not. */
  notice = $state<{ kind: 'ok' | 'error'; text: string } | null>(null);
  history = $state.raw<HistoryEntry[]>([]);
  compare = $state.raw<CompareItem[]>([]);
  compareRows = $state.raw<ComparedRow[]>([]);
  compareError = $state<string | null>(null);
  planner = $state<PlannerForm>(defaultPlannerForm());
  plannerAnswer = $state.raw<CapacityAnswer | null>(null);
  plannerError = $state<{ field: string; message: string } | null>(null);
  onnxLayout = $state.raw<OnnxLayout | null>(null);
  onnxSweep = $state.raw<OnnxSweepResult | null>(null);
  onnxBusy = $state(false);
  onnxError = $state<string | null>(null);
  onnxPlan = $state.raw<OnnxCapacityAnswer | null>(null);
  onnxPlanError = $state<string | null>(null);

  #api: KvscopeApi;
  #queue: AppEvent[] = [];
  // At most one render per FLUSH_MS, and none while the engine times a point (flush-gate.ts).
  #gate = new FlushGate(
    () => this.#render(),
    { now: () => performance.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as number) },
    FLUSH_MS,
  );
  #planSeq = 0;

  constructor(api: KvscopeApi) {
    this.#api = api;
    const saved = readStorage(THEME_KEY);
    this.theme = saved === 'dark' || saved === 'light' ? saved : matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
    api.onEvent((e) => this.#enqueue(e));
  }

  async load(): Promise<void> {
    void this.refreshHistory();
    const [system, presets] = await Promise.allSettled([this.#api.system.describe(), this.#api.presets.list()]);
    if (system.status === 'fulfilled') this.system = system.value;
    else this.systemError = (system.reason as Error).message;
    if (presets.status === 'fulfilled') this.presets = presets.value;
    else this.systemError ??= (presets.reason as Error).message;
  }

  toggleTheme(): void {
    this.theme = this.theme === 'dark' ? 'light' : 'dark';
    writeStorage(THEME_KEY, this.theme);
  }

  dismissWelcome(): void {
    this.showWelcome = false;
    writeStorage(WELCOME_KEY, '1');
  }

  /** Plans the form's sweep; a newer call wins over an older one still in flight. */
  async replan(): Promise<void> {
    const seq = ++this.#planSeq;
    let config: SweepConfigInput;
    try {
      config = formToConfig($state.snapshot(this.form) as SetupForm);
    } catch (err) {
      this.plan = null;
      this.planError = err instanceof FormError ? { field: err.field, message: err.message } : { field: '', message: (err as Error).message };
      return;
    }
    this.planning = true;
    try {
      const plan = await this.#api.sweep.plan(config);
      if (seq !== this.#planSeq) return;
      this.plan = plan;
      this.planError = null;
    } catch (err) {
      if (seq !== this.#planSeq) return;
      this.plan = null;
      this.planError = { field: '', message: (err as Error).message };
    } finally {
      if (seq === this.#planSeq) this.planning = false;
    }
  }

  get running(): boolean {
    return this.run.phase === 'starting' || this.run.phase === 'running';
  }

  async start(form?: SetupForm): Promise<void> {
    if (this.running) return;
    this.startError = null;
    let config: SweepConfigInput;
    try {
      config = formToConfig(form ?? ($state.snapshot(this.form) as SetupForm));
    } catch (err) {
      this.startError = (err as Error).message;
      return;
    }
    this.run = startRun(this.run);
    this.opened = null;
    this.runConfig = config;
    this.runPlan = this.plan;
    try {
      const runId = await this.#api.sweep.start(config);
      this.run = { ...this.run, runId };
      this.#flush();
    } catch (err) {
      this.run = { ...initialRun(), phase: 'failed', error: (err as Error).message };
      this.startError = (err as Error).message;
    }
  }

  async cancel(): Promise<void> {
    const runId = this.run.runId;
    if (!runId || !this.running) return;
    this.run = { ...this.run, cancelRequested: true };
    try {
      await this.#api.sweep.cancel(runId);
    } catch (err) {
      this.run = { ...this.run, error: (err as Error).message };
    }
  }

  async openConfig(): Promise<void> {
    try {
      const opened = await this.#api.files.openConfig();
      if (!opened) return;
      this.form.source = 'hf-config';
      this.form.hfConfigText = JSON.stringify(opened.config, null, 2);
      this.form.hfConfigName = opened.name;
    } catch (err) {
      this.planError = { field: 'hfConfig', message: (err as Error).message };
    }
  }

  // ---- reports: save, export, open, history ----

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
    const r = this.run.report;
    if (!r) return Promise.resolve(null);
    return this.#write('Report', () => this.#api.reports.save(r));
  }

  exportReport(format: Exclude<ExportFormat, 'png'>): Promise<string | null> {
    const r = this.run.report;
    if (!r) return Promise.resolve(null);
    return this.#write(format.toUpperCase(), () =>
      format === 'csv' ? this.#api.reports.export({ format, report: r }) : this.#api.reports.export({ format, reports: [r] }),
    );
  }

  exportPng(chartId: string, dataUrl: string): Promise<string | null> {
    const r = this.run.report;
    if (!r) return Promise.resolve(null);
    return this.#write(`PNG of ${chartId}`, () => this.#api.reports.export({ format: 'png', report: r, chartId, dataUrl }));
  }

  exportCompareHtml(): Promise<string | null> {
    const reports = this.compare.map((c) => c.report);
    if (reports.length < 2) return Promise.resolve(null);
    return this.#write('Comparison HTML', () =>
      this.#api.reports.export({ format: 'html', reports, title: `kvscope comparison of ${reports.length} reports` }),
    );
  }

  /** Shows a report exactly as after a live run. */
  showReport(o: OpenedReport): void {
    if (this.running) {
      this.notice = { kind: 'error', text: 'A sweep is running: cancel it or wait before opening a report' };
      return;
    }
    this.run = runFromReport(o.report);
    this.runConfig = o.report.config;
    this.runPlan = null;
    this.opened = { name: o.name, source: o.source };
    this.view = 'sweep';
    this.notice = { kind: 'ok', text: `Opened ${o.name}` };
  }

  async openReport(): Promise<void> {
    try {
      const o = await this.#api.reports.open();
      if (o) this.showReport(o);
    } catch (err) {
      this.notice = { kind: 'error', text: (err as Error).message };
    }
  }

  /** A report's text read from a dropped file; the error is parseReport's message. */
  async openReportText(name: string, text: string, into: 'show' | 'compare' = 'show'): Promise<void> {
    try {
      const o = await this.#api.reports.parse(name, text);
      if (into === 'compare') this.addToCompare({ key: `file:${name}:${o.report.createdAt}`, label: `${name} (${compareLabel(o.report)})`, report: o.report });
      else this.showReport(o);
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
      if (into === 'compare') this.addToCompare({ key: `history:${id}`, label: compareLabel(o.report), report: o.report });
      else this.showReport(o);
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

  // ---- compare ----

  addToCompare(item: CompareItem): void {
    if (this.compare.some((c) => c.key === item.key)) return;
    this.compare = [...this.compare, item];
    void this.#recompare();
  }

  #cmpSeq = 0;
  async #recompare(): Promise<void> {
    const seq = ++this.#cmpSeq;
    if (this.compare.length < 2) {
      this.compareRows = [];
      return;
    }
    try {
      const rows = await this.#api.reports.compare(this.compare.map((c) => c.report));
      if (seq === this.#cmpSeq) {
        this.compareRows = rows;
        this.compareError = null;
      }
    } catch (err) {
      if (seq === this.#cmpSeq) this.compareError = (err as Error).message;
    }
  }

  addCurrentToCompare(): void {
    const r = this.run.report;
    if (r) this.addToCompare({ key: `current:${r.createdAt}`, label: `${this.opened ? this.opened.name : 'current run'} (${compareLabel(r)})`, report: r });
  }

  removeFromCompare(key: string): void {
    this.compare = this.compare.filter((c) => c.key !== key);
    void this.#recompare();
  }

  // ---- planner ----

  #capSeq = 0;
  async replanCapacity(): Promise<void> {
    const seq = ++this.#capSeq;
    let request;
    try {
      request = plannerRequest($state.snapshot(this.planner) as PlannerForm);
    } catch (err) {
      this.plannerAnswer = null;
      this.plannerError = err instanceof FormError ? { field: err.field, message: err.message } : { field: '', message: (err as Error).message };
      return;
    }
    try {
      const a = await this.#api.planner.capacity(request);
      if (seq !== this.#capSeq) return;
      this.plannerAnswer = a;
      this.plannerError = null;
    } catch (err) {
      if (seq !== this.#capSeq) return;
      this.plannerAnswer = null;
      const message = (err as Error).message;
      const field = /config field "([^"]+)"|lacks "([^"]+)"/.exec(message);
      this.plannerError = { field: field ? (field[1] ?? field[2] ?? 'config') : '', message };
    }
  }

  #onnxSeq = 0;
  /** The capacity of the imported ONNX decoder at the form's memory, context and batch. */
  async replanOnnx(): Promise<void> {
    const seq = ++this.#onnxSeq;
    const layout = this.onnxLayout;
    if (!layout) {
      this.onnxPlan = null;
      this.onnxPlanError = null;
      return;
    }
    try {
      const a = await this.#api.planner.onnx(onnxPlannerRequest($state.snapshot(this.planner) as PlannerForm, layout));
      if (seq !== this.#onnxSeq) return;
      this.onnxPlan = a;
      this.onnxPlanError = null;
    } catch (err) {
      if (seq !== this.#onnxSeq) return;
      this.onnxPlan = null;
      this.onnxPlanError = (err as Error).message;
    }
  }

  /** A config.json for the planner (picked, dropped or pasted). */
  usePlannerConfig(name: string, text: string): void {
    this.planner.source = 'hf-config';
    this.planner.configName = name;
    this.planner.configText = text;
    this.view = 'planner';
  }

  async pickPlannerConfig(): Promise<void> {
    try {
      const opened = await this.#api.files.openConfig();
      if (opened) this.usePlannerConfig(opened.name, JSON.stringify(opened.config, null, 2));
    } catch (err) {
      this.plannerError = { field: 'config', message: (err as Error).message };
    }
  }

  async inspectOnnx(path: string | null): Promise<void> {
    this.onnxError = null;
    try {
      const layout = await this.#api.onnx.inspect(path);
      if (!layout) return;
      this.onnxLayout = layout;
      this.onnxSweep = null;
      this.view = 'planner';
    } catch (err) {
      this.onnxError = (err as Error).message;
    }
  }

  async sweepOnnx(pasts: number[]): Promise<void> {
    const l = this.onnxLayout;
    if (!l || this.onnxBusy) return;
    this.onnxBusy = true;
    this.onnxError = null;
    try {
      this.onnxSweep = await this.#api.onnx.sweep(l.path, pasts);
    } catch (err) {
      this.onnxError = (err as Error).message;
    } finally {
      this.onnxBusy = false;
    }
  }

  /** A dropped file: a report is shown (or added to the compare view), a config.json or .onnx goes to the planner. */
  async drop(file: File): Promise<void> {
    const name = file.name;
    if (classifyDrop(name) === 'onnx') {
      const path = this.#api.files.pathOf(file);
      if (!path) {
        this.onnxError = `${name}: the file's path is not available here; use the Import button`;
        this.view = 'planner';
        return;
      }
      return this.inspectOnnx(path);
    }
    if (file.size > 64 * 2 ** 20) {
      this.notice = { kind: 'error', text: `${name} is ${file.size} bytes, more than a report or config can be` };
      return;
    }
    const text = await file.text();
    const kind = classifyDrop(name, text);
    if (kind === 'hf-config') return this.usePlannerConfig(name, text);
    if (kind === 'report') return this.openReportText(name, text, this.view === 'compare' ? 'compare' : 'show');
    this.notice = { kind: 'error', text: `${name}: drop a kvscope report (.json), a config.json or an .onnx decoder` };
  }

  #enqueue(e: AppEvent): void {
    if (e.type !== 'timing') this.#queue.push(e);
    this.#gate.note(e);
  }

  /** Renders the queue: rAF where the window is visible (rAF does not fire in hidden windows). */
  #render(): void {
    if (typeof document !== 'undefined' && document.visibilityState === 'visible') requestAnimationFrame(() => this.#flush());
    else this.#flush();
  }

  #flush(): void {
    // Events can overtake the answer to sweep:start; hold them until the run id is known.
    if (this.run.phase === 'starting' && this.run.runId === null) {
      if (!this.#queue.some((e) => e.type === 'engine-gone')) return;
    }
    if (this.#queue.length === 0) return;
    const events = this.#queue;
    this.#queue = [];
    const before = this.run.phase;
    this.run = applyEvents(this.run, events);
    if (before !== this.run.phase && (this.run.phase === 'done' || this.run.phase === 'cancelled' || this.run.phase === 'failed')) void this.refreshHistory();
  }
}
