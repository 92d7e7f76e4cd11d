/** Number, byte and time formatting for the UI. Pure. Bytes, tokens, numbers and percentages are
 * the shared presentation's (src/present/format.ts), one definition for the CLI, HTML and app. */
import { MAX_CONTEXT_TOKENS, parseContextList, type ContextsProblem } from '@/present/contexts';

export { formatBytes, formatContext, formatNumber, formatPercent, formatTokens } from '@/present/format';

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 1) return '<1 s';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 0.01) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 10) return `${ms.toFixed(3)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The setup form's words for a problem in its context list. */
function formWording(p: ContextsProblem): string {
  switch (p.kind) {
    case 'empty':
      return 'enter at least one context length';
    case 'syntax':
      return `"${p.token}" is not a token count (examples: 512, 4k, 1M)`;
    case 'range':
      return p.value > p.max ? `"${p.token}" is over the 16M-token limit` : `"${p.token}" is not a whole positive number of tokens`;
    case 'descending':
      return `range ${p.part} goes down`;
    case 'step':
      return `range step "*${p.factor}" must be 2 or more`;
    case 'too-many':
      return `at most ${p.max} contexts`;
  }
}

/** A context list in the CLI's syntax ("256, 1k, 4K", "256..8k", "512..128k*4"; src/present/contexts.ts). */
export function parseContexts(text: string): number[] {
  return parseContextList(text, { min: 1, max: MAX_CONTEXT_TOKENS }, formWording);
}

/** Parses "1, 2, 4" into positive integers. */
export function parseIntList(text: string, what: string, max: number): number[] {
  const toks = text.split(/[\s,;]+/).filter(Boolean);
  if (toks.length === 0) throw new Error(`enter at least one ${what}`);
  const out = toks.map((t) => {
    const v = Number(t);
    if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`"${t}" is not a valid ${what} (1..${max})`);
    return v;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}
