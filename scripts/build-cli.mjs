#!/usr/bin/env node
// Bundles the CLI (src/cli/main.ts and everything it imports from src/) into out/cli/main.js, so
// an installed kvscope runs without tsx or esbuild: the HTML report's chart code is bundled in now
// (as the app's main bundle has it). Packages stay external: onnxruntime-node (native), zod and
// commander (dependencies), and playwright-core, loaded only by PNG export.
// Usage: node scripts/build-cli.mjs [outfile]   (writes <outfile>.meta.json beside it)
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { register } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = process.argv[2] ?? join(root, 'out/cli/main.js');
register({ tsconfig: join(root, 'tsconfig.json') });
const { bundleReportCharts } = await import('../src/core/report/report-charts.ts');

const result = await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  tsconfig: join(root, 'tsconfig.json'),
  define: { __KVSCOPE_REPORT_CHARTS__: JSON.stringify(bundleReportCharts()) },
  legalComments: 'inline',
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(`${outfile}.meta.json`, JSON.stringify(result.metafile));
console.log(`cli: ${outfile}`);
