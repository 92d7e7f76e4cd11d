/** Statistics of step times. */

export interface Summary {
  median: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
  /** Coefficient of variation: stddev / mean (0 for one sample). */
  cv: number;
  n: number;
}

/** Linear-interpolated quantile of sorted values (q in 0..1). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no samples');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summary of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return {
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    min: sorted[0]!,
    max: sorted[n - 1]!,
    mean,
    cv: mean > 0 ? Math.sqrt(variance) / mean : 0,
    n,
  };
}

export interface AdaptiveOptions {
  /** Stop once this much time has been spent timing (ms). */
  budgetMs: number;
  minReps: number;
  maxReps: number;
  /** Stop when the median moved less than this fraction over the last batch of reps. */
  stableWithin: number;
  /** Reps between stability checks. */
  batch: number;
}

export const DEFAULT_ADAPTIVE: AdaptiveOptions = { budgetMs: 2000, minReps: 5, maxReps: 500, stableWithin: 0.01, batch: 5 };

/**
 * Runs `step` (which returns its own duration in ms) until the median is stable or the budget
 * is spent; always at least minReps runs. Returns every sample and why it stopped.
 */
export async function adaptiveRepeat(
  step: () => Promise<number>,
  opts: Partial<AdaptiveOptions> = {},
  shouldStop: () => boolean = () => false,
): Promise<{ samples: number[]; stoppedBy: 'stable' | 'budget' | 'max-reps' | 'cancelled' }> {
  const o = { ...DEFAULT_ADAPTIVE, ...opts };
  const samples: number[] = [];
  let spent = 0;
  let lastMedian: number | null = null;
  for (;;) {
    if (shouldStop()) return { samples, stoppedBy: 'cancelled' };
    const ms = await step();
    samples.push(ms);
    spent += ms;
    if (samples.length < o.minReps) continue;
    if (samples.length >= o.maxReps) return { samples, stoppedBy: 'max-reps' };
    if (spent >= o.budgetMs) return { samples, stoppedBy: 'budget' };
    if ((samples.length - o.minReps) % o.batch === 0) {
      const med = summarize(samples).median;
      if (lastMedian !== null && Math.abs(med - lastMedian) / lastMedian < o.stableWithin) return { samples, stoppedBy: 'stable' };
      lastMedian = med;
    }
  }
}
