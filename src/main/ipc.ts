/**
 * IPC handlers: each checks that the sender is the app's own top frame, validates its argument
 * with the contract's schema, and answers in the { result } | { error } envelope.
 */
import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { ArgSchemas, CHANNELS } from '../contract/api.js';
import type { EngineClient } from '../engine/client.js';
import { readConfigFile } from './config-file.js';
import { envelope } from './envelope.js';
import { isAppUrl } from './security.js';

export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

export function registerIpc(engine: EngineClient, getWindow: () => BrowserWindow | null, rendererUrl: string): void {
  const handle = <T>(channel: string, work: (arg: unknown, event: IpcMainInvokeEvent) => T | Promise<T>): void => {
    ipcMain.handle(channel, (event, arg: unknown) =>
      envelope(() => {
        const frame = event.senderFrame;
        // Only the app's own page, in its main frame, may call: not an iframe, not a page it
        // was navigated to.
        if (!frame || frame.parent !== null || !isAppUrl(frame.url, rendererUrl)) {
          throw new ForbiddenError(`IPC from ${frame?.url ?? 'an unknown frame'} refused`);
        }
        return work(arg, event);
      }),
    );
  };

  handle(CHANNELS.systemDescribe, () => engine.query({ kind: 'describe' }));
  handle(CHANNELS.presetsList, () => engine.query({ kind: 'presets' }));
  handle(CHANNELS.sweepPlan, (arg) => engine.query({ kind: 'plan', config: ArgSchemas.sweepPlan.parse(arg) }));
  handle(CHANNELS.sweepStart, (arg) => engine.start(ArgSchemas.sweepStart.parse(arg)));
  handle(CHANNELS.sweepCancel, (arg) => {
    engine.cancel(ArgSchemas.sweepCancel.parse(arg));
  });
  handle(CHANNELS.configOpen, async () => {
    const win = getWindow();
    const options = {
      title: 'Open a Hugging Face config.json',
      properties: ['openFile' as const],
      filters: [{ name: 'config.json', extensions: ['json'] }],
    };
    const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    const path = picked.filePaths[0];
    if (picked.canceled || !path) return null;
    return readConfigFile(path);
  });
}
