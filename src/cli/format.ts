/** Text output of the CLI: the summary table and the one-paragraph answer. */
import { reportNotes } from '../present/notes.js';
import type { Point, Report } from '../contract/schemas.js';
import { halfWidth, intervalText, noiseFlag, noiseNotes, noiseSummary } from '../present/timing.js';
import { formatBytes } from '../core/measure/planner.js';
import { savingsVsMha } from '../core/report/report.js';

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

const ms = (v: number | undefined): string => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
/** " ±1.2%" after a figure, or nothing where the report has no interval (version 1). */
const ci = (t: Point['timing']): string => (halfWidth(t) === null ? '' : ` ${intervalText(t)}`);
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${(v * 100).toFixed(0)}%`);

/**
 * The points as a table. "T=16 ms/layer" is the same graph's step at 16 cached tokens (a run's
 * fixed cost plus work that does not grow with the context, like MLA's W_UK/W_UV) over the layers
 * in the graph, beside the per-layer step and never subtracted: on a GPU it can be most of a short
 * step.
 */
export function summaryTable(report: Report): string {
  const savings = savingsVsMha(report.points);
  const L = report.scaling.modelLayers;
  const rows: string[][] = [
    [
      'point',
      'status',
      'KV/token (model)',
      'KV at ctx (model)',
      'step ms/layer',
      '95% CI',
      'noisy',
      'cv',
      'T=16 ms/layer',
      'model ms',
      'tok/s',
      'GB/s',
      'GFLOP/s',
      'bound',
      'roofline',
      'mem vs MHA',
      'time vs MHA',
      'RSS delta',
    ],
  ];
  for (const p of report.points) {
    const s = savings.get(p.id);
    const t = p.timing;
    rows.push([
      `${p.mode} ${p.variant} ${p.dtype} b${p.batch} T=${p.context}${p.hypothetical ? '*' : ''}`,
      p.status,
      formatBytes(p.kvBytesPerTokenPerLayer * L),
      formatBytes(p.modelCacheBytes),
      ms(t?.perLayerMs),
      t ? intervalText(t) : '-',
      noiseFlag(t),
      t ? t.cv.toFixed(3) : '-',
      ms(t?.overheadMs != null ? t.overheadMs / report.scaling.measuredLayers : undefined),
      ms(t?.modelMs),
      t?.tokensPerSecond ? t.tokensPerSecond.toPrecision(3) : '-',
      p.roofline ? p.roofline.achievedGBs.toFixed(1) : '-',
      p.roofline ? p.roofline.achievedGflops.toFixed(1) : '-',
      p.roofline?.bound ?? '-',
      pct(p.roofline?.efficiency),
      s ? `${(s.memoryRatio * 100).toFixed(1)}%` : '-',
      s?.timeRatio ? `${(s.timeRatio * 100).toFixed(0)}%` : '-',
      p.memory ? formatBytes(Math.max(0, p.memory.measuredDeltaBytes)) : '-',
    ]);
  }
  return table(rows);
}

/** Points not measured, with why; then the noisy ones, with why. */
export function skippedNotes(report: Report): string[] {
  const skipped = report.points.filter((p) => p.status !== 'ok').map((p) => `${p.id}: ${p.status}${p.reason ? ` (${p.reason})` : ''}`);
  return [...skipped, ...noiseNotes(report.points).map((n) => `noisy ${n}`)];
}

/** The answer to "how much KV memory does MLA save at long context, and what does it cost per step". */
export function answer(report: Report): string {
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
        `(${((1 - perTokMla / perTokMha) * 100).toFixed(1)}% less, analytic; measured RSS growth is in the table).`,
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
          `${ms(m.timing!.perLayerMs)} ms/layer${ci(m.timing)} (${((both.timing.medianMs / m.timing!.medianMs) * 100).toFixed(0)}% of MHA's step time).`,
      );
    }
  }
  const fits = Object.entries(report.largestContextThatFits)
    .map(([v, n]) => `${v} ${n === null ? 'any (sliding window)' : n.toLocaleString('en-US')}`)
    .join(', ');
  lines.push(
    `Largest context whose whole-model cache fits ${report.memoryBudget ? `${formatBytes(report.memoryBudget.bytes)} (${report.memoryBudget.note})` : formatBytes(report.machine.freeMemoryBytes * report.config.memoryFraction)} here (batch 1): ${fits}.`,
  );
  for (const note of reportNotes(report)) lines.push(`Note: ${note}`);
  const noise = noiseSummary(report.points);
  if (noise) lines.push(`Note: ${noise}`);
  return lines.join('\n');
}
