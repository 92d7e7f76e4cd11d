/**
 * CSV export: one row per point, stable snake_case column names with units, RFC 4180 quoting,
 * and text cells that a spreadsheet would run as a formula prefixed with a quote.
 */
import type { Point, Report } from '../../contract/schemas.js';

type Col = [name: string, get: (p: Point) => string | number | boolean | null | undefined];

/** The columns, in order. Renaming or reordering one is a breaking change of the CSV format. */
export const CSV_COLUMNS: readonly Col[] = [
  ['id', (p) => p.id],
  ['variant', (p) => p.variant],
  ['mode', (p) => p.mode],
  ['context_tokens', (p) => p.context],
  ['cache_tokens', (p) => p.cacheTokens],
  ['batch', (p) => p.batch],
  ['dtype', (p) => p.dtype],
  ['status', (p) => p.status],
  ['reason', (p) => p.reason],
  ['form', (p) => p.form],
  ['hypothetical', (p) => p.hypothetical],
  ['kv_bytes_per_token_per_layer', (p) => p.kvBytesPerTokenPerLayer],
  ['model_cache_bytes', (p) => p.modelCacheBytes],
  ['median_ms', (p) => p.timing?.medianMs],
  ['p95_ms', (p) => p.timing?.p95Ms],
  ['min_ms', (p) => p.timing?.minMs],
  ['mean_ms', (p) => p.timing?.meanMs],
  ['cv', (p) => p.timing?.cv],
  ['reps', (p) => p.timing?.reps],
  ['overhead_ms', (p) => p.timing?.overheadMs],
  ['tokens_per_s', (p) => p.timing?.tokensPerSecond],
  ['per_layer_ms', (p) => p.timing?.perLayerMs],
  ['model_ms', (p) => p.timing?.modelMs],
  ['bytes_per_step', (p) => p.roofline?.bytes],
  ['flops_per_step', (p) => p.roofline?.flops],
  ['achieved_gb_per_s', (p) => p.roofline?.achievedGBs],
  ['achieved_gflop_per_s', (p) => p.roofline?.achievedGflops],
  ['attainable_ms', (p) => p.roofline?.attainableMs],
  ['bound', (p) => p.roofline?.bound],
  ['roofline_efficiency', (p) => p.roofline?.efficiency],
  ['analytic_cache_bytes', (p) => p.memory?.analyticCacheBytes],
  ['predicted_bytes', (p) => p.memory?.predictedBytes],
  ['rss_before_bytes', (p) => p.memory?.rssBeforeBytes],
  ['rss_after_session_bytes', (p) => p.memory?.rssAfterSessionBytes],
  ['rss_peak_bytes', (p) => p.memory?.rssPeakBytes],
  ['measured_delta_bytes', (p) => p.memory?.measuredDeltaBytes],
  ['private_delta_bytes', (p) => p.memory?.privateDeltaBytes],
  ['verify_max_abs_error', (p) => p.verifyMaxAbsError],
  // appended (columns only ever grow at the end)
  ['device_used_bytes', (p) => (p.memory?.device.available ? p.memory.device.usedBytes : undefined)],
  ['device_memory_source', (p) => (p.memory ? (p.memory.device.available ? p.memory.device.source : p.memory.device.reason) : undefined)],
  // report version 2: the median's 95% interval, robust spread, noise (raw samples stay in the JSON)
  ['median_ci95_lo_ms', (p) => p.timing?.ci95Ms?.[0]],
  ['median_ci95_hi_ms', (p) => p.timing?.ci95Ms?.[1]],
  ['iqr_ms', (p) => p.timing?.iqrMs],
  ['mad_ms', (p) => p.timing?.madMs],
  ['outliers', (p) => p.timing?.outliers],
  ['stopped_by', (p) => p.timing?.stoppedBy],
  ['noisy', (p) => p.timing?.noisy],
  ['noise', (p) => p.timing?.noise.join('; ')],
  ['other_cpu_share', (p) => p.timing?.load?.otherCpuShare],
  ['steal_share', (p) => p.timing?.load?.stealShare],
  ['roofline_efficiency_ci95_lo', (p) => p.roofline?.efficiencyCi95?.[0]],
  ['roofline_efficiency_ci95_hi', (p) => p.roofline?.efficiencyCi95?.[1]],
];

function cell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(report: Report): string {
  const lines = [CSV_COLUMNS.map(([n]) => n).join(',')];
  for (const p of report.points) lines.push(CSV_COLUMNS.map(([, get]) => cell(get(p))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Parses CSV text (RFC 4180) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cur);
      cur = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cur);
      rows.push(row);
      row = [];
      cur = '';
    } else cur += ch;
  }
  if (cur !== '' || row.length > 0) {
    row.push(cur);
    rows.push(row);
  }
  return rows;
}
