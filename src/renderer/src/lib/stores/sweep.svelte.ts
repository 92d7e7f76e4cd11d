/**
 * The sweep: the setup form, its plan, and the run shown (live, or a report opened from a file or
 * the history). Engine events are batched so a burst of points costs one render.
 */
import type { AppEvent, KvscopeApi, OpenedReport, PlanSummary } from '@/contract/api';
import type { SweepConfigInput } from '@/contract/schemas';
import { defaultForm, formToConfig, type SetupForm } from '../config-form';
import { formFromConfig } from '../config-form-load';
import { sweepFieldError, type FieldError } from '../field-errors';
import { configModelName } from '@/present/plan-words';
import { setChartGate, setChartLive } from '../chart-gate';
import { releaseParkedCharts } from '../chart-setup';
import { REVEAL, revealInStages, splitAtEnd } from '../end-stages';
import { FlushGate } from '../flush-gate';
import { latest } from '../latest';
import { applyEvents, initialRun, runFromReport, startRun, type RunState } from '../run-state';

const FLUSH_MS = 150;

export type { FieldError };

export class SweepStore {
  form = $state<SetupForm>(defaultForm());
  plan = $state.raw<PlanSummary | null>(null);
  planError = $state<FieldError | null>(null);
  planning = $state(false);
  run = $state.raw<RunState>(initialRun());
  /** The config of the run shown (for scaling and labels). */
  runConfig = $state.raw<SweepConfigInput | null>(null);
  runPlan = $state.raw<PlanSummary | null>(null);
  startError = $state<string | null>(null);
  /** Where the report shown came from, when it was not this session's live run. */
  opened = $state.raw<{ name: string; source: OpenedReport['source'] } | null>(null);
  /**
   * How much of a finished run's extras the screen shows (end-stages.ts): a live run's end reveals
   * the answer and then the end's notes one task after another, and refreshes the history last.
   */
  reveal = $state<number>(REVEAL.all);
  #ending: { finish(): void } | null = null;
  /** The form before a report replaced it, for "New sweep". */
  #formBefore: SetupForm | null = null;

  #api: KvscopeApi;
  #onEnded: () => void;
  #plans = latest();
  #queue: AppEvent[] = [];
  // At most one render per FLUSH_MS, and none while the engine times a point (flush-gate.ts).
  #gate = new FlushGate(
    () => this.#render(),
    { now: () => performance.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as number) },
    FLUSH_MS,
  );

  /** `onEnded` runs when a live run finishes, is cancelled or fails (the history has a new entry). */
  constructor(api: KvscopeApi, onEnded: () => void) {
    this.#api = api;
    this.#onEnded = onEnded;
    api.onEvent((e) => this.#enqueue(e));
    // chart redraws wait out a timed window too (chart-setup.ts)
    setChartGate(() => this.#gate.timing);
    // charts out of view wait while a sweep runs, and catch up at its end
    setChartLive(() => this.running);
  }

  get running(): boolean {
    return this.run.phase === 'starting' || this.run.phase === 'running';
  }

  /** Plans the form's sweep; a newer call wins over an older one still in flight. */
  async replan(): Promise<void> {
    const out = await this.#plans(() => {
      const config = formToConfig($state.snapshot(this.form) as SetupForm);
      this.planning = true;
      return this.#api.sweep.plan(config);
    });
    if (!out) return;
    this.planning = false;
    // A dropped file that was not a config stays the field's error while the text it left is unchanged
    // (a plan of that text, asked for before the drop, may answer after it).
    const dropped = this.#droppedError && this.#droppedError.text === this.form.hfConfigText ? this.#droppedError.error : null;
    if (!dropped) this.#droppedError = null;
    if (out.ok) {
      this.plan = out.value;
      this.planError = dropped;
    } else {
      this.plan = null;
      this.planError = dropped ?? sweepFieldError(out.error, this.form.source);
    }
  }

  #droppedError: { text: string; error: FieldError } | null = null;

  /** A dropped file's error at the config field, kept until the config's text changes. */
  #dropError(message: string): void {
    const error: FieldError = { field: 'hfConfig', message };
    this.#droppedError = { text: this.form.hfConfigText, error };
    this.planError = error;
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
    this.#endStages();
    this.run = startRun();
    this.opened = null;
    this.#formBefore = null;
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
      this.form.hfConfigName = configModelName(opened.config, opened.name);
    } catch (err) {
      this.planError = { field: 'hfConfig', message: (err as Error).message };
    }
  }

  /** A config.json's text (a drop on the Sweep view) as the setup's model; an error at the config field when it is not a JSON object. */
  useConfigText(name: string, text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      this.#dropError(`${name} is not valid JSON: ${(err as Error).message}`);
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.#dropError(`${name} is not a config.json: it holds no JSON object`);
      return;
    }
    this.#droppedError = null;
    this.form.source = 'hf-config';
    this.form.hfConfigText = JSON.stringify(parsed, null, 2);
    this.form.hfConfigName = name;
  }

  /**
   * Shows an opened report exactly as after a live run, with the setup set to its config (so Run
   * reruns it and the plan is its plan); the caller checks that none is running.
   */
  show(o: OpenedReport): void {
    this.#endStages();
    if (!this.opened) this.#formBefore = $state.snapshot(this.form) as SetupForm;
    this.form = formFromConfig(o.report.config);
    this.planError = null;
    this.startError = null;
    this.run = runFromReport(o.report);
    this.runConfig = o.report.config;
    this.runPlan = null;
    this.opened = { name: o.name, source: o.source };
  }

  /**
   * Leaves the report shown for a new sweep: the screen is the setup and its plan again. `keepSetup`
   * keeps the report's config in the form; otherwise the form goes back to what it was before.
   */
  closeReport(keepSetup = true): void {
    if (this.running) return;
    if (!keepSetup && this.#formBefore) this.form = this.#formBefore;
    this.#formBefore = null;
    this.run = initialRun();
    this.runConfig = null;
    this.runPlan = null;
    this.opened = null;
  }

  /** When each progress event arrived (events wait in the queue up to 2 s): the ETA counts down from there. */
  #arrived = new WeakMap<AppEvent, number>();

  #enqueue(e: AppEvent): void {
    if (e.type === 'progress') this.#arrived.set(e, performance.now());
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
    let events = this.#queue;
    this.#queue = [];
    // The last points in this task, the run's end in the next (end-stages.ts).
    const split = splitAtEnd(events);
    if (split) {
      events = split.now;
      this.#queue = split.later;
      setTimeout(() => this.#render(), 0);
    }
    const before = this.run.phase;
    this.run = applyEvents(this.run, events, (e) => this.#arrived.get(e) ?? performance.now());
    if (before !== this.run.phase && (this.run.phase === 'done' || this.run.phase === 'cancelled' || this.run.phase === 'failed')) {
      this.#endStages();
      releaseParkedCharts();
      this.#ending = revealInStages(
        (stage) => (this.reveal = stage),
        (fn) => setTimeout(() => requestAnimationFrameOr(fn), 0),
        () => this.#onEnded(),
      );
    }
  }

  /** Ends a staged reveal still in progress at once (its history refresh included). */
  #endStages(): void {
    this.#ending?.finish();
    this.#ending = null;
  }
}

/** The next frame where the window is visible (so each stage paints), else at once. */
function requestAnimationFrameOr(fn: () => void): void {
  if (typeof document !== 'undefined' && document.visibilityState === 'visible') requestAnimationFrame(() => fn());
  else fn();
}
