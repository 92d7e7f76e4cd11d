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
  /** main -> renderer: engine events (progress, point, done, error) and engine lifecycle. */
  appEvent: 'engine:event',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];
