/** Number, byte and time formatting for the UI. Pure. Bytes, tokens, numbers and percentages are
 * the shared presentation's (src/present/format.ts), one definition for the CLI, HTML and app. */
export { formatBytes, formatNumber, formatPercent, formatTokens } from '../../../present/format';

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

/** Parses a context list: "256, 1k, 4K, 1M" or a doubling range "256..8k". */
export function parseContexts(text: string): number[] {
  const out: number[] = [];
  const tokens = text.split(/[\s,;]+/).filter(Boolean);
  if (tokens.length === 0) throw new Error('enter at least one context length');
  for (const tok of tokens) {
    const range = /^(.+?)\.\.(.+)$/.exec(tok);
    if (range) {
      const a = parseTokenCount(range[1]!);
      const b = parseTokenCount(range[2]!);
      if (b < a) throw new Error(`range ${tok} goes down`);
      for (let v = a; v <= b; v *= 2) out.push(v);
      if (out.length > 64) throw new Error('at most 64 contexts');
      continue;
    }
    out.push(parseTokenCount(tok));
  }
  const sorted = [...new Set(out)].sort((x, y) => x - y);
  if (sorted.length > 64) throw new Error('at most 64 contexts');
  return sorted;
}

function parseTokenCount(tok: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(tok.trim());
  if (!m) throw new Error(`"${tok}" is not a token count (examples: 512, 4k, 1M)`);
  const mult = m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1024 : 2 ** 20;
  const v = Number(m[1]) * mult;
  if (!Number.isInteger(v) || v < 1) throw new Error(`"${tok}" is not a whole positive number of tokens`);
  if (v > 2 ** 24) throw new Error(`"${tok}" is over the 16M-token limit`);
  return v;
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
