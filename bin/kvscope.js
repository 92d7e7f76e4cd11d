#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx's loader), so `npm run kvscope` needs no build step.
// The project's tsconfig.json carries the import alias (@/ is src/), whatever the working folder;
// child processes (the engine) read it from TSX_TSCONFIG_PATH.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
process.env.TSX_TSCONFIG_PATH ??= tsconfig;
register({ tsconfig });
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
