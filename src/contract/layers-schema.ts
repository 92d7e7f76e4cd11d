/**
 * The zod schemas of per-layer attention (contract/layers.ts has the types and the functions).
 * Apart from layers.ts so that the renderer, which imports the functions, carries no zod: zod's
 * JIT probe (new Function) would trip the app's strict CSP.
 */
import { z } from 'zod';

const tokens = z
  .number()
  .int()
  .min(1)
  .max(2 ** 31 - 1);

/** What one layer caches. */
export const LayerKindSchema = z.discriminatedUnion('kind', [
  /** Full attention: every token of the context. */
  z.object({ kind: z.literal('global') }),
  /** Sliding window: the last `window` tokens. */
  z.object({ kind: z.literal('sliding'), window: tokens }),
  /** Chunked attention (Llama-4): tokens of the current chunk only; resets every `chunk` tokens, so never more than `chunk`. */
  z.object({ kind: z.literal('chunked'), chunk: tokens }),
  /** Linear attention / recurrent state (Qwen3-Next's Gated DeltaNet): `stateElements` per sequence, no per-token cache. */
  z.object({
    kind: z.literal('stateful'),
    stateElements: z
      .number()
      .int()
      .min(1)
      .max(2 ** 40),
  }),
]);

/** How a paged serving engine reserves the cache. */
export const PagingSchema = z.object({
  /** Tokens per page (vLLM's default block size is 16). */
  pageTokens: z.number().int().min(1).max(65536),
  /** `window`: windowed and chunked layers keep only the pages their window spans; `full`: they get pages for the whole context, like global layers. */
  windowedLayers: z.enum(['window', 'full']),
});

/**
 * Prefill of a windowed layer: each query attends only the keys its layer keeps, a sliding layer
 * the last `size` tokens up to itself, a chunked layer the tokens of its own chunk of `size`.
 */
export const AttendWithinSchema = z.object({ kind: z.enum(['sliding', 'chunked']), size: tokens });
