/**
 * The e2e bridge's channel handlers: main's shared ones, with the dialogs answered from folders
 * (a browser has no file dialog). Typed against the channel table, so a channel added there
 * fails the typecheck here until it has a route.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChannelHandlers } from '../../src/contract/channels.js';
import type { EngineClient } from '../../src/engine/client.js';
import { sharedHandlers } from '../../src/main/channel-server.js';
import { OnnxFiles } from '../../src/main/onnx-files.js';
import { defaultReportName, exportBody, saveReport, writeExport, type History } from '../../src/main/report-service.js';

export function bridgeHandlers(engine: EngineClient, history: History, dirs: { exportDir: string; openOnnx: string }): ChannelHandlers {
  return {
    // The "open dialog" answers with <data folder>/open/decoder.onnx when a test has put one there
    // (a browser gives no path for a dropped file), and as closed otherwise.
    ...sharedHandlers(engine, history, { files: new OnnxFiles(), pick: () => (existsSync(dirs.openOnnx) ? dirs.openOnnx : null) }),
    // No file dialog in a browser: the e2e pastes config.json text instead.
    configOpen: () => null,
    // Save dialogs answer with the default name in the export folder.
    reportSave: (report) => {
      const path = join(dirs.exportDir, defaultReportName(report, 'json'));
      saveReport(path, report);
      return path;
    },
    reportExport: (request) => {
      const body = exportBody(request);
      const path = join(dirs.exportDir, body.name);
      writeExport(path, body.data);
      return path;
    },
    reportOpen: () => null,
  };
}
