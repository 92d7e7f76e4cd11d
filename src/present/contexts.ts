/**
 * The context-list syntax of the CLI's --contexts and the app's setup form (one grammar, pure):
 * counts with k/m suffixes ("512", "4k", "1M", binary), separated by commas, spaces or
 * semicolons, and ranges "512..128k" (powers of two between, both ends included) with an
 * optional step factor "512..128k*4". Each surface words the problems its own way (a flag, a form
 * field), so errors carry the problem and the message is phrased by the caller.
 */

/** What is wrong with a context list. */
export type ContextsProblem =
  | { kind: 'empty' }
  /** Not a count at all (syntax). */
  | { kind: 'syntax'; token: string; min: number; max: number }
  /** A count, but not a whole number within min..max. */
  | { kind: 'range'; token: string; value: number; min: number; max: number }
  | { kind: 'descending'; part: string }
  | { kind: 'step'; part: string; factor: string }
  | { kind: 'too-many'; count: number; max: number };

export class ContextsError extends Error {
  override name = 'ContextsError';
  constructor(
    readonly problem: ContextsProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface ContextLimits {
  min?: number;
  max?: number;
}

/** Most contexts one list may hold (the sweep schema's limit). */
export const MAX_CONTEXTS = 64;
/** Largest context the sweep schema takes. */
export const MAX_CONTEXT_TOKENS = 2 ** 24;

const MULT = { '': 1, k: 1024, m: 1024 * 1024 } as const;

/** "4k" -> 4096: the value of one count, or the problem with it. */
export function parseTokenCount(token: string, limits: ContextLimits = {}): number | ContextsProblem {
  const { min = 1, max = Number.MAX_SAFE_INTEGER } = limits;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(token);
  if (!m) return { kind: 'syntax', token, min, max };
  const value = Number(m[1]) * MULT[m[2]!.toLowerCase() as '' | 'k' | 'm'];
  if (!Number.isSafeInteger(value) || value < min || value > max) return { kind: 'range', token, value, min, max };
  return value;
}

/** A value as an error quotes it: whole, or its start and its length when it is long. */
export const quoted = (text: string): string => (text.length <= 40 ? `"${text}"` : `"${text.slice(0, 32)}..." (${text.length} characters)`);
export const whole = (n: number): string => n.toLocaleString('en-US');

/** The problem in words, as the CLI says it of a flag. */
export function flagWording(flag: string): (p: ContextsProblem) => string {
  return (p) => {
    switch (p.kind) {
      case 'empty':
        return `${flag}: give at least one context, e.g. 1k,4k,16k or 512..32k`;
      case 'syntax':
        return `${flag}: ${quoted(p.token)} is not a whole number from ${whole(p.min)} to ${whole(p.max)} (examples: 8, 512, 4k, 128k)`;
      case 'range':
        return `${flag}: ${quoted(p.token)} is not a whole number from ${whole(p.min)} to ${whole(p.max)}`;
      case 'descending':
        return `${flag}: range "${p.part}" ends below its start`;
      case 'step':
        return `${flag}: range step "*${p.factor}" must be 2 or more`;
      case 'too-many':
        return `${flag}: ${p.count} contexts is too many (at most ${p.max})`;
    }
  };
}

/** The contexts of a list, ascending and unique; a ContextsError worded by `wording` otherwise. */
export function parseContextList(text: string, limits: ContextLimits = {}, wording: (p: ContextsProblem) => string = flagWording('contexts')): number[] {
  const fail = (p: ContextsProblem): never => {
    throw new ContextsError(p, wording(p));
  };
  const count = (token: string): number => {
    const v = parseTokenCount(token, limits);
    return typeof v === 'number' ? v : fail(v);
  };
  const out = new Set<number>();
  for (const part of text.split(/[\s,;]+/).filter(Boolean)) {
    const range = /^(.+?)\.\.(.+?)(?:\*(\d+))?$/.exec(part);
    if (range) {
      const lo = count(range[1]!);
      const hi = count(range[2]!);
      const factor = range[3] ? Number(range[3]) : 2;
      if (hi < lo) fail({ kind: 'descending', part });
      if (factor < 2) fail({ kind: 'step', part, factor: range[3]! });
      for (let v = lo; v <= hi && out.size <= MAX_CONTEXTS; v *= factor) out.add(v);
      out.add(hi);
    } else {
      out.add(count(part));
    }
    if (out.size > MAX_CONTEXTS) fail({ kind: 'too-many', count: out.size, max: MAX_CONTEXTS });
  }
  if (out.size === 0) fail({ kind: 'empty' });
  return [...out].sort((a, b) => a - b);
}
