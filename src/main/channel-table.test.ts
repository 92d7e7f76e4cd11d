/**
 * The channel table is the one list of channels: main registers a handler for each, the preload
 * exposes a method for each, the e2e bridge routes each, and nothing else. Also: what serveChannel
 * refuses (a bad argument, a reply that drifted from the contract) and how it says so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_TABLE, ROUTE_KEYS, ROUTES, routeOf, type ChannelHandlers } from '@/contract/channels';
import { EVENT_CHANNEL, wireArg, type Route } from '@/contract/routes';
import { EngineClient, type EngineChild } from '@/engine/client';
import { point, report } from '@/testing/fixtures';
import { bridgeHandlers } from '../../e2e/bridge/routes';
import { serveAll, serveChannel, sharedHandlers } from './channel-server';
import { compareReports } from '@/core/report/compare';
import { OnnxFiles } from './onnx-files';
import { capacity, History, onnxCapacity } from './report-service';

const electron = vi.hoisted(() => ({
  handled: new Map<string, (event: unknown, arg: unknown) => unknown>(),
  invoked: [] as [string, unknown][],
  exposed: new Map<string, unknown>(),
  droppedPath: '',
}));
vi.mock('electron', () => ({
  ipcMain: { handle: (channel: string, fn: (event: unknown, arg: unknown) => unknown) => electron.handled.set(channel, fn) },
  dialog: {},
  ipcRenderer: {
    on: () => undefined,
    invoke: (channel: string, arg: unknown) => {
      electron.invoked.push([channel, arg]);
      return Promise.resolve({ result: `answer of ${channel}` });
    },
  },
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api) },
  webUtils: { getPathForFile: () => electron.droppedPath },
}));

const channels = Object.values(ROUTES)
  .map((r) => r.channel)
  .sort();
const engine = {} as EngineClient;
const historyDir = mkdtempSync(join(tmpdir(), 'kvscope-ct-'));
const history = new History(historyDir);
afterAll(() => rmSync(historyDir, { recursive: true, force: true }));

beforeEach(() => {
  electron.handled.clear();
  electron.invoked.length = 0;
});

describe('channel table', () => {
  it('names each channel once, and routes.ts and channels.ts have the same keys', () => {
    expect(new Set(channels).size).toBe(channels.length);
    expect(new Set(Object.values(ROUTES).map((r) => r.method)).size).toBe(channels.length);
    expect(Object.keys(CHANNEL_TABLE).sort()).toEqual([...ROUTE_KEYS].sort());
    expect(channels).not.toContain(EVENT_CHANNEL);
    for (const k of ROUTE_KEYS) expect(routeOf(ROUTES[k].channel)).toBe(k);
  });

  it("main registers exactly the table's channels", async () => {
    const { registerIpc } = await import('./ipc');
    registerIpc(engine, () => null, 'file:///app/index.html', history);
    expect([...electron.handled.keys()].sort()).toEqual(channels);
    // The frame check comes first.
    const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } };
    await expect(electron.handled.get('history:list')!(foreign, undefined)).resolves.toEqual({
      error: { name: 'ForbiddenError', message: 'IPC from https://evil.example/ refused' },
    });
  });

  it("the e2e bridge routes exactly the table's channels", () => {
    const routed: string[] = [];
    serveAll(bridgeHandlers(engine, history, { exportDir: tmpdir(), openOnnx: '/nonexistent.onnx' }), (channel) => routed.push(channel));
    expect(routed.sort()).toEqual(channels);
  });

  it("the preload exposes one method per channel (plus onEvent and onMenu), each calling its channel with the method's arguments", async () => {
    await import('@/preload/index');
    const api = electron.exposed.get('kvscope') as Record<string, unknown>;
    const methods = Object.entries(api).flatMap(([group, v]) =>
      typeof v === 'function' ? [group] : Object.keys(v as object).map((name) => `${group}.${name}`),
    );
    expect(methods.sort()).toEqual([...Object.values(ROUTES).map((r) => r.method), 'onEvent', 'onMenu'].sort());
    for (const route of Object.values(ROUTES) as Route[]) {
      if (route.preload) continue;
      const [group, name] = route.method.split('.') as [string, string];
      const args = route.params.map((p) => `${p}-value`);
      const fn = (api[group] as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!;
      await expect(fn(...args)).resolves.toBe(`answer of ${route.channel}`);
      expect(electron.invoked.at(-1)).toEqual([route.channel, wireArg(route.params, args)]);
    }
    expect(electron.invoked.find(([c]) => c === 'report:parse')?.[1]).toEqual({ name: 'name-value', text: 'text-value' });
    expect(electron.invoked.find(([c]) => c === 'history:list')?.[1]).toBeUndefined();
    // onnx.drop takes a File: the preload sends its path (webUtils), never the page.
    const drop = (api.onnx as { drop: (f: unknown) => Promise<unknown> }).drop;
    electron.invoked.length = 0;
    await expect(drop({})).resolves.toBeNull();
    expect(electron.invoked).toEqual([]);
    electron.droppedPath = '/models/decoder.onnx';
    await expect(drop({})).resolves.toBe('answer of onnx:drop');
    expect(electron.invoked).toEqual([['onnx:drop', '/models/decoder.onnx']]);
  });
});

describe('serveChannel', () => {
  const handlers = {
    ...({} as ChannelHandlers),
    historyOpen: (id: string) => ({ source: 'history' as const, name: id, path: null, report: report([point({ variant: 'mha', context: 64 })]) }),
  };

  it('answers a valid call with the value itself', async () => {
    await expect(serveChannel('historyOpen', handlers.historyOpen, 'abc')).resolves.toMatchObject({ result: { source: 'history', name: 'abc' } });
    const answer = capacity(
      { model: { kind: 'preset', id: 'llama-3.1-8b' }, memoryBytes: 64e9, weightDtype: 'fp16', cacheDtype: 'fp16', context: 8192, batch: 1, gqaGroups: 8 },
      64e9,
      null,
    );
    await expect(
      serveChannel('plannerCapacity', () => answer, {
        model: { kind: 'preset', id: 'llama-3.1-8b' },
        memoryBytes: null,
        weightDtype: 'fp16',
        cacheDtype: 'fp16',
        context: 8192,
        batch: 1,
        gqaGroups: 8,
      }),
    ).resolves.toEqual({ result: answer });
    // The schemas made from the former interfaces accept what the code makes.
    const reports = [report([point({ variant: 'mha', context: 64 })]), report([point({ variant: 'mha', context: 64 })])];
    await expect(serveChannel('reportCompare', (r) => compareReports(r), reports)).resolves.toEqual({ result: compareReports(reports) });
    const onnxRequest = {
      layout: { layers: 4, numKvHeads: 2, headDim: 64, dtype: 'fp32' as const, weightBytes: 1e6 },
      memoryBytes: 1e9,
      context: 512,
      batch: 1,
    };
    await expect(serveChannel('plannerOnnx', (r) => onnxCapacity(r, 1e9), onnxRequest)).resolves.toEqual({ result: onnxCapacity(onnxRequest, 1e9) });
  });

  it('BAD CALL - refuses a bad argument before the handler runs, naming the channel and the field', async () => {
    const handler = vi.fn();
    await expect(serveChannel('historyOpen', handler, '../../etc/passwd')).resolves.toEqual({
      error: { name: 'ContractError', message: expect.stringMatching(/^history:open: bad argument: /) },
    });
    await expect(serveChannel('reportParse', handler, { name: 'a.json', text: 42 })).resolves.toEqual({
      error: { name: 'ContractError', message: expect.stringMatching(/^report:parse: bad argument: text: /) },
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('BAD CALL - refuses a malformed reply with a clear error instead of sending it', async () => {
    const good = await serveChannel('historyOpen', handlers.historyOpen, 'abc');
    const bad = { ...(good as { result: object }).result, source: 'elsewhere' };
    await expect(serveChannel('historyOpen', () => bad as never, 'abc')).resolves.toEqual({
      error: { name: 'ContractError', message: expect.stringMatching(/^history:open: the reply does not match the contract: source: /) },
    });
    await expect(serveChannel('onnxInspect', () => ({ path: 'x.onnx', layers: 'many' }) as never, null)).resolves.toEqual({
      error: { name: 'ContractError', message: expect.stringMatching(/^onnx:inspect: the reply does not match the contract: /) },
    });
  });
});

describe('report:compare runs in the engine, not on main', () => {
  it('sends a compare query and serves its reply only once validated', async () => {
    let onMessage: (m: unknown) => void = () => undefined;
    const posted: { type: string; id: number; query?: { kind: string; reports: unknown[] } }[] = [];
    const child: EngineChild = {
      pid: 7,
      postMessage: (m) => posted.push(m as (typeof posted)[number]),
      onMessage: (fn) => (onMessage = fn),
      onExit: () => undefined,
      kill: () => undefined,
    };
    const client = new EngineClient({ launch: () => child, onEvent: () => undefined, log: () => undefined, shutdownGraceMs: 10 });
    const ready = client.ensure();
    onMessage({ type: 'ready', pid: 7 });
    await ready;
    const handlers = sharedHandlers(client, history, { files: new OnnxFiles(), pick: () => null });
    const reports = [report([point({ variant: 'mha', context: 64 })]), report([point({ variant: 'mha', context: 64 })])];
    const rows = compareReports(reports);

    const served = serveChannel('reportCompare', handlers.reportCompare, reports);
    await vi.waitFor(() => expect(posted.at(-1)?.query?.kind).toBe('compare'));
    const sent = posted.at(-1)!;
    expect(sent.query!.reports).toEqual(reports);
    onMessage({ type: 'reply', id: sent.id, result: rows });
    await expect(served).resolves.toEqual({ result: rows });

    // A reply that drifted from the rows' schema is refused, not served.
    const bad = serveChannel('reportCompare', handlers.reportCompare, reports);
    await vi.waitFor(() => expect(posted.at(-1)?.id).not.toBe(sent.id));
    onMessage({ type: 'reply', id: posted.at(-1)!.id, result: [{ key: 1 }] });
    await expect(bad).resolves.toEqual({ error: { name: 'EngineError', message: expect.stringMatching(/^the engine sent a malformed 'compare' reply/) } });
    await client.dispose();
  });
});
