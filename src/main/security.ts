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
export function windowOptions(preloadPath: string, dark: boolean) {
  return {
    width: 1360,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false, // wait for 'ready-to-show' so the window never flashes white
    backgroundColor: dark ? '#15171c' : '#f7f7f9',
    title: 'kvscope',
    autoHideMenuBar: false,
    webPreferences: webPreferences(preloadPath),
  } as const;
}

/**
 * Whether a URL is the app's own renderer page (navigation and IPC senders are checked with it).
 * `rendererUrl` is the dev server's URL or the file:// URL of the packaged index.html.
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
  if (base.protocol === 'file:') return u.protocol === 'file:' && u.pathname === base.pathname;
  return u.origin === base.origin;
}

/** Permission requests (camera, notifications, ...) are all denied: kvscope needs none. */
export function allowPermission(_permission: string): boolean {
  return false;
}
