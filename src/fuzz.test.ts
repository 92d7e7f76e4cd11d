/**
 * Property-based fuzzing of what kvscope reads from outside (issue 11): the report reader, the
 * config.json importer, the ONNX decoder reader and the CLI's numeric flags. Thousands of
 * generated and mutated inputs each (seeded, so a failure reproduces); every input must end in a
 * result or the reader's own clear error, within a time bound, and no accepted result may carry a
 * non-finite figure.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBytes, parseContexts, parseCount, parseNumber, UsageError } from './cli/args.js';
import { point, report } from './testing/fixtures.js';
import { modelFromHfConfig } from './core/model/hf-config.js';
import { detectDecoderLayout } from './core/model/onnx-decoder.js';
import { SpecError } from './core/model/spec.js';
import { writeTinyDecoder } from './core/model/tiny-decoder.js';
import { parseReport, ReportError } from './core/report/report.js';

const SEED = 20261201;
/** Every number reachable in a value is finite (a reader's result never carries Infinity or NaN). */
function allFinite(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(allFinite);
  if (v && typeof v === 'object') return Object.values(v).every(allFinite);
  return true;
}

/** Runs `read`; an accepted value must be finite, and any error must be one of `allowed`. */
function endsCleanly(read: () => unknown, allowed: (new (...a: never[]) => Error)[]): boolean {
  try {
    const v = read();
    return allFinite(v);
  } catch (e) {
    if (allowed.some((k) => e instanceof k)) return (e as Error).message.length > 0;
    throw e;
  }
}

/** A JSON value where any field of `base` may be replaced, dropped or given an odd value. */
function mutated(base: unknown): fc.Arbitrary<unknown> {
  const odd = fc.oneof(
    fc.constantFrom(null, true, '', 'x', -1, 0, 1e308, -1e308, 2 ** 53, 0.5, [], {}),
    fc.double({ noNaN: false }),
    fc.string(),
    fc.integer(),
  );
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(v)) v.slice(0, 3).forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(base, []);
  return fc.array(fc.tuple(fc.constantFrom(...paths.slice(1)), fc.oneof(odd, fc.constant(undefined))), { minLength: 1, maxLength: 4 }).map((edits) => {
    const copy = JSON.parse(JSON.stringify(base)) as Record<string | number, unknown>;
    for (const [path, value] of edits) {
      let at: Record<string | number, unknown> = copy;
      for (const key of path.slice(0, -1)) {
        const next = at[key];
        if (!next || typeof next !== 'object') return copy;
        at = next as Record<string | number, unknown>;
      }
      const last = path.at(-1)!;
      // undefined drops the field: JSON.stringify leaves it out
      at[last] = value;
    }
    return copy;
  });
}

describe('fuzz: the report reader', () => {
  const good = report([point({ variant: 'mha', context: 64 }), point({ variant: 'mqa', context: 128 })]);
  it('mutated reports (3,000): a report or a ReportError, never a crash or a non-finite figure', () => {
    fc.assert(
      fc.property(mutated(good), (r) => endsCleanly(() => parseReport(JSON.stringify(r)), [ReportError])),
      { numRuns: 3000, seed: SEED },
    );
  });
  it('arbitrary text and truncations (2,000)', () => {
    const text = JSON.stringify(good);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.nat(text.length).map((n) => text.slice(0, n)),
        ),
        (t) => endsCleanly(() => parseReport(t), [ReportError]),
      ),
      { numRuns: 2000, seed: SEED },
    );
  });
});

describe('fuzz: the config.json importer', () => {
  const llama = {
    model_type: 'llama',
    hidden_size: 4096,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    num_hidden_layers: 32,
    intermediate_size: 14336,
    max_position_embeddings: 131072,
    vocab_size: 128256,
  };
  const deepseek = {
    model_type: 'deepseek_v3',
    hidden_size: 7168,
    num_attention_heads: 128,
    num_hidden_layers: 61,
    kv_lora_rank: 512,
    q_lora_rank: 1536,
    qk_nope_head_dim: 128,
    qk_rope_head_dim: 64,
    v_head_dim: 128,
    first_k_dense_replace: 3,
    max_position_embeddings: 163840,
  };
  it('mutated configs (3,000): a model with finite dims or a clear error', () => {
    fc.assert(
      fc.property(fc.oneof(mutated(llama), mutated(deepseek)), (c) => endsCleanly(() => modelFromHfConfig(c), [SpecError])),
      { numRuns: 3000, seed: SEED },
    );
  });
  it('arbitrary JSON values (1,000)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (c) => endsCleanly(() => modelFromHfConfig(c), [SpecError])),
      { numRuns: 1000, seed: SEED },
    );
  });
});

describe('fuzz: the ONNX decoder reader', () => {
  // a real (tiny) decoder with past_key_values, as kvscope's own tests build one
  const dir = mkdtempSync(join(tmpdir(), 'kvscope-fuzz-'));
  writeTinyDecoder(join(dir, 'tiny.onnx'), { layers: 2, numHeads: 4, numKvHeads: 2, headDim: 8, vocab: 50 });
  const bytes = new Uint8Array(readFileSync(join(dir, 'tiny.onnx')));
  rmSync(dir, { recursive: true, force: true });
  it('starts from a file the reader accepts', () => {
    expect(detectDecoderLayout(bytes).layers).toBe(2);
  });
  it('byte-flipped, truncated and random files (3,000): a layout or a clear error', () => {
    const flips = fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
      const b = Uint8Array.from(bytes);
      for (const [i, v] of edits) b[i] = v;
      return b;
    });
    const cut = fc.nat(bytes.length).map((n) => bytes.slice(0, n));
    const random = fc.uint8Array({ maxLength: 256 });
    fc.assert(
      fc.property(fc.oneof(flips, cut, random), (b) => endsCleanly(() => detectDecoderLayout(b), [SpecError])),
      { numRuns: 3000, seed: SEED },
    );
  });
});

describe("fuzz: the CLI's numeric flags", () => {
  const texts = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.double().map(String),
    fc.bigInt().map(String),
    fc.constantFrom('1e400', 'Infinity', '-0', '0x10', '1_000', ' 8 ', '9'.repeat(400), '1.5e3', '4k', '128K', '1m', '80GB', '24GiB'),
  );
  it('counts, numbers, sizes and context lists (4 x 2,000): in range or a UsageError', () => {
    fc.assert(
      fc.property(texts, (t) => {
        const count = endsCleanly(() => parseCount(t, '--batch', { min: 1, max: 4096 }), [UsageError]);
        const num = endsCleanly(() => parseNumber(t, '--budget', { min: 0, max: 3600 }), [UsageError]);
        const bytes = endsCleanly(() => parseBytes(t, '--memory'), [UsageError]);
        const ctx = endsCleanly(() => parseContexts(t), [UsageError]);
        return count && num && bytes && ctx;
      }),
      { numRuns: 2000, seed: SEED },
    );
  });
  it('what is accepted is inside the range', () => {
    fc.assert(
      fc.property(texts, (t) => {
        try {
          const v = parseCount(t, '--batch', { min: 1, max: 4096 });
          expect(Number.isSafeInteger(v) && v >= 1 && v <= 4096).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
        }
      }),
      { numRuns: 2000, seed: SEED },
    );
  });
});
