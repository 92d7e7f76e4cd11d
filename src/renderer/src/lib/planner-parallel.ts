/**
 * The planner form's multi-GPU fields (GPUs "8x80GB", TP, PP, DP, DCP, DP attention, link and
 * memory bandwidth) and the request's `parallel` layout they make. Pure.
 */
import type { ParallelRequest } from '@/contract/api';
import { PARALLEL_DEFAULTS, PARALLEL_RANGES } from '@/contract/parallel-ranges';
import { FormError } from './config-form';
import { parseMemory } from './planner-form';

export interface ParallelForm {
  /** "8x80GB"; '' = tp x pp x dp GPUs of the memory budget. */
  gpus: string;
  tp: string;
  pp: string;
  dp: string;
  dcp: string;
  dpAttention: boolean;
  linkGBs: string;
  /** '' = the measured sweep's bandwidth (no estimate without one). */
  hbmGBs: string;
}

export function defaultParallelForm(): ParallelForm {
  const d = PARALLEL_DEFAULTS;
  return { gpus: '', tp: String(d.tp), pp: String(d.pp), dp: String(d.dp), dcp: String(d.dcp), dpAttention: false, linkGBs: String(d.linkGBs), hbmGBs: '' };
}

/** The form's fields of the layout, named as FormError fields. */
export const PARALLEL_FIELDS = ['gpus', 'tp', 'pp', 'dp', 'dcp', 'linkGBs', 'hbmGBs'] as const;

const LABELS: Record<(typeof PARALLEL_FIELDS)[number], string> = {
  gpus: 'GPUs',
  tp: 'TP',
  pp: 'PP',
  dp: 'DP',
  dcp: 'DCP',
  linkGBs: 'Link GB/s',
  hbmGBs: 'GPU memory GB/s',
};

function count(text: string, field: 'tp' | 'pp' | 'dp' | 'dcp' | 'gpuCount'): number {
  const r = PARALLEL_RANGES[field];
  const v = Number(text.trim().replace(/_/g, ''));
  const name = field === 'gpuCount' ? 'gpus' : field;
  if (!Number.isInteger(v) || v < r.min || v > r.max)
    throw new FormError(
      name,
      `${field === 'gpuCount' ? 'the GPU count' : LABELS[field]} must be a whole number from ${r.min} to ${r.max.toLocaleString('en-US')}, got "${text}"`,
    );
  return v;
}

function rate(text: string, field: 'linkGBs' | 'hbmGBs'): number {
  const v = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  const r = PARALLEL_RANGES[field];
  if (!(v > r.min) || v > r.max)
    throw new FormError(field, `${LABELS[field]} must be a number above ${r.min} and at most ${r.max.toLocaleString('en-US')}, got "${text}"`);
  return v;
}

/** "8x80GB" -> count and bytes per GPU; FormError (field gpus) otherwise. */
export function parseGpus(text: string): { count: number; bytes: number } {
  const m = /^\s*(\d+)\s*[x×*]\s*(.+)$/i.exec(text);
  if (!m) throw new FormError('gpus', `GPUs "${text}" is not COUNTxSIZE (examples: 8x80GB, 8x141GB, 4x24GiB; empty = TP x PP x DP of the memory budget)`);
  const bytes = (() => {
    try {
      return parseMemory(m[2]!);
    } catch {
      throw new FormError('gpus', `GPUs "${text}": "${m[2]}" is not a size (examples: 80GB, 141GB, 24GiB)`);
    }
  })();
  return { count: count(m[1]!, 'gpuCount'), bytes: bytes! };
}

/** Whether the form asks for a multi-GPU plan (any layout field away from its default). */
export function wantsParallel(f: ParallelForm): boolean {
  const d = defaultParallelForm();
  return f.gpus.trim() !== '' || f.dpAttention || f.hbmGBs.trim() !== '' || (['tp', 'pp', 'dp', 'dcp', 'linkGBs'] as const).some((k) => f[k].trim() !== d[k]);
}

/** The request's layout, or undefined for a one-GPU plan; FormError names the field at fault. */
export function parallelRequest(f: ParallelForm): ParallelRequest | undefined {
  if (!wantsParallel(f)) return undefined;
  const gpus = f.gpus.trim() === '' ? null : parseGpus(f.gpus);
  return {
    tp: count(f.tp, 'tp'),
    pp: count(f.pp, 'pp'),
    dp: count(f.dp, 'dp'),
    dcp: count(f.dcp, 'dcp'),
    dpAttention: f.dpAttention,
    gpuCount: gpus?.count ?? null,
    gpuMemoryBytes: gpus?.bytes ?? null,
    linkGBs: rate(f.linkGBs, 'linkGBs'),
    hbmGBs: f.hbmGBs.trim() === '' ? null : rate(f.hbmGBs, 'hbmGBs'),
  };
}
