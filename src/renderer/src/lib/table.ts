/** The results table: rows from points, sortable by any column. Pure. */
import type { Point } from '../../../contract/schemas';
import { halfWidth, noiseFlag } from '../../../present/timing';
import { bandwidthFraction } from '../../../present/chart-data';

export interface Row {
  id: string;
  variant: string;
  mode: string;
  context: number;
  batch: number;
  dtype: string;
  status: string;
  reason: string;
  kvPerToken: number;
  modelCacheBytes: number;
  medianMs: number | null;
  p95Ms: number | null;
  /** Half the 95% interval of the median relative to it (e.g. 0.012 for +/-1.2%); null where the report has none. */
  ciHalfWidth: number | null;
  /** 'noisy', '' or '?' (unknown: a report from before version 2). */
  noisy: string;
  /** Why the point is noisy, in words. */
  noise: string;
  cv: number | null;
  /** The same graph's step at T = 16 (a run's fixed cost plus work that does not grow with T), beside the step, never subtracted. */
  overheadMs: number | null;
  modelMs: number | null;
  tokensPerSecond: number | null;
  achievedGBs: number | null;
  bound: string;
  efficiency: number | null;
  bandwidthFraction: number | null;
  measuredDeltaBytes: number | null;
  /** GPU memory the point used (nvidia-smi), where the platform tells it. */
  deviceBytes: number | null;
  fellBack: string;
  verifyMaxAbsError: number | null;
}

export type SortKey = keyof Row;
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export function toRow(p: Point, bandwidthGBs: number | null): Row {
  return {
    id: p.id,
    variant: p.variant,
    mode: p.mode,
    context: p.context,
    batch: p.batch,
    dtype: p.dtype,
    status: p.status,
    reason: p.reason ?? '',
    kvPerToken: p.kvBytesPerTokenPerLayer,
    modelCacheBytes: p.modelCacheBytes,
    medianMs: p.timing?.medianMs ?? null,
    p95Ms: p.timing?.p95Ms ?? null,
    ciHalfWidth: halfWidth(p.timing),
    noisy: noiseFlag(p.timing),
    noise: p.timing?.noise.join('; ') ?? '',
    cv: p.timing?.cv ?? null,
    overheadMs: p.timing?.overheadMs ?? null,
    modelMs: p.timing?.modelMs ?? null,
    tokensPerSecond: p.timing?.tokensPerSecond ?? null,
    achievedGBs: p.roofline?.achievedGBs ?? null,
    bound: p.roofline?.bound ?? '',
    efficiency: p.roofline?.efficiency ?? null,
    bandwidthFraction: bandwidthFraction(p, bandwidthGBs),
    measuredDeltaBytes: p.memory?.measuredDeltaBytes ?? null,
    deviceBytes: p.memory?.device.available ? p.memory.device.usedBytes : null,
    fellBack: p.placement?.fellBack.join(', ') ?? '',
    verifyMaxAbsError: p.verifyMaxAbsError ?? null,
  };
}

/** Sorts rows; empty values (null, '') always go last whatever the direction. */
export function sortRows(rows: readonly Row[], sort: Sort): Row[] {
  const dir = sort.dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const x = a.r[sort.key];
      const y = b.r[sort.key];
      const xe = x === null || x === '';
      const ye = y === null || y === '';
      if (xe || ye) return xe === ye ? a.i - b.i : xe ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return c === 0 ? a.i - b.i : c * dir;
    })
    .map((e) => e.r);
}

/** Clicking a column: same key flips the direction, a new key starts ascending. */
export function nextSort(current: Sort, key: SortKey): Sort {
  return current.key === key ? { key, dir: current.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' };
}
