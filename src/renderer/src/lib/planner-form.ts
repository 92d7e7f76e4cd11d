/**
 * The planner view's form and chart: parsing the memory budget ("80GB"), building the
 * planner:capacity request, and memory vs context per variant against the device line. Pure.
 */
import type { AnalyticDtypeName, CapacityAnswer, CapacityRequest, OnnxCapacityRequest, OnnxLayout } from '@/contract/api';
import type { ChartModel, SeriesModel } from '@/present/chart-data';
import { FormError, VARIANT_LABELS, type Variant } from './config-form';
import { PLAN_DEFAULTS } from '@/contract/defaults';
import { cacheBytesAt, layersOf } from '@/contract/layers';
import { ANALYTIC_DTYPES as ANALYTIC_DTYPE_NAMES } from '@/contract/lists';
import { defaultParallelForm, parallelRequest, type ParallelForm } from './planner-parallel';

/** The dtypes the planner estimates with (the contract's list, the CLI's --weight-dtype and --cache-dtype). */
export const ANALYTIC_DTYPES: readonly { value: AnalyticDtypeName; label: string }[] = ANALYTIC_DTYPE_NAMES.map((d) => ({ value: d, label: d }));

/** The planner's fields, the multi-GPU layout's among them (./planner-parallel.ts). */
export interface PlannerForm extends ParallelForm {
  source: 'preset' | 'hf-config';
  presetId: string;
  configText: string;
  configName: string;
  /** '' = the memory detected free on this machine. */
  memory: string;
  weightDtype: AnalyticDtypeName;
  cacheDtype: AnalyticDtypeName;
  context: string;
  batch: string;
  gqaGroups: string;
  /** Latent rank of the MLA what-if; '' = the default (4 x head dim). */
  mlaRank: string;
  /** ONNX decoder: plan its cache in the form's cache dtype instead of the file's own. */
  onnxUseCacheDtype: boolean;
  /** The paged figure's assumption: tokens per page, and whether windowed layers keep their window or get the full context. */
  pageTokens: string;
  pagedWindows: 'window' | 'full';
}

export function defaultPlannerForm(): PlannerForm {
  return {
    source: 'preset',
    presetId: PLAN_DEFAULTS.preset,
    configText: '',
    configName: '',
    memory: '',
    weightDtype: PLAN_DEFAULTS.weightDtype,
    cacheDtype: PLAN_DEFAULTS.cacheDtype,
    context: String(PLAN_DEFAULTS.context),
    batch: String(PLAN_DEFAULTS.batch),
    gqaGroups: String(PLAN_DEFAULTS.gqaGroups),
    mlaRank: '',
    onnxUseCacheDtype: false,
    pageTokens: String(PLAN_DEFAULTS.pageTokens),
    pagedWindows: PLAN_DEFAULTS.pagedWindows,
    ...defaultParallelForm(),
  };
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** "80GB", "24 GiB", "512MB", "1e9" -> bytes; '' -> null (detected). */
export function parseMemory(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]i?b|b)?$/i.exec(t);
  const bytes = m ? Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]! : NaN;
  if (!(bytes > 0) || !Number.isFinite(bytes))
    throw new FormError('memory', `memory budget "${text}" is not a size (examples: 80GB, 24GiB, 512MB; empty = detected)`);
  return bytes;
}

function count(text: string, field: string, what: string): number {
  const v = Number(text.trim().replace(/_/g, ''));
  if (!Number.isInteger(v) || v < 1) throw new FormError(field, `${what} must be a positive whole number, got "${text}"`);
  return v;
}

