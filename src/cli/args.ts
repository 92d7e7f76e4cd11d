/**
 * Parsing of the CLI's list and size flags, with errors that say what to type instead.
 */
import { VARIANTS, type Variant } from '@/contract/lists.js';
import { PARALLEL_RANGES } from '@/contract/parallel-api.js';
import { SWEEP_RANGES, VARIANT_ALIASES, type Range } from '@/present/config-builder.js';
import { ContextsError, flagWording, parseContextList, parseTokenCount, quoted, whole } from '@/present/contexts.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** An inclusive range a numeric flag must fall in (each flag's help says it). */
export type { Range };

/**
 * The ranges of the numeric flags, said in their help: the sweep's are SweepConfigSchema's, the
 * planner's the app's (CapacityRequestSchema, its layout's PARALLEL_RANGES). Seconds and fractions exclude their minimum.
 */
export const FLAG_RANGES = {
  ...SWEEP_RANGES,
  ...PARALLEL_RANGES,
  planContext: { min: 1, max: 1e9 },
  planBatch: { min: 1, max: 1e6 },
  planGqaGroups: { min: 1, max: 1024 },
  mlaRank: { min: 1, max: 1 << 20 },
  pageTokens: { min: 1, max: 65536 },
  onnxPast: { min: 1, max: 1 << 30 },
} as const satisfies Record<string, Range>;

/** A range as a flag's help says it: "1 to 4,096". */
export const span = (r: Range): string => `${r.min.toLocaleString('en-US')} to ${r.max.toLocaleString('en-US')}`;

/**
 * "4k" -> 4096, "1m" -> 1048576, "512" -> 512: a safe integer within `range` (default 1 up), or
 * a UsageError naming the flag, the value and the range (the grammar is the context lists').
 */
export function parseCount(text: string, flag: string, range: Partial<Range> = {}): number {
  const v = parseTokenCount(text, range);
  if (typeof v !== 'number') throw new UsageError(flagWording(flag)(v));
  return v;
}

/**
 * A finite number above `range.min` (exclusive) and at most `range.max`, or a UsageError naming
 * the flag, the value and the range ("1e400", "Infinity" and "" are refused).
 */
export function parseNumber(text: string, flag: string, range: Range): number {
  const v = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(v) || v <= range.min || v > range.max)
    throw new UsageError(`${flag}: ${quoted(text)} is not a number above ${range.min} and at most ${range.max}`);
  return v;
}

/** Context lists (src/present/contexts.ts has the syntax: "512,4k", "512..128k", "1k..64k*4"). */
export function parseContexts(text: string, flag = '--contexts', limits: Partial<Range> = {}): number[] {
  try {
    return parseContextList(text, limits, flagWording(flag));
  } catch (e) {
    if (e instanceof ContextsError) throw new UsageError(e.message);
    throw e;
  }
}

export function parseList<T extends string>(text: string, allowed: readonly T[], flag: string, aliases: Record<string, readonly T[]> = {}): T[] {
  const out: T[] = [];
  for (const raw of text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    if (aliases[raw]) out.push(...aliases[raw]!);
    else if ((allowed as readonly string[]).includes(raw)) out.push(raw as T);
    else throw new UsageError(`${flag}: unknown value "${raw}"; choose from ${[...allowed, ...Object.keys(aliases)].join(', ')}`);
  }
  if (out.length === 0) throw new UsageError(`${flag}: give at least one of ${allowed.join(', ')}`);
  return [...new Set(out)];
}

export function parseVariants(text: string): Variant[] {
  return parseList(text, VARIANTS, '--variants', VARIANT_ALIASES);
}

export function parseIntList(text: string, flag: string, max: number): number[] {
  return [...new Set(text.split(',').map((s) => parseCount(s, flag, { max })))];
}

/** Memory sizes a flag takes: 1 byte to 1 EB (10^18 bytes), the app's planner's range. */
export const BYTES_RANGE: Range = { min: 1, max: 1e18 };

/** "80GB", "24GiB", "512MB" -> whole bytes within `range`, or a UsageError naming the flag, the value and the range. */
export function parseBytes(text: string, flag: string, range: Range = BYTES_RANGE): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`${flag}: ${quoted(text)} is not a size (examples: 24GB, 80GiB, 512MB)`);
  const unit = (m[2] ?? 'B').toLowerCase();
  const mult: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
  const v = Math.floor(Number(m[1]) * mult[unit]!);
  if (!Number.isFinite(v) || v < range.min || v > range.max)
    throw new UsageError(`${flag}: ${quoted(text)} is not a size from ${whole(range.min)} to ${whole(range.max)} bytes`);
  return v;
}
