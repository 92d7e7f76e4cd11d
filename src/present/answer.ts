/**
 * The answer to "how much KV memory does MLA save at long context, and what does it cost per
 * step", in sentences: the CLI prints them after a sweep, the HTML report and the app show them
 * above the results. Pure.
 */
import type { Point, Report } from '@/contract/schemas.js';
import { formatBytes, msText, timesText } from './format.js';
import { reportNotes } from './notes.js';
import { savingsVsMha } from './savings.js';
import { halfWidth, intervalText, noiseNotes, noiseSummary } from './timing.js';

const ms = (v: number | undefined): string => (v === undefined ? '-' : msText(v));
/** " ±1.2%" after a figure, or nothing where the report has no interval (version 1). */
const ci = (t: Point['timing']): string => (halfWidth(t) === null ? '' : ` ${intervalText(t)}`);
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${(v * 100).toFixed(0)}%`);

/** The memory saved at the longest context, the step there and against MHA, and the largest context per variant. */
export function answer(report: Report): string[] {
  const ok = report.points.filter((p) => p.status === 'ok' && p.mode === 'decode' && p.timing);
  const longest = (variant: string): Point | undefined => ok.filter((p) => p.variant === variant).sort((a, b) => b.context - a.context)[0];
  const mla = longest('mla-absorbed') ?? longest('mla-naive');
  const mha = report.points.filter((p) => p.variant === 'mha' && p.mode === 'decode').sort((a, b) => b.context - a.context)[0];
  // The longest context where both were timed, for a like-for-like step comparison.
  const both = ok
    .filter((p) => p.variant === mla?.variant && ok.some((m) => m.variant === 'mha' && m.context === p.context && m.batch === p.batch && m.dtype === p.dtype))
    .sort((a, b) => b.context - a.context)[0];
  const lines: string[] = [];
  if (mla && mha) {
    const T = Math.max(mla.context, mha.context);
    const perTokMla = mla.kvBytesPerTokenPerLayer * report.scaling.modelLayers;
    const perTokMha = mha.kvBytesPerTokenPerLayer * report.scaling.modelLayers;
    lines.push(
      `KV cache of ${report.model.name} (${report.scaling.modelLayers} layers, ${mla.dtype}) at ${T} tokens: ` +
        `MLA ${formatBytes(perTokMla * T)} vs MHA-equivalent ${formatBytes(perTokMha * T)} ` +
        `(${((1 - perTokMla / perTokMha) * 100).toFixed(1)}% less: ${timesText(perTokMha / perTokMla)} smaller, analytic; measured RSS growth is in the table).`,
    );
    const t = mla.timing!;
    lines.push(
      `Decode step at ${mla.context} cached tokens on ${report.provider.name}: ${mla.variant} ${ms(t.perLayerMs)} ms/layer${ci(t)}${t.noisy ? ' (noisy)' : ''} ` +
        `(${ms(t.modelMs)} ms for all ${report.scaling.modelLayers} layers, ${mla.roofline?.bound}-bound, ${pct(mla.roofline?.efficiency)} of its roofline).`,
    );
    if (both?.timing) {
      const m = ok.find((p) => p.variant === 'mha' && p.context === both.context && p.batch === both.batch && p.dtype === both.dtype)!;
      lines.push(
        `At ${both.context} tokens, where both ran: ${both.variant} ${ms(both.timing.perLayerMs)} ms/layer${ci(both.timing)} vs MHA-equivalent ` +
          `${ms(m.timing!.perLayerMs)} ms/layer${ci(m.timing)} (${timesText(savingsVsMha([both, m]).get(both.id)!.speed!)} as fast as MHA).`,
      );
    }
  }
  const fits = Object.entries(report.largestContextThatFits)
    .map(([v, n]) => `${v} ${n === null ? 'any (sliding window)' : n.toLocaleString('en-US')}`)
    .join(', ');
  lines.push(
    `Largest context whose whole-model cache fits ${report.memoryBudget ? `${formatBytes(report.memoryBudget.bytes)} (${report.memoryBudget.note})` : formatBytes(report.machine.freeMemoryBytes * report.config.memoryFraction)} here (batch 1): ${fits}.`,
  );
  return lines;
}

/** The notes that qualify the answer (roofline beaten, run cost, noise), each a sentence. */
export function answerNotes(report: Report): string[] {
  const noise = noiseSummary(report.points);
  return [...reportNotes(report), ...(noise ? [noise] : [])];
}

/** Points not measured, with why; then the noisy ones, with why. */
export function skippedNotes(report: Report): string[] {
  return [...unmeasuredNotes(report), ...noiseNotes(report.points).map((n) => `noisy ${n}`)];
}

/** One line per point that was not measured: its id, status and reason. */
export function unmeasuredNotes(report: Report): string[] {
  return report.points.filter((p) => p.status !== 'ok').map((p) => `${p.id}: ${p.status}${p.reason ? ` (${p.reason})` : ''}`);
}
