/**
 * The standalone HTML report: one file that opens offline in any browser, with the app's chart
 * code inlined (report-charts.ts), the charts' inputs embedded as inert JSON, a CSP that allows no
 * network access, and every string from the report escaped (tables are rendered here, charts
 * drawn from the JSON with textContent-only DOM writes).
 */
import { answer, answerNotes, skippedNotes } from '@/present/answer.js';
import { FIELDS, fieldContext, textTable, type Field } from '@/present/fields.js';
import type { Report } from '@/contract/schemas.js';
import { changeText, machineDriftNote, probesText } from '@/present/timing.js';
import { compareReports, NOISE_THRESHOLD } from './compare.js';
import { REPORT_CHARTS, reportChartInputs } from '@/present/chart-report.js';
import { reportChartsScript } from './report-charts.js';
import { themeCss } from '@/present/theme.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element: no "</script", no "<!--", no line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:var(--fg);background:var(--bg)}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.muted{color:var(--fg-muted)}.note{color:var(--warn)}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid var(--border);padding:3px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
.chart{border:1px solid var(--border);border-radius:6px;padding:8px;background:var(--surface)}.chart-title{margin:0 0 4px;font-weight:600}
.plot{position:relative;height:300px}.chart-empty{position:absolute;inset:0;display:grid;place-items:center;margin:0;color:var(--fg-muted);pointer-events:none}
.answer{border-left:3px solid var(--accent);padding:2px 12px;margin:12px 0}.answer p{margin:4px 0}h3{font-size:14px;margin:8px 0 4px}
${themeCss({ media: '(prefers-color-scheme:dark)' })}`;

/** A container per report chart; report-charts.ts fills in the title and draws on the canvas. */
const CHART_CARDS = `<div class="charts">${REPORT_CHARTS.map(
  ({ canvas }) =>
    `<div class="chart"><p class="chart-title"></p><div class="plot"><canvas id="${canvas}" role="img"></canvas><p class="chart-empty"></p></div></div>`,
).join('\n')}</div>`;

/** A report's points as a table: the HTML fields of the registry (src/present/fields.ts), every cell escaped. */
export function htmlTable(r: Report, fields: readonly Field[] = FIELDS): string {
  const [head, ...rows] = textTable('html', r.points, fieldContext(r.points, r.scaling, r.memoryBudget?.bytes ?? null), '', fields);
  const body = rows.map((cells) => `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head!.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The answer at the top of the report (each report's, labelled, in a comparison). */
function answerSection(reports: Report[]): string {
  const one = (r: Report): string =>
    answer(r)
      .map((s) => `<p>${escapeHtml(s)}</p>`)
      .join('\n');
  const body = reports.length === 1 ? one(reports[0]!) : reports.map((r) => `<h3>${escapeHtml(reportLabel(r))}</h3>\n${one(r)}`).join('\n');
  return `<section class="answer" aria-label="Answer">\n${body}\n</section>\n`;
}

/** Per-point ratios to the first report, with the ratio's 95% interval and a verdict. */
function comparisonTable(reports: Report[]): string {
  const rows = compareReports(reports)
    .map(
      (row) =>
        `<tr><td>${escapeHtml(row.key)}</td>${row.ratios
          .slice(1)
          .map((x, i) => `<td>${escapeHtml(changeText(x, row.changes[i + 1] ?? null))}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  const head = ['point', ...reports.slice(1).map((_, i) => `${String.fromCharCode(66 + i)}/A`)];
  return `<h2>Step time against A (${escapeHtml(reportLabel(reports[0]!))})</h2>
<p class="muted">Ratio of medians, its bootstrap 95% interval over the raw samples, and a verdict (a change counts beyond ±${(NOISE_THRESHOLD * 100).toFixed(0)}%).</p>
${machineDriftNote(reports) ? `<p class="note">Note: ${escapeHtml(machineDriftNote(reports)!)}</p>` : ''}
<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${rows}\n</tbody></table>\n`;
}

/** A label for a report in comparisons: provider and machine. */
export function reportLabel(r: Report): string {
  return `${r.provider.name} · ${r.machine.cpuModel} · ${r.createdAt.slice(0, 16)}`;
}

/** Standalone HTML for one report, or an overlay of several (a comparison). */
export function toHtml(reports: Report[], title?: string): string {
  if (reports.length === 0) throw new Error('no report to render');
  // the charts need no raw samples (they stay in the JSON report)
  const charts = reports.map((r) =>
    reportChartInputs({ ...r, points: r.points.map((p) => (p.timing ? { ...p, timing: { ...p.timing, samplesMs: null } } : p)) }),
  );
  const heading = title ?? (reports.length === 1 ? `kvscope: ${reports[0]!.model.name}` : `kvscope comparison of ${reports.length} reports`);
  const sections = reports
    .map(
      (r) => `<h2>${escapeHtml(reportLabel(r))}</h2>
<p class="muted">${escapeHtml(r.model.name)} · ${escapeHtml(r.provider.name)} · onnxruntime ${escapeHtml(r.machine.onnxruntimeVersion)} · ${escapeHtml(r.machine.os)} · ${r.complete ? 'complete' : `incomplete (${escapeHtml(r.incompleteReason ?? '')})`}
${r.probes ? ` · roofline ${escapeHtml(probesText(r))}` : ''} · ${escapeHtml(r.scaling.note)}</p>
${[...answerNotes(r), ...skippedNotes(r)].map((n) => `<p class="note">Note: ${escapeHtml(n)}</p>\n`).join('')}${htmlTable(r)}`,
    )
    .join('\n');
  const comparison = reports.length > 1 ? comparisonTable(reports) : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(heading)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(heading)}</h1>
<p class="muted">Generated by kvscope. Analytic figures are labelled analytic; everything else was measured.</p>
${answerSection(reports)}${CHART_CARDS}
${comparison}${sections}
<script type="application/json" id="kvscope-data">${jsonForScript({ charts })}</script>
<script>${reportChartsScript()}</script>
</body></html>
`;
}
