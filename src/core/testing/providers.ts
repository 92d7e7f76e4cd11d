/**
 * Which providers the tests run on: CPU always, WebGPU where it works. On CI (CI=true) the
 * setup script installs software Vulkan, so a WebGPU that does not work there fails the run
 * instead of being skipped.
 */
import { detectProviders, type Provider, type ProviderStatus } from '../runtime/providers.js';

let cached: Promise<ProviderStatus[]> | null = null;

export function providerStatuses(): Promise<ProviderStatus[]> {
  cached ??= detectProviders();
  return cached;
}

export async function testProviders(): Promise<Provider[]> {
  const statuses = await providerStatuses();
  const webgpu = statuses.find((s) => s.name === 'webgpu');
  if (webgpu?.works) return ['cpu', 'webgpu'];
  if (process.env.CI === 'true') {
    throw new Error(`WebGPU does not work on this CI machine: ${webgpu?.reason ?? 'not compiled in'}; run scripts/setup-system.sh`);
  }
  console.warn(`[kvscope tests] WebGPU skipped: ${webgpu?.reason ?? 'not compiled in'}`);
  return ['cpu'];
}
