/** What the engine reports about this machine and offers to sweep: devices, providers, presets. */
import type { KvscopeApi, PresetInfo, SystemInfo } from '@/contract/api';

export class MachineStore {
  system = $state.raw<SystemInfo | null>(null);
  systemError = $state<string | null>(null);
  presets = $state.raw<PresetInfo[]>([]);

  #api: KvscopeApi;

  constructor(api: KvscopeApi) {
    this.#api = api;
  }

  async load(): Promise<void> {
    const [system, presets] = await Promise.allSettled([this.#api.system.describe(), this.#api.presets.list()]);
    if (system.status === 'fulfilled') this.system = system.value;
    else this.systemError = (system.reason as Error).message;
    if (presets.status === 'fulfilled') this.presets = presets.value;
    else this.systemError ??= (presets.reason as Error).message;
  }
}
