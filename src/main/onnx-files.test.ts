/**
 * ONNX files reach the engine only by a token main granted: to its open dialog's path or to a
 * dropped file it checked. A made-up token, a raw path and another main process's token are refused.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineQuery, OnnxLayout } from '@/contract/api';
import type { EngineClient } from '@/engine/client';
import { serveChannel, sharedHandlers } from './channel-server';
import { OnnxFiles } from './onnx-files';
import { History } from './report-service';

const dir = mkdtempSync(join(tmpdir(), 'kvscope-onnx-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = join(dir, 'decoder.onnx');
writeFileSync(model, 'not really a model');
const layout: OnnxLayout = {
  path: model,
  name: 'decoder.onnx',
  layers: 2,
  numKvHeads: 2,
  headDim: 8,
  dtype: 'fp32',
  kvBytesPerToken: 256,
  otherInputs: [],
  params: 10,
  weightBytes: 40,
};
const history = new History(join(dir, 'history'));

/** A main process's handlers over an engine that records the paths it was asked about. */
function mainProcess(pick: string | null = model): { handlers: ReturnType<typeof sharedHandlers>; asked: string[] } {
  const asked: string[] = [];
  const engine = {
    query: (q: EngineQuery['query']) => {
      if (q.kind === 'onnx-inspect') asked.push(q.path);
      if (q.kind === 'onnx-sweep') asked.push(q.path);
      return Promise.resolve(q.kind === 'onnx-sweep' ? { layout, points: [] } : layout);
    },
  } as unknown as EngineClient;
  return { handlers: sharedHandlers(engine, history, { files: new OnnxFiles(), pick: () => pick }), asked };
}

describe('ONNX file tokens', () => {
  it("a token from main's open dialog works for inspect and sweep", async () => {
    const { handlers, asked } = mainProcess();
    const opened = await serveChannel('onnxInspect', handlers.onnxInspect, null);
    expect(opened).toEqual({ result: { ...layout, token: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    const token = (opened as { result: { token: string } }).result.token;
    await expect(serveChannel('onnxInspect', handlers.onnxInspect, token)).resolves.toEqual({ result: { ...layout, token } });
    await expect(serveChannel('onnxSweep', handlers.onnxSweep, { token, pasts: [0, 16] })).resolves.toEqual({ result: { layout, points: [] } });
    expect(asked).toEqual([model, model, model]);
    // A closed dialog answers null and grants nothing.
    await expect(serveChannel('onnxInspect', mainProcess(null).handlers.onnxInspect, null)).resolves.toEqual({ result: null });
  });

  it('BAD CALL - a made-up token and a raw path are refused before the engine hears of them', async () => {
    const { handlers, asked } = mainProcess();
    const madeUp = '123e4567-e89b-42d3-a456-426614174000';
    const unknown = { error: { name: 'OnnxFileError', message: 'unknown ONNX file token: open or drop the file again' } };
    await expect(serveChannel('onnxInspect', handlers.onnxInspect, madeUp)).resolves.toEqual(unknown);
    await expect(serveChannel('onnxSweep', handlers.onnxSweep, { token: madeUp, pasts: [0] })).resolves.toEqual(unknown);
    await expect(serveChannel('onnxInspect', handlers.onnxInspect, model)).resolves.toEqual({
      error: { name: 'ContractError', message: expect.stringMatching(/^onnx:inspect: bad argument: /) },
    });
    await expect(serveChannel('onnxSweep', handlers.onnxSweep, { path: model, pasts: [0] })).resolves.toEqual({
      error: { name: 'ContractError', message: expect.stringMatching(/^onnx:sweep: bad argument: token: /) },
    });
    expect(asked).toEqual([]);
  });

  it("BAD CALL - tokens are per main process: another one's token is unknown", async () => {
    const first = mainProcess();
    const opened = (await serveChannel('onnxInspect', first.handlers.onnxInspect, null)) as { result: { token: string } };
    const second = mainProcess();
    await expect(serveChannel('onnxInspect', second.handlers.onnxInspect, opened.result.token)).resolves.toMatchObject({
      error: { name: 'OnnxFileError' },
    });
    expect(second.asked).toEqual([]);
  });

  it('a dropped file gets a token only when it is an absolute path to a regular .onnx file', async () => {
    const { handlers, asked } = mainProcess(null);
    const dropped = (await serveChannel('onnxDrop', handlers.onnxDrop, model)) as { result: string };
    await expect(serveChannel('onnxInspect', handlers.onnxInspect, dropped.result)).resolves.toEqual({ result: { ...layout, token: dropped.result } });
    expect(asked).toEqual([model]);

    mkdirSync(join(dir, 'folder.onnx'));
    writeFileSync(join(dir, 'notes.txt'), '');
    const refused = (path: string, why: RegExp) =>
      expect(serveChannel('onnxDrop', handlers.onnxDrop, path)).resolves.toEqual({ error: { name: 'OnnxFileError', message: expect.stringMatching(why) } });
    await refused(join(dir, 'folder.onnx'), /not a regular file$/);
    await refused(join(dir, 'missing.onnx'), /not a regular file$/);
    await refused(join(dir, 'notes.txt'), /not an \.onnx file$/);
    await refused('decoder.onnx', /not an \.onnx file$/);
  });
});
