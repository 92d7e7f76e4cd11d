/**
 * Comparing reports: points aligned by variant, mode, dtype, batch and context, with ratios to the
 * first report and, where both have raw samples, the ratio's bootstrap 95% interval and a verdict
 * (faster, slower, no significant difference). Linear in the points (keyed maps).
 */
import type { Change, ComparedRow } from '@/contract/api.js';
import type { Point, Report } from '@/contract/schemas.js';
import { DEFAULT_POLICY } from '../measure/harness.js';
import { BOOTSTRAP_RESAMPLES, compareSamples, splitRounds } from '../measure/stats.js';

export type { ComparedRow };

export const pointKey = (p: Point): string => `${p.mode} ${p.variant} ${p.dtype} b${p.batch} T=${p.context}`;

/**
 * A change counts only beyond this relative threshold (criterion.rs's noise threshold): the
 * harness's own interval target, so a "difference" smaller than what one point resolves is not called.
 */
export const NOISE_THRESHOLD = DEFAULT_POLICY.targetHalfWidth;

/** Work (samples drawn) all of a comparison's bootstraps may take: about a second on a slow core. */
const BOOTSTRAP_WORK = 5e7;
/** Fewer resamples than this give no usable 2.5/97.5 percentiles: such points get no verdict. */
const MIN_RESAMPLES = 200;

/** Resamples per point: 1,000, fewer where the comparison is large, so compare stays bounded. */
function resamplesFor(rows: readonly (readonly (Point | undefined)[])[]): number {
  let drawn = 0;
  for (const pts of rows) for (const p of pts) drawn += p?.timing?.samplesMs?.length ?? 0;
  return drawn === 0 ? BOOTSTRAP_RESAMPLES : Math.min(BOOTSTRAP_RESAMPLES, Math.floor(BOOTSTRAP_WORK / drawn));
}

function change(base: Point | undefined, p: Point | undefined, resamples: number): Change | null {
  if (!base?.timing || !p?.timing) return null;
  const a = base.timing.samplesMs;
  const b = p.timing.samplesMs;
  if (!a || !b || a.length === 0 || b.length === 0)
    return { ratioCi95: null, verdict: null, why: 'raw samples missing (a report from before version 2): no interval, no verdict' };
  if (resamples < MIN_RESAMPLES) return { ratioCi95: null, verdict: null, why: 'too many samples in all to bootstrap every point in bounded time' };
  // rounds (separate placements of the cache) are resampled too: the interval covers their spread
  const roundsOf = (t: NonNullable<Point['timing']>, x: number[]): number[][] =>
    splitRounds(
      x,
      t.rounds?.map((r) => r.kept),
    );
  const r = compareSamples(roundsOf(base.timing, a), roundsOf(p.timing, b), { resamples, threshold: NOISE_THRESHOLD });
  return { ratio: r.ratio, ratioCi95: r.ci95, verdict: r.verdict };
}

export function compareReports(reports: Report[]): ComparedRow[] {
  if (reports.length < 2) throw new Error('compare needs at least two reports');
  const keys = new Set<string>();
  const maps = reports.map((r) => {
    const m = new Map<string, Point>();
    for (const p of r.points) {
      const k = pointKey(p);
      keys.add(k);
      m.set(k, p);
    }
    return m;
  });
  const aligned = [...keys].map((key) => ({ key, pts: maps.map((m) => m.get(key)) }));
  const resamples = resamplesFor(aligned.map((a) => a.pts));
  return aligned.map(({ key, pts }) => {
    const medians = pts.map((p) => p?.timing?.medianMs ?? null);
    const base = medians[0];
    return {
      key,
      medians,
      ci95: pts.map((p) => p?.timing?.ci95Ms ?? null),
      ratios: medians.map((m) => (m !== null && base !== null && base !== undefined && base > 0 ? m / base : null)),
      changes: pts.map((p, i) => (i === 0 ? null : change(pts[0], p, resamples))),
      kvBytes: pts.map((p) => p?.kvBytesPerTokenPerLayer ?? null),
    };
  });
}
