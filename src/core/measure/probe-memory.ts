/**
 * The probe figures of the last sweep per provider, kept for the life of the process (the app's
 * engine): a sweep planned after one has run estimates its time from this machine's measured
 * rates instead of the rough defaults (10 GB/s, 50 GFLOP/s).
 */
import type { Provider } from '../runtime/providers.js';

interface Remembered {
  bandwidthGBs: number;
  gflops: number;
  /** The fixed cost of one run (ms): a plan previews the layers "auto" would choose from it. */
  runCostMs: number;
}

const remembered = new Map<Provider, Remembered>();

export function rememberProbes(provider: Provider, probes: { bandwidthGBs: number; gflops: number; emptyRunMs: number }): void {
  if (probes.bandwidthGBs > 0 && probes.gflops > 0)
    remembered.set(provider, { bandwidthGBs: probes.bandwidthGBs, gflops: probes.gflops, runCostMs: probes.emptyRunMs });
}

/** The provider's last probe figures in this process, or {} where none ran. */
export function rememberedProbes(provider: Provider): Partial<Remembered> {
  return remembered.get(provider) ?? {};
}
