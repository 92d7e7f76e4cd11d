/**
 * Preload (sandboxed): exposes exactly one object, `window.kvscope`, implementing the contract's
 * KvscopeApi: one method per route of the channel table (src/contract/routes.ts; onnx.drop is its
 * own, sending a dropped file's path) and onEvent. No generic send/invoke/on, no process, no Node, no zod (main validates both ways).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { AppEvent, KvscopeApi } from '@/contract/api.js';
import { buildApi, EVENT_CHANNEL, ROUTES } from '@/contract/routes.js';
import { unwrap } from './unwrap.js';

const listeners = new Set<(event: AppEvent) => void>();
ipcRenderer.on(EVENT_CHANNEL, (_event, payload: AppEvent) => {
  for (const fn of listeners) fn(payload);
});

const api = buildApi(async (channel, arg) => unwrap(await ipcRenderer.invoke(channel, arg)), {
  onnx: {
    // The path goes to main, which checks it and keeps it behind a token; the page never sees it.
    drop: async (file: File): Promise<string | null> => {
      let path = '';
      try {
        path = webUtils.getPathForFile(file);
      } catch {
        // not a file from the user's disk
      }
      return path ? (unwrap(await ipcRenderer.invoke(ROUTES.onnxDrop.channel, path)) as string) : null;
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
