/**
 * The probe figures of the last sweep per provider, kept for the life of the process (the app's
 * engine): a sweep planned after one has run estimates its time from this machine's measured
 * rates instead of the rough defaults (10 GB/s, 50 GFLOP/s).
 */
import type { Provider } from '../runtime/providers.js';

const remembered = new Map<Provider, { bandwidthGBs: number; gflops: number }>();

export function rememberProbes(provider: Provider, probes: { bandwidthGBs: number; gflops: number }): void {
  if (probes.bandwidthGBs > 0 && probes.gflops > 0) remembered.set(provider, { bandwidthGBs: probes.bandwidthGBs, gflops: probes.gflops });
}

/** The provider's last probe figures in this process, or {} where none ran. */
export function rememberedProbes(provider: Provider): { bandwidthGBs?: number; gflops?: number } {
  return remembered.get(provider) ?? {};
}
