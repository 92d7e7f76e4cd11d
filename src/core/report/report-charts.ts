/**
 * The chart code of the standalone HTML report: src/renderer/src/report-charts.ts (chart.js, the
 * app's chart-data and chart config) bundled for the browser as one inline script, so the report
 * draws the app's charts offline.
 *
 * Where it comes from: the built app's main bundle has it inlined at build time
 * (electron.vite.config.ts defines __KVSCOPE_REPORT_CHARTS__ from bundleReportCharts), since a
 * packaged app carries neither the sources nor a runnable esbuild. From source (the CLI runs
 * TypeScript through tsx, with no build step; vitest) esbuild bundles it on first use, once per
 * process (~0.3 s): esbuild is installed with tsx, which the CLI already needs.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';

declare const __KVSCOPE_REPORT_CHARTS__: string | undefined;

/** The browser entry, resolved from this file (the config passes its own path when it bundles). */
export const REPORT_CHARTS_ENTRY = fileURLToPath(new URL('../../renderer/src/report-charts.ts', import.meta.url));

/** Bundles the entry into one minified IIFE, safe inside a <script> element. */
export function bundleReportCharts(entry: string = REPORT_CHARTS_ENTRY): string {
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
  const out = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    // chart.js is MIT: its notice travels with the code
    legalComments: 'inline',
    logLevel: 'silent',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error('esbuild produced no report chart bundle');
  return scriptSafe(file.text);
}

/**
 * No "</script" or "<!--" in the code: either would end or confuse the <script> element it sits
 * in. "\x3C" reads as "<" in strings, templates and regular expressions alike.
 */
export function scriptSafe(code: string): string {
  return code.replace(/<(\/script|!--)/gi, '\\x3C$1');
}

let cached: string | null = null;

export function reportChartsScript(): string {
  if (cached === null) cached = typeof __KVSCOPE_REPORT_CHARTS__ === 'string' ? __KVSCOPE_REPORT_CHARTS__ : bundleReportCharts();
  return cached;
}
