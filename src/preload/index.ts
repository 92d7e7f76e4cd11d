/**
 * Preload (sandboxed): exposes exactly one object, `window.kvscope`, implementing the contract's
 * KvscopeApi. No generic send/invoke/on, no process, no Node.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { AppEvent, Envelope, KvscopeApi } from '../contract/api.js';
import { CHANNELS } from '../contract/channels.js';

async function call<T>(channel: string, arg?: unknown): Promise<T> {
  const answer = (await ipcRenderer.invoke(channel, arg)) as Envelope<T>;
  if ('error' in answer) {
    const err = new Error(answer.error.message);
    err.name = answer.error.name;
    throw err;
  }
  return answer.result;
}

const listeners = new Set<(event: AppEvent) => void>();
ipcRenderer.on(CHANNELS.appEvent, (_event, payload: AppEvent) => {
  for (const fn of listeners) fn(payload);
});

const api: KvscopeApi = {
  system: { describe: () => call(CHANNELS.systemDescribe) },
  presets: { list: () => call(CHANNELS.presetsList) },
  sweep: {
    plan: (config) => call(CHANNELS.sweepPlan, config),
    start: (config) => call(CHANNELS.sweepStart, config),
    cancel: (runId) => call(CHANNELS.sweepCancel, runId),
  },
  files: { openConfig: () => call(CHANNELS.configOpen) },
  onEvent: (listener) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('kvscope', api);
