/**
 * Defaults shared by the schema, the CLI and the app, in a module without zod: the renderer
 * imports it, and zod's JIT probe (new Function) would trip the app's strict CSP.
 */

/** Seconds of timed runs per point at most. */
export const DEFAULT_BUDGET_SECONDS = 2;

/** Share of the available memory a point (or an ONNX decode step) may use; the rest is headroom. */
export const DEFAULT_MEMORY_FRACTION = 0.8;
