/**
 * IPC handlers: each checks that the sender is the app's own top frame, validates its argument
 * with the contract's schema, and answers in the { result } | { error } envelope.
 */
import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { ArgSchemas, CHANNELS } from '../contract/api.js';
import type { EngineClient } from '../engine/client.js';
import { availableMemory } from '../core/measure/system.js';
import { readConfigFile } from './config-file.js';
import { compareReports } from '../core/report/compare.js';
import { parseReport } from '../core/report/report.js';
import { capacity, onnxCapacity, defaultReportName, exportBody, openReportFile, saveReport, writeExport, type History } from './report-service.js';
import { envelope } from './envelope.js';
import { isAppUrl } from './security.js';

export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

export function registerIpc(engine: EngineClient, getWindow: () => BrowserWindow | null, rendererUrl: string, history: History): void {
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
  const saveDialog = async (title: string, defaultPath: string, ext: string, label: string): Promise<string | null> => {
    const win = getWindow();
    const options = { title, defaultPath, filters: [{ name: label, extensions: [ext] }] };
    const picked = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return picked.canceled || !picked.filePath ? null : picked.filePath;
  };
  handle(CHANNELS.reportSave, async (arg) => {
    const report = ArgSchemas.reportSave.parse(arg);
    const path = await saveDialog('Save the report', defaultReportName(report, 'json'), 'json', 'kvscope report');
    if (path) saveReport(path, report);
    return path;
  });
  handle(CHANNELS.reportExport, async (arg) => {
    const body = exportBody(ArgSchemas.reportExport.parse(arg));
    const labels: Record<string, string> = { csv: 'CSV', html: 'Standalone HTML', png: 'PNG image' };
    const path = await saveDialog(`Export ${labels[body.ext]}`, body.name, body.ext, labels[body.ext] ?? body.ext);
    if (path) writeExport(path, body.data);
    return path;
  });
  handle(CHANNELS.reportOpen, async () => {
    const win = getWindow();
    const options = { title: 'Open a kvscope report', properties: ['openFile' as const], filters: [{ name: 'kvscope report', extensions: ['json'] }] };
    const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    const path = picked.filePaths[0];
    if (picked.canceled || !path) return null;
    return openReportFile(path);
  });
  handle(CHANNELS.reportParse, (arg) => {
    const { name, text } = ArgSchemas.reportParse.parse(arg);
    return { source: 'dropped' as const, name, path: null, report: parseReport(text, name) };
  });
  handle(CHANNELS.reportCompare, (arg) => compareReports(ArgSchemas.reportCompare.parse(arg)));
  handle(CHANNELS.historyList, () => history.list());
  handle(CHANNELS.historyOpen, (arg) => history.open(ArgSchemas.historyOpen.parse(arg)));
  handle(CHANNELS.historyDelete, (arg) => history.delete(ArgSchemas.historyDelete.parse(arg)));
  handle(CHANNELS.plannerCapacity, (arg) => capacity(ArgSchemas.plannerCapacity.parse(arg), availableMemory(), history));
  handle(CHANNELS.plannerOnnx, (arg) => onnxCapacity(ArgSchemas.plannerOnnx.parse(arg), availableMemory()));
  handle(CHANNELS.onnxInspect, async (arg) => {
    let path = ArgSchemas.onnxInspect.parse(arg);
    if (path === null) {
      const win = getWindow();
      const options = { title: 'Open an ONNX decoder', properties: ['openFile' as const], filters: [{ name: 'ONNX model', extensions: ['onnx'] }] };
      const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      path = picked.filePaths[0] ?? null;
      if (picked.canceled || !path) return null;
    }
    return engine.query({ kind: 'onnx-inspect', path });
  });
  handle(CHANNELS.onnxSweep, (arg) => {
    const { path, pasts } = ArgSchemas.onnxSweep.parse(arg);
    return engine.query({ kind: 'onnx-sweep', path, pasts });
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
