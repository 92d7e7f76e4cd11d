/**
 * Preload (sandboxed): exposes exactly one object, `window.kvscope`, implementing the contract's
 * KvscopeApi. No generic send/invoke/on, no process, no Node.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
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
  files: {
    openConfig: () => call(CHANNELS.configOpen),
    pathOf: (file) => {
      try {
        return webUtils.getPathForFile(file) || null;
      } catch {
        return null;
      }
    },
  },
  reports: {
    save: (report) => call(CHANNELS.reportSave, report),
    export: (request) => call(CHANNELS.reportExport, request),
    open: () => call(CHANNELS.reportOpen),
    parse: (name, text) => call(CHANNELS.reportParse, { name, text }),
    compare: (reports) => call(CHANNELS.reportCompare, reports),
  },
  history: {
    list: () => call(CHANNELS.historyList),
    open: (id) => call(CHANNELS.historyOpen, id),
    delete: (id) => call(CHANNELS.historyDelete, id),
  },
  planner: {
    capacity: (request) => call(CHANNELS.plannerCapacity, request),
    onnx: (request) => call(CHANNELS.plannerOnnx, request),
  },
  onnx: {
    inspect: (path) => call(CHANNELS.onnxInspect, path),
    sweep: (path, pasts) => call(CHANNELS.onnxSweep, { path, pasts }),
  },
  onEvent: (listener) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('kvscope', api);
