/**
 * Preload (sandboxed): exposes exactly one object, `window.kvscope`, implementing the contract's
 * KvscopeApi: one method per route of the channel table (src/contract/routes.ts; onnx.drop is its
 * own, sending a dropped file's path) onEvent and onMenu (the application menu's commands). No generic send/invoke/on, no process, no Node, no zod (main validates both ways).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { AppEvent, KvscopeApi } from '@/contract/api.js';
import { buildApi, EVENT_CHANNEL, isMenuCommand, MENU_CHANNEL, ROUTES, type MenuCommand } from '@/contract/routes.js';
import { unwrap } from './unwrap.js';

const listeners = new Set<(event: AppEvent) => void>();
ipcRenderer.on(EVENT_CHANNEL, (_event, payload: AppEvent) => {
  for (const fn of listeners) fn(payload);
});

const menuListeners = new Set<(command: MenuCommand) => void>();
ipcRenderer.on(MENU_CHANNEL, (_event, command: unknown) => {
  if (!isMenuCommand(command)) return;
  for (const fn of menuListeners) fn(command);
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
  onMenu: (listener: (command: MenuCommand) => void) => {
    menuListeners.add(listener);
    return () => {
      menuListeners.delete(listener);
    };
  },
}) as unknown as KvscopeApi;

contextBridge.exposeInMainWorld('kvscope', api);
