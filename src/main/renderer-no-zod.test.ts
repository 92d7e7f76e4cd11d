/**
 * The renderer carries no zod: zod 4 probes `new Function` before its first object parse, which
 * the app's strict CSP (no 'unsafe-eval') reports as a violation (e2e: "the strict CSP blocked
 * something the app needs"). Walks the renderer's runtime imports (type-only imports are erased)
 * from its entry and fails on any path that reaches zod.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/g;

function resolveImport(from: string, spec: string): string | null {
  const base = spec.startsWith('@/') ? join(src, spec.slice(2)) : spec.startsWith('.') ? resolve(dirname(from), spec) : null;
  if (base === null) return null;
  const stem = base.replace(/\.js$/, '');
  for (const c of [base, `${stem}.ts`, `${stem}.svelte.ts`, `${stem}/index.ts`]) if (existsSync(c) && !c.endsWith('/')) return c;
  return null;
}

/** Import chains from the entry to every bare package it reaches at run time. */
function packagesReached(entry: string): Map<string, string[]> {
  const seen = new Set<string>();
  const out = new Map<string, string[]>();
  const visit = (file: string, chain: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const code = file.endsWith('.svelte') ? [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n') : text;
    for (const m of code.matchAll(IMPORT)) {
      const spec = m[1]!;
      const next = resolveImport(file, spec);
      if (next) visit(next, [...chain, next.slice(src.length + 1)]);
      else if (!spec.startsWith('.') && !spec.startsWith('@/') && !out.has(spec)) out.set(spec, chain);
    }
  };
  visit(entry, [entry.slice(src.length + 1)]);
  return out;
}

describe('the renderer bundle', () => {
  it('imports no zod at run time', () => {
    const reached = packagesReached(join(src, 'renderer/src/main.ts'));
    expect(reached.size).toBeGreaterThan(0); // the walk found the renderer's packages (chart.js, svelte)
    const zod = [...reached].filter(([p]) => p === 'zod' || p.startsWith('zod/'));
    expect(zod.map(([, chain]) => chain.join(' -> '))).toEqual([]);
  });
});