/** The request for planner:capacity; FormError names the field at fault. */
export function plannerRequest(f: PlannerForm): CapacityRequest {
  let model: CapacityRequest['model'];
  if (f.source === 'hf-config') {
    if (!f.configText.trim()) throw new FormError('config', 'import or paste a config.json first');
    let raw: unknown;
    try {
      raw = JSON.parse(f.configText);
    } catch (e) {
      throw new FormError('config', `config.json is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FormError('config', 'config.json must hold a JSON object');
    model = { kind: 'hf-config', name: f.configName, config: raw as Record<string, unknown> };
  } else model = { kind: 'preset', id: f.presetId };
  const parallel = parallelRequest(f);
  return {
    model,
    memoryBytes: parseMemory(f.memory),
    weightDtype: f.weightDtype,
    cacheDtype: f.cacheDtype,
    context: count(f.context, 'context', 'context'),
    batch: count(f.batch, 'batch', 'batch'),
    gqaGroups: count(f.gqaGroups, 'gqaGroups', 'GQA groups'),
    ...(f.mlaRank.trim() !== '' ? { mlaRank: count(f.mlaRank, 'mlaRank', 'MLA rank') } : {}),
    paging: { pageTokens: count(f.pageTokens, 'pageTokens', 'page size'), windowedLayers: f.pagedWindows },
    ...(parallel ? { parallel } : {}),
  };
}

/** The request for planner:onnx: an imported decoder's layout with the form's memory, context and batch. */
export function onnxPlannerRequest(f: PlannerForm, layout: OnnxLayout): OnnxCapacityRequest {
  if (layout.dtype !== 'fp32' && layout.dtype !== 'fp16') throw new FormError('onnx', `the decoder's cache dtype ${layout.dtype} is not one kvscope plans`);
  return {
    layout: { layers: layout.layers, numKvHeads: layout.numKvHeads, headDim: layout.headDim, dtype: layout.dtype, weightBytes: layout.weightBytes },
    memoryBytes: parseMemory(f.memory),
    context: count(f.context, 'context', 'context'),
    batch: count(f.batch, 'batch', 'batch'),
    ...(f.onnxUseCacheDtype ? { cacheDtype: f.cacheDtype } : {}),
  };
}

/** Powers of two from 1K to a little past the largest interesting context. */
export function plannerContexts(a: Pick<CapacityAnswer, 'variants'> & { model: { maxContext: number | null } }, context: number): number[] {
  const fits = a.variants.map((v) => v.largestContext ?? 0);
  const top = Math.min(2 ** 24, Math.max(context * 2, a.model.maxContext ?? 0, ...fits.map((x) => Math.min(x * 2, 2 ** 24)), 8192));
  const out: number[] = [];
  for (let t = 1024; t <= top; t *= 2) out.push(t);
  return out;
}

/** Weights + cache per variant vs context (analytic: the exact sum over the model's layers, cacheBytesAt), and the memory line. */
export function plannerChart(a: CapacityAnswer, batch: number, context: number): ChartModel {
  const xs = plannerContexts(a, context);
  const layers = layersOf(a.model);
  const series: SeriesModel[] = a.variants.map((v) => ({
    label: `${VARIANT_LABELS[v.variant as Variant] ?? v.variant}${v.isModel ? ' (model)' : ''} analytic`,
    variant: v.variant as Variant,
    style: v.isModel ? 'line' : 'dashed',
    data: xs.map((x) => ({
      x,
      y: a.weightsBytes + cacheBytesAt(layers, { perTokenPerLayer: v.kvBytesPerTokenPerLayer, bytesPerElement: a.cacheBytesPerElement }, x, batch),
    })),
  }));
  series.push({
    label: `device memory (${a.memorySource})`,
    variant: 'budget',
    style: 'dashed',
    data: [
      { x: xs[0]!, y: a.memoryBytes },
      { x: xs[xs.length - 1]!, y: a.memoryBytes },
    ],
  });
  return {
    id: 'planner-memory',
    title: 'Weights + KV cache vs context, per variant (analytic)',
    yLabel: 'bytes',
    yLog: true,
    format: 'bytes',
    series,
    empty: 'Pick a model to plan.',
  };
}

/** Where a dropped or picked file goes, by name and content. */
export type DroppedKind = 'report' | 'hf-config' | 'onnx' | 'unknown';
export function classifyDrop(name: string, text?: string): DroppedKind {
  const lower = name.toLowerCase();
  if (lower.endsWith('.onnx')) return 'onnx';
  if (!lower.endsWith('.json')) return 'unknown';
  if (text !== undefined && /"schema"\s*:\s*"kvscope\.report"/.test(text.slice(0, 4096))) return 'report';
  if (lower === 'config.json' || (text !== undefined && /"(model_type|architectures|num_hidden_layers|n_layer)"/.test(text))) return 'hf-config';
  return 'report';
}
