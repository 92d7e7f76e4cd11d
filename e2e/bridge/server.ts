/**
 * The e2e bridge: serves the built renderer on 127.0.0.1 and implements KvscopeApi over HTTP
 * (invoke: POST /api/<channel>, events: GET /events as server-sent events) by forwarding to the
 * real engine, run as a Node child process with tsx. The same EngineClient, channel table and
 * validation (serveAll) as Electron main; only the transport and the dialogs differ. The page's
 * client is ./client.ts, bundled here with esbuild. Test-only routes live under /__test/.
 *
 *   npx tsx e2e/bridge/server.ts [--port 47831]
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import type { AppEvent, Envelope } from '../../src/contract/api.js';
import { EngineClient } from '../../src/engine/client.js';
import { nodeLauncher } from '../../src/engine/node-launcher.js';
import { serveAll } from '../../src/main/channel-server.js';
import { History, reportToKeep } from '../../src/main/report-service.js';
import { CSP_HEADER } from '../../src/main/security.js';
import { bridgeHandlers } from './routes.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const rendererDir = join(root, 'out/renderer');
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : Number(process.env.KVSCOPE_BRIDGE_PORT ?? 47831);

const log = (line: string): void => console.log(line);
// The app's data folder and the save dialogs' answers: folders from the environment (the e2e
// sets them so a second bridge sees the same history), temp folders otherwise.
const dataDir = process.env.KVSCOPE_E2E_DIR ?? mkdtempSync(join(tmpdir(), 'kvscope-bridge-'));
const history = new History(join(dataDir, 'history'));
const exportDir = join(dataDir, 'exports');
const openOnnx = join(dataDir, 'open', 'decoder.onnx');
mkdirSync(exportDir, { recursive: true });
const clients = new Set<ServerResponse>();

function broadcast(event: AppEvent | unknown): void {
  const data = `data: ${JSON.stringify(event)}\n\n`;
  for (const res of clients) res.write(data);
}

const engine = new EngineClient({
  launch: nodeLauncher({ entry: join(root, 'src/engine/index.ts'), execArgv: ['--import', 'tsx'], log }),
  onEvent: (event) => {
    // As main does: the history first, then the page.
    const report = reportToKeep(event);
    if (report) {
      try {
        history.add(report);
      } catch (err) {
        log(`history: ${String(err)}`);
      }
    }
    broadcast(event);
  },
  readyTimeoutMs: 60_000,
  log,
});

const routes = new Map<string, (raw: unknown) => Promise<Envelope<unknown>>>();
serveAll(bridgeHandlers(engine, history, { exportDir, openOnnx }), (channel, serve) => routes.set(channel, serve));

/** ./client.ts for the page, built once at startup. */
function bundleClient(): string {
  const out = buildSync({
    entryPoints: [join(root, 'e2e/bridge/client.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  });
  return out.outputFiles[0]!.text;
}
const clientSource = bundleClient();

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : undefined;
}

function send(res: ServerResponse, status: number, type: string, data: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': CSP_HEADER, 'Cache-Control': 'no-store' });
  res.end(data);
}

const server = createServer((req, res) => {
  void (async () => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    try {
      if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
        const channel = decodeURIComponent(url.pathname.slice('/api/'.length));
        const serve = routes.get(channel);
        if (!serve) return send(res, 404, 'application/json', JSON.stringify({ error: { name: 'NotFound', message: `no channel ${channel}` } }));
        const payload = (await body(req)) as { arg?: unknown } | undefined;
        const answer = await serve(payload?.arg);
        return send(res, 200, 'application/json', JSON.stringify(answer));
      }
      if (url.pathname === '/events') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
        res.write(': connected\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (req.method === 'POST' && url.pathname === '/__test/emit') {
        const events = (await body(req)) as unknown[];
        for (const e of events) broadcast(e);
        return send(res, 200, 'application/json', JSON.stringify({ sent: events.length }));
      }
      // Holds the engine process still (SIGSTOP) or lets it go on (SIGCONT): a request sent while
      // it is held waits in its pipe, so the e2e can cancel a sweep that cannot finish first.
      if (req.method === 'POST' && url.pathname === '/__test/hold-engine') {
        const { hold } = ((await body(req)) ?? {}) as { hold?: unknown };
        const pid = engine.pid;
        if (typeof hold !== 'boolean' || !pid || process.platform === 'win32')
          return send(res, 400, 'text/plain', 'give {"hold": true|false}, with the engine running, on a POSIX system');
        process.kill(pid, hold ? 'SIGSTOP' : 'SIGCONT');
        return send(res, 200, 'application/json', JSON.stringify({ pid, held: hold }));
      }
      if (req.method === 'POST' && url.pathname === '/__test/kill-engine') {
        const pid = engine.pid;
        if (pid) process.kill(pid, 'SIGKILL');
        return send(res, 200, 'application/json', JSON.stringify({ killed: pid ?? null }));
      }
      if (url.pathname === '/kvscope-bridge.js') return send(res, 200, TYPES['.js']!, clientSource);
      if (url.pathname === '/' || url.pathname === '/index.html') {
        const html = await readFile(join(rendererDir, 'index.html'), 'utf8');
        // The client must define window.kvscope before the app's module script runs.
        return send(res, 200, TYPES['.html']!, html.replace('<head>', '<head>\n    <script src="/kvscope-bridge.js"></script>'));
      }
      const file = normalize(join(rendererDir, url.pathname));
      if (!file.startsWith(rendererDir)) return send(res, 403, 'text/plain', 'forbidden');
      const data = await readFile(file);
      return send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', data);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 404 : 500;
      return send(res, code, 'text/plain', String((err as Error).message));
    }
  })();
});

server.listen(port, '127.0.0.1', () => {
  log(`kvscope bridge on http://127.0.0.1:${port}`);
  // Start the engine at once: the first describe waits for onnxruntime and the device probe.
  engine.ensure().catch((err: unknown) => log(`engine did not start: ${String(err)}`));
});

const stop = (): void => {
  for (const c of clients) c.end();
  server.close();
  void engine.dispose().finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
