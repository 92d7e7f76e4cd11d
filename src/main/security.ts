/**
 * The window's security settings, pure (no electron import) so a unit test can pin them:
 * Electron's security checklist, https://www.electronjs.org/docs/latest/tutorial/security.
 */

/** The CSP of the packaged app: only the app's own scripts and styles, no remote anything. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

/** Sent as a header where there are headers (frame-ancestors is ignored in a meta tag). */
export const CSP_HEADER = `${CSP}; frame-ancestors 'none'`;

/** The dev server's CSP: Vite injects styles and talks to its HMR socket on localhost. */
export const DEV_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws://localhost:* ws://127.0.0.1:*",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

/** The meta tag the renderer's index.html carries (injected at build from CSP above). */
export function cspMetaTag(csp: string): string {
  return `<meta http-equiv="Content-Security-Policy" content="${csp}" />`;
}

/** The webPreferences every kvscope window gets. */
export function webPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true, // the page cannot reach the preload's world
    sandbox: true, // the renderer has no Node; the preload only electron's renderer modules
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: true,
  } as const;
}

/** BrowserWindow options (without the electron types, which this module does not import). */
/** The main window; `iconPath` is resources/icon.png (the window's icon on Linux and Windows; macOS takes the bundle's). */
export function windowOptions(preloadPath: string, dark: boolean, iconPath?: string) {
  return {
    width: 1360,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false, // wait for 'ready-to-show' so the window never flashes white
    backgroundColor: dark ? '#15171c' : '#f7f7f9',
    title: 'kvscope',
    ...(iconPath ? { icon: iconPath } : {}),
    autoHideMenuBar: false,
    webPreferences: webPreferences(preloadPath),
  } as const;
}

/**
 * The local path a file: URL names, or null where it names none kvscope trusts: a host other than
 * none or localhost (a remote or UNC share on Windows: file://server/share/...), a UNC path with
 * an empty host (file:////server/share/...), an encoded separator or NUL (%2F, %5C, %00), or
 * broken percent-encoding. Otherwise percent-encoding is decoded, so that one file is one path.
 */
function localFilePath(u: URL): string | null {
  // the WHATWG parser turns a host of "localhost" into none
  if (u.protocol !== 'file:' || u.host !== '') return null;
  if (/%(2f|5c|00)/i.test(u.pathname)) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  return path.startsWith('//') ? null : path;
}

/**
 * Whether a URL is the app's own renderer page (navigation and IPC senders are checked with it).
 * `rendererUrl` is the dev server's URL or the file:// URL of the packaged index.html; a file:
 * URL is the app only as the same local file (no host but localhost, see localFilePath).
 */
export function isAppUrl(url: string | undefined, rendererUrl: string): boolean {
  if (!url) return false;
  let u: URL;
  let base: URL;
  try {
    u = new URL(url);
    base = new URL(rendererUrl);
  } catch {
    return false;
  }
  if (base.protocol === 'file:') {
    const path = localFilePath(u);
    return path !== null && path === localFilePath(base);
  }
  return u.origin === base.origin;
}

/**
 * Whether the window may make a request: devtools, the dev server, and in the packaged app only
 * files inside the renderer's own folder (out/renderer: index.html and its assets), so a file:
 * page cannot load another local file, even as an image, whatever the CSP's 'self' allows for file:.
 */
export function isAppRequest(url: string, rendererUrl: string, devUrl?: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'devtools:') return true;
  // In development, as before: the dev server, and files (electron-vite's dev build is not shipped).
  if (devUrl !== undefined) return u.protocol === 'file:' || u.host === new URL(devUrl).host;
  const base = new URL(rendererUrl);
  if (base.protocol !== 'file:') return false;
  const path = localFilePath(u);
  const page = localFilePath(base);
  if (path === null || page === null) return false;
  const dir = page.slice(0, page.lastIndexOf('/') + 1);
  return path.startsWith(dir) && !path.slice(dir.length).split('/').includes('..');
}

/** Permission requests (camera, notifications, ...) are all denied: kvscope needs none. */
export function allowPermission(_permission: string): boolean {
  return false;
}
