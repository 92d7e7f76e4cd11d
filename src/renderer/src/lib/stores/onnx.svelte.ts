/** An imported ONNX decoder: its layout, its capacity at the planner's memory, context and batch, and its sweep. */
import type { KvscopeApi, OnnxCapacityAnswer, OnnxSweepResult, OpenedOnnx } from '@/contract/api';
import { latest } from '../latest';
import { onnxPlannerRequest, type PlannerForm } from '../planner-form';
import type { UiStore } from './ui.svelte';

export class OnnxStore {
  layout = $state.raw<OpenedOnnx | null>(null);
  sweep = $state.raw<OnnxSweepResult | null>(null);
  busy = $state(false);
  /** Why the import or the sweep failed. */
  error = $state<string | null>(null);
  plan = $state.raw<OnnxCapacityAnswer | null>(null);
  planError = $state<string | null>(null);

  #api: KvscopeApi;
  #ui: UiStore;
  #plans = latest();

  constructor(api: KvscopeApi, ui: UiStore) {
    this.#api = api;
    this.#ui = ui;
  }

  /** The decoder's capacity at the planner form's memory, context and batch; a newer call wins. */
  async replan(form: PlannerForm): Promise<void> {
    const layout = this.layout;
    const out = await this.#plans(() => (layout ? this.#api.planner.onnx(onnxPlannerRequest($state.snapshot(form) as PlannerForm, layout)) : null));
    if (!out) return;
    this.plan = out.ok ? out.value : null;
    this.planError = out.ok ? null : out.error.message;
  }

  /** Reads a decoder main chose: by its token, or (null) through main's open dialog. */
  async inspect(token: string | null): Promise<void> {
    this.error = null;
    try {
      const layout = await this.#api.onnx.inspect(token);
      if (!layout) return;
      this.layout = layout;
      this.sweep = null;
      this.#ui.view = 'planner';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  /** Times the decoder at each past length (one at a time: a second click while busy does nothing). */
  async sweepPasts(pasts: number[]): Promise<void> {
    const l = this.layout;
    if (!l || this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      this.sweep = await this.#api.onnx.sweep(l.token, pasts);
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  /** A dropped .onnx: main checks the file and answers its token (null where the window cannot see its path). */
  async dropped(file: File): Promise<void> {
    let token: string | null;
    try {
      token = await this.#api.onnx.drop(file);
    } catch (err) {
      this.error = (err as Error).message;
      this.#ui.view = 'planner';
      return;
    }
    if (token) return this.inspect(token);
    this.error = `${file.name}: the file's path is not available here; use the Import button`;
    this.#ui.view = 'planner';
  }
}
