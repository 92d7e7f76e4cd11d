/**
 * The standalone HTML report's charts, bundled into the report file (core/report/report-charts):
 * the app's chart models (present/chart-data) drawn with the app's chart.js config and colours,
 * from the chart inputs the page embeds as inert JSON. It writes text only through textContent.
 */
import type { ChartInputs } from '@/present/chart-data';
import { reportCharts } from '@/present/chart-report';
import { countValues } from '@/present/chart-ticks';
import { Chart, chartConfig, readPalette } from './lib/chart-setup';

/** The embedded inputs, checked for the shape drawn from (the page was written by toHtml). */
function embeddedInputs(): ChartInputs[] {
  const data: unknown = JSON.parse(document.getElementById('kvscope-data')?.textContent ?? 'null');
  const charts = (data as { charts?: unknown } | null)?.charts;
  if (!Array.isArray(charts) || charts.length === 0 || !charts.every((c) => Array.isArray((c as { points?: unknown } | null)?.points))) {
    throw new Error('kvscope-data holds no chart inputs');
  }
  return charts as ChartInputs[];
}

function draw(): void {
  // reports are A, B, ... as in the report's comparison table
  for (const { canvas: id, model } of reportCharts(embeddedInputs(), (i) => String.fromCharCode(65 + i))) {
    const canvas = document.getElementById(id);
    if (!(canvas instanceof HTMLCanvasElement)) continue;
    const card = canvas.closest('.chart');
    const title = card?.querySelector('.chart-title');
    if (title) title.textContent = model.title;
    const values = countValues(model);
    const empty = card?.querySelector('.chart-empty');
    if (empty) empty.textContent = values === 0 ? model.empty : '';
    canvas.setAttribute('aria-label', `${model.title}: ${values} values`);
    const chart = new Chart(canvas, chartConfig(model, readPalette(canvas)));
    // For the PNG export and the tests: what was drawn, on which kind of axis, in which colours.
    canvas.dataset.values = String(values);
    canvas.dataset.yScale = chart.scales.y?.type ?? '';
    canvas.dataset.series = JSON.stringify(chart.data.datasets.map((d) => [d.label ?? '', String(d.borderColor)]));
  }
  document.body.dataset.chartsReady = 'true';
}

draw();
