/**
 * Electron main: the window, menu, dialogs, the engine's utility process and the IPC handlers.
 * The engine never runs on this thread: onnxruntime's run blocks.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, Menu, nativeTheme, session } from 'electron';
import enginePath from '../engine/index?modulePath';
import { EVENT_CHANNEL, MENU_CHANNEL } from '@/contract/routes.js';
import { EngineClient } from '@/engine/client.js';
import { utilityLauncher } from './engine-process.js';
import { registerIpc } from './ipc.js';
import { History, reportToKeep } from './report-service.js';
import { buildMenu } from './menu.js';
import { allowPermission, CSP_HEADER, DEV_CSP, isAppRequest, isAppUrl, windowOptions } from './security.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const indexHtml = join(here, '../renderer/index.html');
const rendererUrl = devUrl ?? pathToFileURL(indexHtml).href;
const log = (line: string): void => console.log(line);

let win: BrowserWindow | null = null;
/** Sessions run on this machine, in the app's data folder (survives restarts). */
let history: History | null = null;

const engine = new EngineClient({
  launch: utilityLauncher(enginePath, log),
  onEvent: (event) => {
    // Every finished, interrupted or crashed run with points goes into the history before the UI hears of it.
    const report = reportToKeep(event);
    if (history && report) {
      try {
        history.add(report);
      } catch (err) {
        log(`history: ${String(err)}`);
      }
    }
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
  },
  readyTimeoutMs: 30_000,
  log,
});

function createWindow(): BrowserWindow {
  const w = new BrowserWindow(windowOptions(join(here, '../preload/index.cjs'), nativeTheme.shouldUseDarkColors, join(here, '../../resources/icon.png')));
  w.once('ready-to-show', () => w.show());
  w.on('closed', () => {
    win = null;
  });
  if (devUrl) void w.loadURL(devUrl);
  else void w.loadFile(indexHtml);
  return w;
}

// Every web contents: no new windows, no navigation away from the app, no webviews.
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, rendererUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, rendererUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Quitting waits for the engine to leave (it is asked first, killed after a bound), so a sweep's
// partial report still reaches the history.
let engineStopped = false;
app.on('before-quit', (event) => {
  if (engineStopped) return;
  event.preventDefault();
  void engine
    .dispose()
    .catch((err: unknown) => log(`engine shutdown: ${String(err)}`))
    .finally(() => {
      engineStopped = true;
      app.quit();
    });
});

void app.whenReady().then(() => {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(allowPermission(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => allowPermission(permission));
  // The meta tag covers file://; the header covers the dev server's http:// pages too.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [devUrl ? DEV_CSP : CSP_HEADER] } });
  });
  // No request leaves the machine, nor the renderer's folder: the app loads only its own files (and the dev server).
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAppRequest(details.url, rendererUrl, devUrl) }));
  Menu.setApplicationMenu(
    buildMenu(devUrl !== undefined, (command) => {
      if (win && !win.isDestroyed()) win.webContents.send(MENU_CHANNEL, command);
    }),
  );
  history = new History(join(app.getPath('userData'), 'history'));
  registerIpc(engine, () => win, rendererUrl, history);
  // Start the engine early: onnxruntime's load and the device probe take a moment.
  engine.ensure().catch((err: unknown) => log(`engine did not start: ${String(err)}`));
  win = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
});
