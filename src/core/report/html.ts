/**
 * The standalone HTML report: one file that opens offline in any browser, with chart.js inlined,
 * the report embedded as inert JSON, a CSP that allows no network access, and every string from
 * the report escaped (tables are rendered here, charts drawn from the JSON with textContent-only
 * DOM writes).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { answer, answerNotes, skippedNotes } from '../../present/answer.js';
import { FIELDS, fieldContext, textTable, type Field } from '../../present/fields.js';
import type { Report } from '../../contract/schemas.js';
import { changeText, machineDriftNote } from '../../present/timing.js';
import { compareReports, NOISE_THRESHOLD } from './compare.js';

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

let chartJs: string | null = null;
function chartLibrary(): string {
  if (chartJs === null) {
    // chart.js's exports map hides dist/; its main entry lives in that same folder.
    const path = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
    chartJs = readFileSync(path, 'utf8').replace(/<\/script/gi, '<\\/script');
  }
  return chartJs;
}

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.muted{color:#57606a}.note{color:#9a6400}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #d0d7de;padding:3px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
.chart{border:1px solid #d0d7de;border-radius:6px;padding:8px;height:320px}
.answer{border-left:3px solid #00798c;padding:2px 12px;margin:12px 0}.answer p{margin:4px 0}h3{font-size:14px;margin:8px 0 4px}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}td,th,.chart{border-color:#30363d}.muted{color:#8b949e}}`;

/** Draws the charts from the embedded JSON; runs inside the page. */
const CHART_SCRIPT = `(function(){
var data=JSON.parse(document.getElementById('kvscope-data').textContent);
var reports=data.reports;var colors=['#d1495b','#edae49','#00798c','#30638e','#7b2cbf','#6a994e','#bc4749','#386641'];
function series(label,points,x,y){return{label:label,data:points.map(function(p){return{x:x(p),y:y(p)}}),showLine:true,tension:0}}
function chart(id,title,yTitle,datasets,logY){var el=document.getElementById(id);if(!el)return;
datasets.forEach(function(d,i){d.borderColor=colors[i%colors.length];d.backgroundColor=colors[i%colors.length]});
new Chart(el,{type:'scatter',data:{datasets:datasets},options:{animation:false,maintainAspectRatio:false,
plugins:{title:{display:true,text:title}},scales:{x:{type:'logarithmic',title:{display:true,text:'context (tokens)'}},y:{type:logY?'logarithmic':'linear',title:{display:true,text:yTitle}}}}})}
var mem=[],step=[],save=[];
reports.forEach(function(r,ri){var tag=reports.length>1?' ['+r.label+']':'';
var variants=[];r.points.forEach(function(p){if(variants.indexOf(p.variant)<0)variants.push(p.variant)});
variants.forEach(function(v){var pts=r.points.filter(function(p){return p.variant===v&&p.mode==='decode'});
mem.push(series(v+tag,pts,function(p){return p.context},function(p){return p.modelCacheBytes/1073741824}));
var ok=pts.filter(function(p){return p.timing});if(ok.length)step.push(series(v+tag,ok,function(p){return p.context},function(p){return p.timing.perLayerMs}));
var sv=ok.filter(function(p){return r.mha[p.context]});if(v!=='mha'&&sv.length)save.push(series(v+tag,sv,function(p){return p.context},function(p){return p.timing.medianMs/r.mha[p.context]}))})});
chart('chart-memory','KV cache, whole model (analytic)','GiB',mem,true);
chart('chart-decode','Decode step per layer (measured)','ms',step,true);
chart('chart-savings','Step time vs MHA (measured)','ratio',save,false);
document.body.setAttribute('data-charts-ready','true');})();`;

/** A report's points as a table: the HTML fields of the registry (src/present/fields.ts), every cell escaped. */
export function htmlTable(r: Report, fields: readonly Field[] = FIELDS): string {
  const [head, ...rows] = textTable('html', r.points, fieldContext(r.points, r.scaling), '', fields);
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
  const embedded = reports.map((r) => ({
    label: reportLabel(r),
    // the charts need no raw samples (they stay in the JSON report)
    points: r.points.map((p) => (p.timing ? { ...p, timing: { ...p.timing, samplesMs: null } } : p)),
    // MHA median per context (decode, same dtype/batch as the first), for the savings chart
    mha: Object.fromEntries(r.points.filter((p) => p.variant === 'mha' && p.mode === 'decode' && p.timing).map((p) => [p.context, p.timing!.medianMs])),
  }));
  const heading = title ?? (reports.length === 1 ? `kvscope: ${reports[0]!.model.name}` : `kvscope comparison of ${reports.length} reports`);
  const sections = reports
    .map(
      (r) => `<h2>${escapeHtml(reportLabel(r))}</h2>
<p class="muted">${escapeHtml(r.model.name)} · ${escapeHtml(r.provider.name)} · onnxruntime ${escapeHtml(r.machine.onnxruntimeVersion)} · ${escapeHtml(r.machine.os)} · ${r.complete ? 'complete' : `incomplete (${escapeHtml(r.incompleteReason ?? '')})`}
${r.probes ? ` · probes ${r.probes.bandwidthGBs.toFixed(1)} GB/s, ${r.probes.gflops.toFixed(1)} GFLOP/s` : ''} · ${escapeHtml(r.scaling.note)}</p>
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
${answerSection(reports)}<div class="charts"><div class="chart"><canvas id="chart-memory" role="img" aria-label="KV cache vs context"></canvas></div>
<div class="chart"><canvas id="chart-decode" role="img" aria-label="Decode step vs context"></canvas></div>
<div class="chart"><canvas id="chart-savings" role="img" aria-label="Step time vs MHA"></canvas></div></div>
${comparison}${sections}
<script type="application/json" id="kvscope-data">${jsonForScript({ reports: embedded })}</script>
<script>${chartLibrary()}</script>
<script>${CHART_SCRIPT}</script>
</body></html>
`;
}
