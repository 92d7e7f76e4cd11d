/**
 * How a timing's uncertainty is shown: one definition for the CLI, the CSV, the HTML report and
 * the app (pure: no Node APIs). A timing carries the 95% interval of its median and a noise
 * verdict; reports migrated from version 1 have neither, and say so.
 */
import type { Change } from '@/contract/api.js';
import type { Point, Report } from '@/contract/schemas.js';
import { msText } from './format.js';
import { ceilingsOf, probeRuns, type Rates } from '@/contract/roofline.js';

type Timing = NonNullable<Point['timing']>;

/** Half the 95% interval relative to the median, e.g. 0.012; null where the interval is missing. */
export function halfWidth(t: Timing | undefined): number | null {
  if (!t?.ci95Ms || !(t.medianMs > 0)) return null;
  return (t.ci95Ms[1] - t.ci95Ms[0]) / 2 / t.medianMs;
}

/** "±1.2%", or "n/a" where the report has no interval (samples missing). */
export function intervalText(t: Timing | undefined): string {
  const h = halfWidth(t);
  return h === null ? 'n/a' : `±${(h * 100).toFixed(h < 0.1 ? 1 : 0)}%`;
}

/**
 * The 95% interval of the whole-model step: the report's own (a hybrid model's is a bootstrap of
 * the sum over its layer kinds), or, in reports written before it, the median's interval scaled
 * like modelMs; null where neither is known.
 */
export function modelInterval(t: Timing | undefined): [number, number] | null {
  if (!t) return null;
  if (t.modelCi95Ms !== undefined) return t.modelCi95Ms;
  if (!t.ci95Ms || !(t.medianMs > 0)) return null;
  const f = t.modelMs / t.medianMs;
  return [t.ci95Ms[0] * f, t.ci95Ms[1] * f];
}

/** "52.5 (51.9–53.4)": the whole-model step and its 95% interval; the step alone where no interval is known. */
export function modelStepText(t: Timing | undefined): string | null {
  if (!t) return null;
  const ci = modelInterval(t);
  return ci ? `${msText(t.modelMs)} (${msText(ci[0])}–${msText(ci[1])})` : msText(t.modelMs);
}

/** "noisy", "" (quiet) or "?" (not known: a report from before version 2). */
export function noiseFlag(t: Timing | undefined): string {
  if (!t) return '';
  return t.noisy === null ? '?' : t.noisy ? 'noisy' : '';
}

/** The noisy points and why, one line each ("id: reason; reason"). */
export function noiseNotes(points: readonly Point[]): string[] {
  return points.filter((p) => p.timing?.noisy).map((p) => `${p.id}: ${p.timing!.noise.join('; ')}`);
}

/** A one-sentence summary of how many points met the interval target, for the top of a report. */
export function noiseSummary(points: readonly Point[]): string | null {
  const timed = points.filter((p) => p.timing);
  if (timed.length === 0) return null;
  const unknown = timed.filter((p) => p.timing!.noisy === null).length;
  if (unknown === timed.length) return 'These timings come from a report written before version 2: no raw samples, intervals or noise verdicts.';
  const noisy = timed.filter((p) => p.timing!.noisy).length;
  return noisy === 0
    ? `All ${timed.length} timed points met the interval target (95% interval of the median within ±2%) on a quiet machine.`
    : `${noisy} of ${timed.length} timed points are noisy (interval target missed, outliers, or a busy machine): treat their figures with care.`;
}

/**
 * "1.52× [1.49, 1.55] slower" (ratio and interval from the same raw samples), or the ratio of the
 * medians alone with why there is no verdict.
 */
export function changeText(ratio: number | null, c: Change | null): string {
  if (ratio === null) return '-';
  if (!c) return `${ratio.toFixed(2)}×`;
  if (c.verdict === null) return `${ratio.toFixed(2)}× (no verdict: ${c.why})`;
  return `${c.ratio.toFixed(2)}× [${c.ratioCi95[0].toFixed(2)}, ${c.ratioCi95[1].toFixed(2)}] ${c.verdict}`;
}

/**
 * The ceilings a report's efficiencies are judged against, in words (the CLI's and the HTML
 * report's header): "27.4 GB/s read, 140.1 GFLOP/s matmul (mean of the probes before the sweep,
 * 31.5 GB/s / 157.0 GFLOP/s, and after it, 23.3 / 123.2)".
 */
export function probesText(r: Pick<Report, 'probes'>): string {
  const c = ceilingsOf(r.probes);
  const runs = probeRuns(r.probes);
  if (!c) return 'none';
  const rate = (x: Rates, units: boolean): string => `${x.bandwidthGBs.toFixed(1)}${units ? ' GB/s' : ''} / ${x.gflops.toFixed(1)}${units ? ' GFLOP/s' : ''}`;
  const both = runs.length === 2 ? ` (mean of the probes before the sweep, ${rate(runs[0]!, true)}, and after it, ${rate(runs[1]!, false)})` : '';
  return `${c.bandwidthGBs.toFixed(1)} GB/s read, ${c.gflops.toFixed(1)} GFLOP/s matmul${both}`;
}

/** Probe rates further apart than this (relative) say the machine ran at another speed. */
export const MACHINE_DRIFT_NOTE = 0.05;

/**
 * Where two reports come from the same machine and provider but its own measured rates (the
 * roofline probes) differ by more than 5%, a comparison says so: part of any difference in step
 * time is then the machine at another time, not the change being compared. Null otherwise.
 */
export function machineDriftNote(reports: readonly Pick<Report, 'probes' | 'machine' | 'provider'>[]): string | null {
  const [a, ...rest] = reports;
  const base = a ? ceilingsOf(a.probes) : null;
  if (!a || !base) return null;
  const parts: string[] = [];
  rest.forEach((r, i) => {
    const rates = ceilingsOf(r.probes);
    if (!rates || r.provider.name !== a.provider.name || r.machine.cpuModel !== a.machine.cpuModel) return;
    const bw = rates.bandwidthGBs / base.bandwidthGBs;
    const gf = rates.gflops / base.gflops;
    if (Math.abs(bw - 1) > MACHINE_DRIFT_NOTE || Math.abs(gf - 1) > MACHINE_DRIFT_NOTE)
      parts.push(`${String.fromCharCode(66 + i)}'s probes read ${bw.toFixed(2)}× the bandwidth and ${gf.toFixed(2)}× the matmul rate of A's`);
  });
  if (parts.length === 0) return null;
  return `${parts.join('; ')}, on the same machine and provider: it ran at another speed, so part of any difference in step time is the machine at another time, not what is being compared.`;
}
