/** The Planner view's form (preset or config.json, memory, dtypes, context, batch) and its capacity answer. */
import type { CapacityAnswer, KvscopeApi, PresetInfo } from '@/contract/api';
import { configModelName } from '@/present/plan-words';
import { FormError } from '../config-form';
import { latest } from '../latest';
import { defaultPlannerForm, plannerRequest, type PlannerForm } from '../planner-form';
import { firstFit } from '../planner-start';
import type { FieldError } from './sweep.svelte';
import type { UiStore } from './ui.svelte';

/** The config.json field an engine error names ("config field "x"", "lacks "x""), else the whole form. */
function engineFieldError(message: string): FieldError {
  const field = /config field "([^"]+)"|lacks "([^"]+)"/.exec(message);
  return { field: field ? (field[1] ?? field[2] ?? 'config') : '', message };
}

export class PlannerStore {
  form = $state<PlannerForm>(defaultPlannerForm());
  answer = $state.raw<CapacityAnswer | null>(null);
  error = $state<FieldError | null>(null);

  #api: KvscopeApi;
  #ui: UiStore;
  #answers = latest();

  constructor(api: KvscopeApi, ui: UiStore) {
    this.#api = api;
    this.#ui = ui;
  }

  /**
   * The first screen: where the form is still the default, a preset and weight dtype whose weights
   * fit the memory detected here (planner-start.ts); where none does, the default stays and the
   * plan explains the dead end.
   */
  startOn(presets: readonly PresetInfo[], freeBytes: number | null): void {
    const d = defaultPlannerForm();
    const f = this.form;
    if (f.source !== d.source || f.presetId !== d.presetId || f.weightDtype !== d.weightDtype || f.memory !== d.memory) return;
    const fit = firstFit(presets, freeBytes);
    if (fit) {
      this.form.presetId = fit.presetId;
      this.form.weightDtype = fit.weightDtype;
    }
  }

  /** Plans the form; a newer call wins over an older one still in flight. */
  async replan(): Promise<void> {
    // a config.json chosen but not given yet: nothing to plan and nothing wrong (the field says what to do)
    const waiting = this.form.source === 'hf-config' && !this.form.configText.trim();
    const out = await this.#answers(() => (waiting ? null : this.#api.planner.capacity(plannerRequest($state.snapshot(this.form) as PlannerForm))));
    if (!out) return;
    if (out.ok && out.value === null) {
      this.answer = null;
      this.error = null;
    } else if (out.ok) {
      this.answer = out.value;
      this.error = null;
    } else {
      this.answer = null;
      this.error = out.error instanceof FormError ? { field: out.error.field, message: out.error.message } : engineFieldError(out.error.message);
    }
  }

  /** A config.json for the planner (picked, dropped or pasted). */
  useConfig(name: string, text: string): void {
    this.form.source = 'hf-config';
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // the plan says what is wrong with the text
    }
    this.form.configName = configModelName(json, name);
    this.form.configText = text;
    this.#ui.view = 'planner';
  }

  async pickConfig(): Promise<void> {
    try {
      const opened = await this.#api.files.openConfig();
      if (opened) this.useConfig(opened.name, JSON.stringify(opened.config, null, 2));
    } catch (err) {
      this.error = { field: 'config', message: (err as Error).message };
    }
  }
}
