import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowPermission, CSP, CSP_HEADER, cspMetaTag, isAppRequest, isAppUrl, webPreferences, windowOptions } from './security';

describe('window security', () => {
  it('webPreferences follow the Electron security checklist', () => {
    const p = webPreferences('/app/preload/index.cjs');
    expect(p).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    });
    expect(windowOptions('/p.cjs', false)).toMatchObject({ show: false, webPreferences: webPreferences('/p.cjs') });
    expect(windowOptions('/p.cjs', false, '/r/icon.png')).toMatchObject({ icon: '/r/icon.png' });
    expect(windowOptions('/p.cjs', false)).not.toHaveProperty('icon');
  });

  it('the CSP allows only the app itself: no inline or remote script, no eval, no remote connections', () => {
    const directives = Object.fromEntries(
      CSP.split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k, v]),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(CSP).not.toMatch(/unsafe-(inline|eval)|https?:|\*/);
    expect(CSP_HEADER).toBe(`${CSP}; frame-ancestors 'none'`);
  });

  it('the renderer page carries the CSP meta tag (placeholder filled at build)', () => {
    const html = readFileSync(join(import.meta.dirname, '../renderer/index.html'), 'utf8');
    expect(html).toContain('<!-- CSP -->');
    expect(cspMetaTag(CSP)).toBe(`<meta http-equiv="Content-Security-Policy" content="${CSP}" />`);
  });

  it('navigation and IPC are limited to the app page', () => {
    const file = 'file:///opt/kvscope/resources/app.asar/out/renderer/index.html';
    expect(isAppUrl(file, file)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', file)).toBe(false);
    expect(isAppUrl('https://example.com/', file)).toBe(false);
    expect(isAppUrl('http://localhost:5173/src/x', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl(undefined, file)).toBe(false);
    expect(isAppUrl('not a url', file)).toBe(false);
  });

  it('a file: URL is the app only as the same local file: no remote host, no UNC share, one path however encoded', () => {
    const file = 'file:///opt/kvscope/resources/app.asar/out/renderer/index.html';
    const path = '/opt/kvscope/resources/app.asar/out/renderer/index.html';
    // a host names another machine (on Windows a UNC share): never the app
    expect(isAppUrl(`file://evil.example${path}`, file)).toBe(false);
    expect(isAppUrl(`file://192.168.1.9${path}`, file)).toBe(false);
    expect(isAppUrl(`file://evil.example${path}`, `file://evil.example${path}`)).toBe(false);
    // UNC with an empty host, as Windows paths like \\server\share become
    expect(isAppUrl(`file:////server/share${path}`, file)).toBe(false);
    expect(isAppUrl(`file:////evil.example${path}`, file)).toBe(false);
    expect(isAppUrl('file:\\\\evil.example\\opt\\kvscope\\resources\\app.asar\\out\\renderer\\index.html', file)).toBe(false);
    // localhost is this machine
    expect(isAppUrl(`file://localhost${path}`, file)).toBe(true);
    expect(isAppUrl(`${file}#/history`, file)).toBe(true);
    // percent-encoding: the same file is the app, another file or an encoded separator is not
    expect(isAppUrl('file:///opt/kvscope/resources/app%2Easar/out/renderer/index.html', file)).toBe(true);
    expect(isAppUrl('file:///opt/kvscope/resources/app.asar/out/renderer/x/%2e%2e/index.html', file)).toBe(true);
    expect(isAppUrl('file:///opt%2Fkvscope/resources/app.asar/out/renderer/index.html', file)).toBe(false);
    expect(isAppUrl('file:///opt/kvscope/resources/app.asar/out/renderer%5Cindex.html', file)).toBe(false);
    expect(isAppUrl('file:///opt/kvscope/resources/app.asar/out/renderer/index.html%00.png', file)).toBe(false);
    expect(isAppUrl('file:///opt/kvscope/resources/app.asar/out/renderer/%E0%A4%A.html', file)).toBe(false);
    expect(isAppUrl('file:///etc/%70asswd', file)).toBe(false);
    // an install folder with a space, however the space is written
    const win = 'file:///C:/Program%20Files/kvscope/resources/app.asar/out/renderer/index.html';
    expect(isAppUrl('file:///C:/Program Files/kvscope/resources/app.asar/out/renderer/index.html', win)).toBe(true);
    expect(isAppUrl('file://server/C:/Program%20Files/kvscope/resources/app.asar/out/renderer/index.html', win)).toBe(false);
  });

  it("the packaged app's requests stay inside its renderer folder; devtools and the dev server are allowed", () => {
    const file = 'file:///opt/kvscope/resources/app.asar/out/renderer/index.html';
    expect(isAppRequest(file, file)).toBe(true);
    expect(isAppRequest('file:///opt/kvscope/resources/app.asar/out/renderer/assets/index-3f2a.js', file)).toBe(true);
    expect(isAppRequest('devtools://devtools/bundled/inspector.html', file)).toBe(true);
    // another local file, even beside the app or reached by ../ however encoded
    expect(isAppRequest('file:///etc/passwd', file)).toBe(false);
    expect(isAppRequest('file:///opt/kvscope/resources/app.asar/out/main/index.js', file)).toBe(false);
    expect(isAppRequest('file:///opt/kvscope/resources/app.asar/out/renderer/../main/index.js', file)).toBe(false);
    expect(isAppRequest('file:///opt/kvscope/resources/app.asar/out/renderer/%2e%2e/main/index.js', file)).toBe(false);
    expect(isAppRequest('file:///opt/kvscope/resources/app.asar/out/renderer-other/x.js', file)).toBe(false);
    expect(isAppRequest('file:///opt/kvscope/resources/app.asar/out/renderer%2F..%2Fmain/index.js', file)).toBe(false);
    expect(isAppRequest('file://evil.example/opt/kvscope/resources/app.asar/out/renderer/index.html', file)).toBe(false);
    // nothing leaves the machine
    expect(isAppRequest('https://example.com/x.js', file)).toBe(false);
    expect(isAppRequest('not a url', file)).toBe(false);
    const dev = 'http://localhost:5173/';
    expect(isAppRequest('http://localhost:5173/src/main.ts', dev, dev)).toBe(true);
    expect(isAppRequest('ws://localhost:5173/', dev, dev)).toBe(true);
    expect(isAppRequest('https://example.com/', dev, dev)).toBe(false);
  });

  it('permission requests are denied', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) expect(allowPermission(p)).toBe(false);
  });
});
