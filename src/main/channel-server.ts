/**
 * Serving the channel table (src/contract/channels.ts), for Electron main and the e2e bridge alike:
 * the argument is validated before the handler runs, the result after it, and the outcome goes
 * back in the { result } | { error } envelope.
 *
 * The result is checked here, where it is made, rather than in the preload: a reply that drifted
 * from the contract is refused with the channel's name before it crosses, and the sandboxed
 * preload stays free of zod.
 */
import { CHANNEL_TABLE, ROUTES, type ChannelHandlers, type RouteKey } from '@/contract/channels.js';
import { toSerializedError, type Envelope } from '@/contract/api.js';
import type { EngineClient } from '@/engine/client.js';
import { availableMemory } from '@/core/measure/system.js';
import { parseReport } from '@/core/report/report.js';
import { envelope } from './envelope.js';
import type { OnnxFiles } from './onnx-files.js';
import { capacity, onnxCapacity, type History } from './report-service.js';

export class ContractError extends Error {
  override name = 'ContractError';
}

/** Runs channel `key`'s handler on a raw argument: validated in, validated out. */
export function serveChannel<K extends RouteKey>(key: K, handler: ChannelHandlers[K], raw: unknown): Promise<Envelope<unknown>> {
  const { channel, arg: argSchema, result: resultSchema } = CHANNEL_TABLE[key];
  return envelope(async () => {
    const arg = argSchema.safeParse(raw);
    if (!arg.success) throw new ContractError(`${channel}: bad argument: ${toSerializedError(arg.error).message}`);
    const result: unknown = await (handler as (a: unknown) => unknown)(arg.data);
    const checked = resultSchema.safeParse(result);
    // The value itself is sent, not the parse: a check, not a transformation.
    if (!checked.success) throw new ContractError(`${channel}: the reply does not match the contract: ${toSerializedError(checked.error).message}`);
    return result;
  });
}

/** Calls `register(channel, serve)` once per channel of the table, each with its handler. */
export function serveAll(handlers: ChannelHandlers, register: (channel: string, serve: (raw: unknown) => Promise<Envelope<unknown>>) => void): void {
  for (const key of Object.keys(ROUTES) as RouteKey[]) {
    register(ROUTES[key].channel, (raw) => serveChannel(key, handlers[key], raw));
  }
}

/**
 * The handlers main and the bridge share: everything but the dialogs. ONNX files reach the engine
 * only by a token `onnx` granted: to a path its `pick` dialog chose, or to a dropped file it checked.
 */
export function sharedHandlers(
  engine: EngineClient,
  history: History,
  onnx: { files: OnnxFiles; pick: () => Promise<string | null> | string | null },
): Omit<ChannelHandlers, 'configOpen' | 'reportSave' | 'reportExport' | 'reportOpen'> {
  return {
    systemDescribe: () => engine.query({ kind: 'describe' }),
    presetsList: () => engine.query({ kind: 'presets' }),
    sweepPlan: (config) => engine.query({ kind: 'plan', config }),
    sweepStart: (config) => engine.start(config),
    sweepCancel: (runId) => engine.cancel(runId),
    reportParse: ({ name, text }) => ({ source: 'dropped' as const, name, path: null, report: parseReport(text, name) }),
    // The bootstraps take up to about a second: the engine compares, not main's thread.
    reportCompare: (reports) => engine.query({ kind: 'compare', reports }),
    historyList: () => history.list(),
    historyOpen: (id) => history.open(id),
    historyDelete: (id) => history.delete(id),
    plannerCapacity: (request) => capacity(request, availableMemory(), history),
    plannerOnnx: (request) => onnxCapacity(request, availableMemory()),
    onnxInspect: async (token) => {
      const path = token === null ? await onnx.pick() : onnx.files.path(token);
      if (path === null) return null;
      const layout = await engine.query({ kind: 'onnx-inspect', path });
      return { ...layout, token: token ?? onnx.files.grant(path) };
    },
    onnxSweep: ({ token, pasts }) => engine.query({ kind: 'onnx-sweep', path: onnx.files.path(token), pasts }),
    onnxDrop: (path) => onnx.files.grantDropped(path),
  };
}
