/**
 * The app's rune state: machine and presets from the engine, the setup form, the plan, and the
 * run. Engine events are batched per animation frame so a burst of points costs one render.
 */
import type { AppEvent, KvscopeApi, PlanSummary, PresetInfo, SystemInfo } from '../../../contract/api';
import type { SweepConfigInput } from '../../../contract/schemas';
import { defaultForm, FormError, formToConfig, type SetupForm } from './config-form';
import { applyEvents, initialRun, startRun, type RunState } from './run-state';

export type Theme = 'light' | 'dark';

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

  #api: KvscopeApi;
  #queue: AppEvent[] = [];
  #scheduled = false;
  #lastFlush = 0;
  #planSeq = 0;

  constructor(api: KvscopeApi) {
    this.#api = api;
    const saved = readStorage(THEME_KEY);
    this.theme = saved === 'dark' || saved === 'light' ? saved : matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
    api.onEvent((e) => this.#enqueue(e));
  }

  async load(): Promise<void> {
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

  #enqueue(e: AppEvent): void {
    this.#queue.push(e);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // At most one render per FLUSH_MS: a burst of points (fast small points arrive tens of ms
    // apart) costs one update of the table and of each chart, not one per point.
    const wait = Math.max(0, this.#lastFlush + FLUSH_MS - performance.now());
    setTimeout(() => {
      const go = (): void => {
        this.#scheduled = false;
        this.#lastFlush = performance.now();
        this.#flush();
      };
      // rAF does not fire in hidden windows; there the timeout alone keeps the state current.
      if (typeof document !== 'undefined' && document.visibilityState === 'visible') requestAnimationFrame(go);
      else go();
    }, wait);
  }

  #flush(): void {
    // Events can overtake the answer to sweep:start; hold them until the run id is known.
    if (this.run.phase === 'starting' && this.run.runId === null) {
      if (!this.#queue.some((e) => e.type === 'engine-gone')) return;
    }
    if (this.#queue.length === 0) return;
    const events = this.#queue;
    this.#queue = [];
    this.run = applyEvents(this.run, events);
  }
}
