/**
 * The e2e bridge's page client: defines window.kvscope (when no preload did) from the same route
 * table and envelope unwrapping as the preload, over fetch (POST /api/<channel>) and EventSource
 * (/events). The server bundles it for the page with esbuild (bundleClient).
 */
import type { AppEvent, KvscopeApi } from '../../src/contract/api.js';
import { buildApi } from '../../src/contract/routes.js';
import { unwrap } from '../../src/preload/unwrap.js';

export function bridgeApi(base = ''): KvscopeApi {
  const listeners = new Set<(event: AppEvent) => void>();
  const source = new EventSource(`${base}/events`);
  source.onmessage = (m: MessageEvent<string>) => {
    const event = JSON.parse(m.data) as AppEvent;
    for (const fn of listeners) fn(event);
  };
  const invoke = async (channel: string, arg: unknown): Promise<unknown> => {
    const res = await fetch(`${base}/api/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ arg }),
    });
    return unwrap(await res.json());
  };
  return buildApi(invoke, {
    // A browser gives no path for a dropped file.
    onnx: { drop: (): Promise<string | null> => Promise.resolve(null) },
    onEvent: (fn: (event: AppEvent) => void) => {
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },
    // A browser window has no application menu: its shortcuts are the page's own (lib/shortcuts.ts).
    onMenu: () => () => undefined,
  }) as unknown as KvscopeApi;
}

if (typeof window !== 'undefined' && !(window as { kvscope?: unknown }).kvscope) window.kvscope = Object.freeze(bridgeApi());
