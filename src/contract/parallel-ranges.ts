/**
 * The multi-GPU layout's ranges and defaults, zod-free: the renderer's form checks them (zod's JIT
 * probe would trip the app's strict CSP) and parallel-api.ts builds its schema from them.
 */
/** The ranges of the layout's inputs (the CLI's flags and the app's fields say them). Bandwidths exclude their minimum. */
export const PARALLEL_RANGES = {
  tp: { min: 1, max: 1024 },
  pp: { min: 1, max: 1024 },
  dp: { min: 1, max: 65_536 },
  dcp: { min: 1, max: 1024 },
  gpuCount: { min: 1, max: 1_048_576 },
  linkGBs: { min: 0, max: 1e6 },
  hbmGBs: { min: 0, max: 1e6 },
} as const;

/** Defaults of the layout: one GPU, and an NVLink-4 link (450 GB/s each way, H100 SXM) for the all-reduce. */
export const PARALLEL_DEFAULTS = { tp: 1, pp: 1, dp: 1, dcp: 1, linkGBs: 450 } as const;
