/**
 * Defaults shared by the schema, the CLI and the app, in a module without zod: the renderer
 * imports it, and zod's JIT probe (new Function) would trip the app's strict CSP.
 */

/** Seconds of timed runs per point at most. */
export const DEFAULT_BUDGET_SECONDS = 2;
