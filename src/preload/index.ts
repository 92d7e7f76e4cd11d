/**
 * Preload (sandboxed): exposes exactly one object, `window.kvscope`, implementing the contract's
 * KvscopeApi: one method per route of the channel table (src/contract/routes.ts), plus pathOf and
 * onEvent. No generic send/invoke/on, no process, no Node, no zod (main validates both ways).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { AppEvent, KvscopeApi } from '@/contract/api.js';
import { buildApi, EVENT_CHANNEL } from '@/contract/routes.js';
import { unwrap } from './unwrap.js';

const listeners = new Set<(event: AppEvent) => void>();
ipcRenderer.on(EVENT_CHANNEL, (_event, payload: AppEvent) => {
  for (const fn of listeners) fn(payload);
});

const api = buildApi(async (channel, arg) => unwrap(await ipcRenderer.invoke(channel, arg)), {
  files: {
    pathOf: (file: File): string | null => {
      try {
        return webUtils.getPathForFile(file) || null;
      } catch {
        return null;
      }
    },
  },
  onEvent: (listener: (event: AppEvent) => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
}) as unknown as KvscopeApi;

contextBridge.exposeInMainWorld('kvscope', api);
