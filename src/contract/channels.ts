/**
 * IPC channel names, `domain:verb`. Defined here once; main, preload and the e2e bridge import
 * them. Kept free of imports so the sandboxed preload bundle stays tiny.
 */
export const CHANNELS = {
  /** Machine facts and execution providers (with the reason each one does not work). */
  systemDescribe: 'system:describe',
  /** Model presets (id, title, source, attention summary). */
  presetsList: 'presets:list',
  /** Plan a sweep without running it: points, predicted memory, estimated duration. */
  sweepPlan: 'sweep:plan',
  /** Start a sweep; answers with the run id. */
  sweepStart: 'sweep:start',
  /** Cancel a running sweep by run id. */
  sweepCancel: 'sweep:cancel',
  /** Open a Hugging Face config.json through a file dialog. */
  configOpen: 'config:open',
  /** Save a report as JSON through a save dialog (default name kvscope-<model>-<provider>-<date>.json). */
  reportSave: 'report:save',
  /** Export reports as CSV, standalone HTML, or a chart's PNG through a save dialog. */
  reportExport: 'report:export',
  /** Open a saved report through a file dialog. */
  reportOpen: 'report:open',
  /** Validate report text the renderer read from a dropped file. */
  reportParse: 'report:parse',
  /** Per-point ratios of two or more reports (compareReports). */
  reportCompare: 'report:compare',
  /** Sessions run on this machine, kept in the app's data folder. */
  historyList: 'history:list',
  /** Load one history entry by id. */
  historyOpen: 'history:open',
  /** Delete one history entry by id (its file in the data folder). */
  historyDelete: 'history:delete',
  /** Capacity planner: weights, KV per token, largest context x batch per variant. */
  plannerCapacity: 'planner:capacity',
  /** Capacity of an imported ONNX decoder: weights from its initializers, cache from its layout. */
  plannerOnnx: 'planner:onnx',
  /** Read an ONNX decoder's KV layout (path picked by dialog or dropped). */
  onnxInspect: 'onnx:inspect',
  /** Sweep an ONNX decoder at growing past lengths in the engine. */
  onnxSweep: 'onnx:sweep',
  /** main -> renderer: engine events (progress, point, done, error) and engine lifecycle. */
  appEvent: 'engine:event',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];
