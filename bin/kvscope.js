#!/usr/bin/env node
// In a checkout (the sources and tsx are there), runs the TypeScript CLI directly through tsx's
// loader, so `npm run kvscope` needs no build step: the project's tsconfig.json carries the import
// alias (@/ is src/), whatever the working folder. An installed package runs the bundle that
// `npm run build:cli` wrote (out/cli/main.js), which needs neither tsx nor esbuild.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const bundle = new URL('../out/cli/main.js', import.meta.url);

async function fromSource() {
  const { register } = await import('tsx/esm/api').catch(() => ({ register: null }));
  if (!register) return null;
  const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  // child processes run through tsx (an engine forked with --import tsx) read it from here
  process.env.TSX_TSCONFIG_PATH ??= tsconfig;
  register({ tsconfig });
  return import('../src/cli/main.ts');
}

const cli = (existsSync(source) && (await fromSource())) || (existsSync(fileURLToPath(bundle)) ? await import(bundle.href) : null);
if (!cli) {
  console.error('kvscope: neither the sources with tsx nor the built CLI (out/cli/main.js) were found; run `npm run build:cli`');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
