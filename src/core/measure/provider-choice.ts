/**
 * Which provider a sweep runs on. Providers are detected once per process (each probe opens a
 * session); `auto` measures a quick GEMV on every provider that works and takes the fastest, so
 * a software adapter (lavapipe) never wins over the CPU it emulates on. Also memoized.
 */
import type { SweepConfig } from '@/contract/schemas.js';
import { detectProviders, pickAuto, type Provider, type ProviderStatus } from '../runtime/providers.js';
import { quickBandwidth } from './probes.js';

let detected: Promise<ProviderStatus[]> | null = null;
let auto: Promise<{ provider: Provider; why: string }> | null = null;

/** Provider statuses, probed once per process. */
export function providerStatuses(): Promise<ProviderStatus[]> {
  detected ??= detectProviders();
  return detected;
}

async function measureAuto(): Promise<{ provider: Provider; why: string }> {
  const statuses = await providerStatuses();
  const working = statuses.filter((s) => s.works).map((s) => s.name);
  if (working.length <= 1) return { provider: pickAuto(statuses), why: 'auto: the only provider that works here' };
  const rates: [Provider, number][] = [];
  for (const w of working) rates.push([w, await quickBandwidth(w).catch(() => 0)]);
  rates.sort((a, b) => b[1] - a[1]);
  return { provider: rates[0]![0], why: `auto: fastest GEMV read of ${rates.map(([n, r]) => `${n} ${r.toFixed(1)} GB/s`).join(', ')}` };
}

/** The provider for `asked`, with why; throws with the reason when an asked provider does not work. */
export async function chooseProvider(asked: SweepConfig['provider']): Promise<{ provider: Provider; why: string }> {
  if (asked === 'auto') {
    auto ??= measureAuto();
    return auto;
  }
  const s = (await providerStatuses()).find((x) => x.name === asked);
  if (!s?.works) throw new Error(`execution provider ${asked} does not work here: ${s?.reason ?? 'unknown'}; see \`kvscope devices\``);
  return { provider: asked, why: 'chosen by the user' };
}
