/**
 * IPC handlers, one per channel of the contract's table: each checks that the sender is the app's
 * own top frame, then serveChannel validates the argument and the reply and answers in the
 * { result } | { error } envelope.
 */
import { dialog, ipcMain, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { ChannelHandlers } from '@/contract/channels.js';
import type { EngineClient } from '@/engine/client.js';
import { readConfigFile } from './config-file.js';
import { serveAll, sharedHandlers } from './channel-server.js';
import { envelope } from './envelope.js';
import { OnnxFiles } from './onnx-files.js';
import { defaultReportName, exportBody, openReportFile, saveReport, writeExport, type History } from './report-service.js';
import { isAppUrl } from './security.js';

export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

/** The handlers of Electron main: the shared ones plus the file dialogs. Its ONNX tokens are this call's (one per main process). */
export function mainHandlers(engine: EngineClient, getWindow: () => BrowserWindow | null, history: History): ChannelHandlers {
  const saveDialog = async (title: string, defaultPath: string, ext: string, label: string): Promise<string | null> => {
    const win = getWindow();
    const options = { title, defaultPath, filters: [{ name: label, extensions: [ext] }] };
    const picked = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return picked.canceled || !picked.filePath ? null : picked.filePath;
  };
  const openDialog = async (options: OpenDialogOptions): Promise<string | null> => {
    const win = getWindow();
    const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    const path = picked.filePaths[0];
    return picked.canceled || !path ? null : path;
  };
  const pickOnnx = (): Promise<string | null> =>
    openDialog({ title: 'Open an ONNX decoder', properties: ['openFile'], filters: [{ name: 'ONNX model', extensions: ['onnx'] }] });
  return {
    ...sharedHandlers(engine, history, { files: new OnnxFiles(), pick: pickOnnx }),
    reportSave: async (report) => {
      const path = await saveDialog('Save the report', defaultReportName(report, 'json'), 'json', 'kvscope report');
      if (path) saveReport(path, report);
      return path;
    },
    reportExport: async (request) => {
      const body = exportBody(request);
      const labels: Record<string, string> = { csv: 'CSV', html: 'Standalone HTML', png: 'PNG image' };
      const path = await saveDialog(`Export ${labels[body.ext]}`, body.name, body.ext, labels[body.ext] ?? body.ext);
      if (path) writeExport(path, body.data);
      return path;
    },
    reportOpen: async () => {
      const path = await openDialog({ title: 'Open a kvscope report', properties: ['openFile'], filters: [{ name: 'kvscope report', extensions: ['json'] }] });
      return path === null ? null : openReportFile(path);
    },
    configOpen: async () => {
      const path = await openDialog({
        title: 'Open a Hugging Face config.json',
        properties: ['openFile'],
        filters: [{ name: 'config.json', extensions: ['json'] }],
      });
      return path === null ? null : readConfigFile(path);
    },
  };
}

export function registerIpc(engine: EngineClient, getWindow: () => BrowserWindow | null, rendererUrl: string, history: History): void {
  serveAll(mainHandlers(engine, getWindow, history), (channel, serve) => {
    ipcMain.handle(channel, (event, arg: unknown) => {
      const frame = event.senderFrame;
      // Only the app's own page, in its main frame, may call: not an iframe, not a page it
      // was navigated to.
      if (!frame || frame.parent !== null || !isAppUrl(frame.url, rendererUrl)) {
        return envelope(() => {
          throw new ForbiddenError(`IPC from ${frame?.url ?? 'an unknown frame'} refused`);
        });
      }
      return serve(arg);
    });
  });
}
