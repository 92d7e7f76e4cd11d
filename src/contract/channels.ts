/**
 * The channel table: every invoke channel's argument schema and result schema, keyed like
 * ./routes.ts (name, method, parameters). Main's handlers, the e2e bridge's routes, the preload
 * and the bridge's page client are all built from it; main and the bridge validate the argument
 * before a handler runs and the result before it is sent (see serveChannel in src/main/channel-server.ts).
 */
import { z } from 'zod';
import {
  CapacityAnswerSchema,
  CapacityRequestSchema,
  ComparedRowSchema,
  ExportRequestSchema,
  HistoryEntrySchema,
  OnnxCapacityAnswerSchema,
  OnnxCapacityRequestSchema,
  OnnxSweepResultSchema,
  OnnxTokenSchema,
  OpenedOnnxSchema,
  OpenedConfigSchema,
  OpenedReportSchema,
  PlanSummarySchema,
  PresetInfoSchema,
  SystemInfoSchema,
  type KvscopeApi,
} from './api.js';
import { ReportSchema, SweepConfigSchema } from './schemas.js';
import { ROUTES, type RouteKey } from './routes.js';

export { CHANNELS, EVENT_CHANNEL, ROUTES, type Channel, type RouteKey } from './routes.js';

const NoArg = z.undefined();
const HistoryId = z.string().regex(/^[A-Za-z0-9._-]{1,120}$/);
const OnnxPath = z.string().min(1).max(4096);

export const CHANNEL_SCHEMAS = {
  systemDescribe: { arg: NoArg, result: SystemInfoSchema },
  presetsList: { arg: NoArg, result: z.array(PresetInfoSchema) },
  sweepPlan: { arg: SweepConfigSchema, result: PlanSummarySchema },
  sweepStart: { arg: SweepConfigSchema, result: z.string() },
  sweepCancel: { arg: z.string().min(1).max(100), result: z.void() },
  configOpen: { arg: NoArg, result: OpenedConfigSchema.nullable() },
  reportSave: { arg: ReportSchema, result: z.string().nullable() },
  reportExport: { arg: ExportRequestSchema, result: z.string().nullable() },
  reportOpen: { arg: NoArg, result: OpenedReportSchema.nullable() },
  reportParse: { arg: z.object({ name: z.string().max(300), text: z.string() }), result: OpenedReportSchema },
  reportCompare: { arg: z.array(ReportSchema).min(2).max(16), result: z.array(ComparedRowSchema) },
  historyList: { arg: NoArg, result: z.array(HistoryEntrySchema) },
  historyOpen: { arg: HistoryId, result: OpenedReportSchema },
  historyDelete: { arg: HistoryId, result: z.void() },
  plannerCapacity: { arg: CapacityRequestSchema, result: CapacityAnswerSchema },
  plannerOnnx: { arg: OnnxCapacityRequestSchema, result: OnnxCapacityAnswerSchema },
  onnxInspect: { arg: OnnxTokenSchema.nullable(), result: OpenedOnnxSchema.nullable() },
  onnxSweep: {
    arg: z.object({ token: OnnxTokenSchema, pasts: z.array(z.number().int().min(0).max(1_048_576)).min(1).max(64) }),
    result: OnnxSweepResultSchema,
  },
  onnxDrop: { arg: OnnxPath, result: OnnxTokenSchema },
} satisfies { [K in RouteKey]: { arg: z.ZodType; result: z.ZodType } };

type Schemas = typeof CHANNEL_SCHEMAS;
/** What a handler receives (the argument after its schema's defaults). */
export type ChannelArg<K extends RouteKey> = z.output<Schemas[K]['arg']>;
/** What a handler answers. */
export type ChannelResult<K extends RouteKey> = z.output<Schemas[K]['result']>;
/** One handler per channel: a missing or extra one fails the typecheck. */
export type ChannelHandlers = { [K in RouteKey]: (arg: ChannelArg<K>) => ChannelResult<K> | Promise<ChannelResult<K>> };

/** The table: route and schemas per channel. */
export const CHANNEL_TABLE = Object.fromEntries(Object.entries(ROUTES).map(([k, r]) => [k, { ...r, ...CHANNEL_SCHEMAS[k as RouteKey] }])) as {
  [K in RouteKey]: (typeof ROUTES)[K] & Schemas[K];
};

export const ROUTE_KEYS = Object.keys(ROUTES) as RouteKey[];

/** The route key of a channel name, if it is one. */
export function routeOf(channel: string): RouteKey | undefined {
  return ROUTE_KEYS.find((k) => ROUTES[k].channel === channel);
}

// ---- Type-level: KvscopeApi and the table agree, method by method. ----

type Group = Exclude<keyof KvscopeApi, 'onEvent' | 'onMenu'>;
/** `group.method` of every function in KvscopeApi's groups. */
type ApiMethods = { [G in Group]: `${G}.${Extract<keyof KvscopeApi[G], string>}` }[Group];
/** Members of window.kvscope that are not channels. */
type NotChannels = never;
type MethodAt<P> = P extends `${infer G extends Group}.${infer M}` ? (M extends keyof KvscopeApi[G] ? KvscopeApi[G][M] : never) : never;
type Zip<P extends readonly string[], A extends readonly unknown[]> = P extends readonly [infer H extends string, ...infer T extends readonly string[]]
  ? A extends readonly [infer AH, ...infer AT]
    ? { [K in H]: AH } & Zip<T, AT>
    : never
  : unknown;
type WireOf<Params extends readonly string[], Args extends readonly unknown[]> = Params extends readonly []
  ? undefined
  : Params extends readonly [string]
    ? Args[0]
    : Zip<Params, Args>;
/** never when route K matches its API method: the call's wire argument is accepted, the answer is what the method promises. */
type Mismatch<K extends RouteKey> = (typeof ROUTES)[K] extends { preload: true } ? never : GenericMismatch<K>;
type GenericMismatch<K extends RouteKey> =
  MethodAt<(typeof ROUTES)[K]['method']> extends (...args: infer A) => Promise<infer R>
    ? [WireOf<(typeof ROUTES)[K]['params'], A>] extends [z.input<Schemas[K]['arg']>]
      ? [ChannelResult<K>] extends [R]
        ? never
        : { channel: K; problem: 'result' }
      : { channel: K; problem: 'argument' }
    : { channel: K; problem: 'no such method' };
type Assert<T extends never> = T;
export type TableMatchesApi = Assert<{ [K in RouteKey]: Mismatch<K> }[RouteKey]>;
/** Every API method has a route. */
export type ApiCovered = Assert<Exclude<ApiMethods, (typeof ROUTES)[RouteKey]['method'] | NotChannels>>;
