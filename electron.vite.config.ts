import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { bundleReportCharts } from './src/core/report/report-charts';
import { CSP, cspMetaTag, DEV_CSP } from './src/main/security';
import { themeCss } from './src/present/theme';

/** Puts the CSP meta tag into the renderer's index.html (strict when built, relaxed for HMR). */
function cspPlugin(): Plugin {
  let dev = false;
  return {
    name: 'kvscope-csp',
    configResolved(config) {
      dev = config.command === 'serve';
    },
    transformIndexHtml(html) {
      return html.replace('<!-- CSP -->', cspMetaTag(dev ? DEV_CSP : CSP));
    },
  };
}

/** The theme tokens as CSS (src/present/theme.ts): `import 'virtual:kvscope-theme.css'`; dark under `data-theme="dark"`. */
function themePlugin(): Plugin {
  const id = 'virtual:kvscope-theme.css';
  return {
    name: 'kvscope-theme',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load: (resolved) => (resolved === `\0${id}` ? themeCss({ selector: ":root[data-theme='dark']" }) : undefined),
  };
}

/** The one import alias (tsconfig paths): @/ is src/. */
const resolveAlias = { alias: { '@': resolve('src') } };

export default defineConfig({
  main: {
    resolve: resolveAlias,
    // The HTML report's chart code, bundled now: the packaged app has neither the sources nor esbuild.
    define: { __KVSCOPE_REPORT_CHARTS__: JSON.stringify(bundleReportCharts(resolve('src/renderer/src/report-charts.ts'))) },
    // onnxruntime-node and the rest of `dependencies` stay external (build.externalizeDeps).
    build: { rolldownOptions: { input: { index: 'src/main/index.ts' } } },
  },
  preload: {
    resolve: resolveAlias,
    // A sandboxed preload must be CommonJS.
    build: { rolldownOptions: { input: { index: 'src/preload/index.ts' }, output: { format: 'cjs', entryFileNames: '[name].cjs' } } },
  },
  renderer: {
    resolve: resolveAlias,
    root: 'src/renderer',
    plugins: [svelte({ configFile: resolve('svelte.config.js') }), cspPlugin(), themePlugin()],
    build: { rolldownOptions: { input: { index: 'src/renderer/index.html' } } },
  },
});
