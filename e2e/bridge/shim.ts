/**
 * The page-side shim of the e2e bridge: defines window.kvscope (when no preload did) on top of
 * fetch + EventSource, with the same envelope unwrapping as the preload.
 */
import { CHANNELS } from '../../src/contract/channels.js';

export function shimSource(): string {
  return `(() => {
  if (window.kvscope) return;
  const C = ${JSON.stringify(CHANNELS)};
  async function call(channel, arg) {
    const res = await fetch('/api/' + encodeURIComponent(channel), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ arg }),
    });
    const answer = await res.json();
    if ('error' in answer) {
      const err = new Error(answer.error.message);
      err.name = answer.error.name;
      throw err;
    }
    return answer.result;
  }
  const listeners = new Set();
  const source = new EventSource('/events');
  source.onmessage = (m) => {
    const event = JSON.parse(m.data);
    for (const fn of listeners) fn(event);
  };
  window.kvscope = Object.freeze({
    system: { describe: () => call(C.systemDescribe) },
    presets: { list: () => call(C.presetsList) },
    sweep: {
      plan: (config) => call(C.sweepPlan, config),
      start: (config) => call(C.sweepStart, config),
      cancel: (runId) => call(C.sweepCancel, runId),
    },
    files: { openConfig: () => call(C.configOpen), pathOf: () => null },
    reports: {
      save: (report) => call(C.reportSave, report),
      export: (request) => call(C.reportExport, request),
      open: () => call(C.reportOpen),
      parse: (name, text) => call(C.reportParse, { name, text }),
      compare: (reports) => call(C.reportCompare, reports),
    },
    history: { list: () => call(C.historyList), open: (id) => call(C.historyOpen, id), delete: (id) => call(C.historyDelete, id) },
    planner: { capacity: (request) => call(C.plannerCapacity, request), onnx: (request) => call(C.plannerOnnx, request) },
    onnx: { inspect: (path) => call(C.onnxInspect, path), sweep: (path, pasts) => call(C.onnxSweep, { path, pasts }) },
    onEvent: (fn) => { listeners.add(fn); return () => listeners.delete(fn); },
  });
})();
`;
}
