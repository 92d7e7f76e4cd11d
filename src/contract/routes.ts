/**
 * The zod-free half of the channel table (./channels.ts): each invoke channel's name, `domain:verb`,
 * the `window.kvscope` method it backs and that method's parameters. The sandboxed preload and the
 * e2e bridge's page client build the API from this alone, so neither bundles zod (~450 kB).
 *
 * `params`: none = no argument; one = that argument as is; several = one object with those keys.
 */
export const ROUTES = {
  /** Machine facts and execution providers (with the reason each one does not work). */
  systemDescribe: { channel: 'system:describe', method: 'system.describe', params: [] },
  /** Model presets (id, title, source, attention summary). */
  presetsList: { channel: 'presets:list', method: 'presets.list', params: [] },
  /** Plan a sweep without running it: points, predicted memory, estimated duration. */
  sweepPlan: { channel: 'sweep:plan', method: 'sweep.plan', params: ['config'] },
  /** Start a sweep; answers with the run id. */
  sweepStart: { channel: 'sweep:start', method: 'sweep.start', params: ['config'] },
  /** Cancel a running sweep by run id. */
  sweepCancel: { channel: 'sweep:cancel', method: 'sweep.cancel', params: ['runId'] },
  /** Open a Hugging Face config.json through a file dialog. */
  configOpen: { channel: 'config:open', method: 'files.openConfig', params: [] },
  /** Save a report as JSON through a save dialog (default name kvscope-<model>-<provider>-<date>.json). */
  reportSave: { channel: 'report:save', method: 'reports.save', params: ['report'] },
  /** Export reports as CSV, standalone HTML, or a chart's PNG through a save dialog. */
  reportExport: { channel: 'report:export', method: 'reports.export', params: ['request'] },
  /** Open a saved report through a file dialog. */
  reportOpen: { channel: 'report:open', method: 'reports.open', params: [] },
  /** Validate report text the renderer read from a dropped file. */
  reportParse: { channel: 'report:parse', method: 'reports.parse', params: ['name', 'text'] },
  /** Per-point ratios of two or more reports (compareReports). */
  reportCompare: { channel: 'report:compare', method: 'reports.compare', params: ['reports'] },
  /** Sessions run on this machine, kept in the app's data folder. */
  historyList: { channel: 'history:list', method: 'history.list', params: [] },
  /** Load one history entry by id. */
  historyOpen: { channel: 'history:open', method: 'history.open', params: ['id'] },
  /** Delete one history entry by id (its file in the data folder). */
  historyDelete: { channel: 'history:delete', method: 'history.delete', params: ['id'] },
  /** Capacity planner: weights, KV per token, largest context x batch per variant. */
  plannerCapacity: { channel: 'planner:capacity', method: 'planner.capacity', params: ['request'] },
  /** Capacity of an imported ONNX decoder: weights from its initializers, cache from its layout. */
  plannerOnnx: { channel: 'planner:onnx', method: 'planner.onnx', params: ['request'] },
  /** Read an ONNX decoder's KV layout: a file main chose, by its token, or (null) main's open dialog. */
  onnxInspect: { channel: 'onnx:inspect', method: 'onnx.inspect', params: ['token'] },
  /** Sweep an ONNX decoder (by token) at growing past lengths in the engine. */
  onnxSweep: { channel: 'onnx:sweep', method: 'onnx.sweep', params: ['token', 'pasts'] },
  /** A dropped .onnx: the preload sends its path (webUtils), main checks it and answers a token. */
  onnxDrop: { channel: 'onnx:drop', method: 'onnx.drop', params: ['path'], preload: true },
} as const satisfies Record<string, Route>;

export interface Route {
  channel: `${string}:${string}`;
  method: `${string}.${string}`;
  params: readonly string[];
  /**
   * Called by the preload itself with what only it can get (a dropped File's path), not a
   * generic method: its window.kvscope member is the preload's own (buildApi's `extra`).
   */
  preload?: true;
}

export type RouteKey = keyof typeof ROUTES;

/** main -> renderer: engine events (progress, point, done, error) and engine lifecycle. */
export const EVENT_CHANNEL = 'engine:event';

/** main -> renderer: a command chosen in the application menu (File -> Open report..., Save report...). */
export const MENU_CHANNEL = 'menu:command';

/** The menu's commands; the renderer runs each as its keyboard shortcut does (renderer lib/shortcuts.ts). */
export const MENU_COMMANDS = ['open-report', 'save-report'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export function isMenuCommand(value: unknown): value is MenuCommand {
  return (MENU_COMMANDS as readonly unknown[]).includes(value);
}

/** Channel names by key (the invoke channels, `appEvent` and `menuCommand`). */
export const CHANNELS = {
  ...(Object.fromEntries(Object.entries(ROUTES).map(([k, r]) => [k, r.channel])) as { [K in RouteKey]: (typeof ROUTES)[K]['channel'] }),
  appEvent: EVENT_CHANNEL,
  menuCommand: MENU_CHANNEL,
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** The argument that crosses for a call with these positional arguments. */
export function wireArg(params: readonly string[], args: readonly unknown[]): unknown {
  if (params.length === 0) return undefined;
  if (params.length === 1) return args[0];
  return Object.fromEntries(params.map((p, i) => [p, args[i]]));
}

/**
 * The API object over `invoke` (the preload's ipcRenderer, the bridge's fetch): one method per
 * route, grouped as `window.kvscope` has them, plus the members that are not channels.
 */
export function buildApi(invoke: (channel: string, arg: unknown) => Promise<unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const api: Record<string, Record<string, unknown>> = {};
  for (const route of Object.values(ROUTES) as Route[]) {
    if (route.preload) continue;
    const [group, name] = route.method.split('.') as [string, string];
    const members = (api[group] ??= {});
    members[name] = (...args: unknown[]) => invoke(route.channel, wireArg(route.params, args));
  }
  for (const [key, value] of Object.entries(extra)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.assign((api[key] ??= {}), value);
    else (api as Record<string, unknown>)[key] = value;
  }
  return api;
}
