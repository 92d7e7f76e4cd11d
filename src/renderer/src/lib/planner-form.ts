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
import { parseTokenCount } from '@/present/contexts';
import { formatBytes } from '@/present/format';

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

/** A whole number within the request's range, in the sweep's grammar ("128k", "1M", "4096": src/present/contexts.ts). */
function count(text: string, field: string, what: string, max: number): number {
  const v = parseTokenCount(text.replace(/_/g, ''), { min: 1, max });
  if (typeof v !== 'number')
    throw new FormError(field, `${what} must be a whole number from 1 to ${max.toLocaleString('en-US')} (e.g. 4096, 128k), got "${text}"`);
  return v;
}

/** The form's context as the request reads it ("128k" -> 131072), or 0 where it is not one. */
export function formContext(f: Pick<PlannerForm, 'context'>): number {
  const v = parseTokenCount(f.context.replace(/_/g, ''), { min: 1 });
  return typeof v === 'number' ? v : 0;
}

/** The request's ranges (CapacityRequestSchema's). */
const PLAN_MAX = { context: 1e9, batch: 1e6, gqaGroups: 1024, mlaRank: 1_048_576, pageTokens: 65_536 } as const;

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
    context: count(f.context, 'context', 'Context', PLAN_MAX.context),
    batch: count(f.batch, 'batch', 'Batch', PLAN_MAX.batch),
    gqaGroups: count(f.gqaGroups, 'gqaGroups', 'GQA groups', PLAN_MAX.gqaGroups),
    ...(f.mlaRank.trim() !== '' ? { mlaRank: count(f.mlaRank, 'mlaRank', 'MLA rank', PLAN_MAX.mlaRank) } : {}),
    paging: { pageTokens: count(f.pageTokens, 'pageTokens', 'Page size', PLAN_MAX.pageTokens), windowedLayers: f.pagedWindows },
    ...(parallel ? { parallel } : {}),
  };
}

/** The request for planner:onnx: an imported decoder's layout with the form's memory, context and batch. */
export function onnxPlannerRequest(f: PlannerForm, layout: OnnxLayout): OnnxCapacityRequest {
  if (layout.dtype !== 'fp32' && layout.dtype !== 'fp16') throw new FormError('onnx', `the decoder's cache dtype ${layout.dtype} is not one kvscope plans`);
  return {
    layout: { layers: layout.layers, numKvHeads: layout.numKvHeads, headDim: layout.headDim, dtype: layout.dtype, weightBytes: layout.weightBytes },
    memoryBytes: parseMemory(f.memory),
    context: count(f.context, 'context', 'Context', PLAN_MAX.context),
    batch: count(f.batch, 'batch', 'Batch', PLAN_MAX.batch),
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

/**
 * The KV cache per variant vs context (analytic: the exact sum over the model's layers, cacheBytesAt) against the memory left for it
 * once the weights are in: the weights are a constant that would dwarf the cache (1.2 TiB against
 * MiB for DeepSeek-V3) and hide the differences between variants, so they are the line's offset,
 * said in its label, not part of every series.
 */
export function plannerChart(a: CapacityAnswer, batch: number, context: number): ChartModel {
  const xs = plannerContexts(a, context);
  const layers = layersOf(a.model);
  const series: SeriesModel[] = a.variants.map((v) => ({
    label: `${VARIANT_LABELS[v.variant as Variant] ?? v.variant}${v.isModel ? ' (model)' : ''} analytic`,
    variant: v.variant as Variant,
    style: v.isModel ? 'line' : 'dashed',
    data: xs.map((x) => ({
      x,
      y: cacheBytesAt(layers, { perTokenPerLayer: v.kvBytesPerTokenPerLayer, bytesPerElement: a.cacheBytesPerElement }, x, batch),
    })),
  }));
  const left = a.memoryBytes - a.weightsBytes;
  if (left > 0)
    series.push({
      label: `memory left for the cache (${a.memorySource} ${formatBytes(a.memoryBytes)} − weights ${formatBytes(a.weightsBytes)})`,
      variant: 'budget',
      style: 'dashed',
      data: [
        { x: xs[0]!, y: left },
        { x: xs[xs.length - 1]!, y: left },
      ],
    });
  return {
    id: 'planner-memory',
    title: `KV cache vs context, per variant (analytic; the weights, ${formatBytes(a.weightsBytes)}, come on top)`,
    yLabel: 'bytes',
    yLog: true,
    format: 'bytes',
    series,
    empty: 'Pick a model to plan.',
    ...(left > 0 ? {} : { note: `No memory is left for the cache: the weights alone need ${formatBytes(a.weightsBytes)}.` }),
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
