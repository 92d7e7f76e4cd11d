/**
 * What the reports side of the API carries: a report with where it came from, the comparison's
 * rows and verdicts, history entries and export requests (re-exported by ./api.ts).
 */
import { z } from 'zod';
import { ReportSchema, type Report } from './schemas.js';

/** A report with where it came from (file, history entry, dropped file). */
export const OpenedReportSchema = z.object({
  source: z.enum(['file', 'history', 'dropped']),
  name: z.string(),
  path: z.string().nullable(),
  report: ReportSchema,
});
export type OpenedReport = { source: 'file' | 'history' | 'dropped'; name: string; path: string | null; report: Report };

/** Whether a report's step differs from the first report's: the ratio's 95% interval lies beyond 1 +/- the noise threshold. */
export const VerdictSchema = z.enum(['faster', 'slower', 'no significant difference']);
export type Verdict = z.infer<typeof VerdictSchema>;

/** A 95% interval, [low, high]. */
export const IntervalSchema = z.tuple([z.number(), z.number()]);

/** A point's change against the first report: the ratio's bootstrap interval and the verdict, or why there is none. */
export const ChangeSchema = z.union([
  z.object({
    /** Ratio of the medians of the kept raw samples (a report keeps the last 1,000 per point, so this can differ from the ratio of the medians over all runs). */
    ratio: z.number(),
    ratioCi95: IntervalSchema,
    verdict: VerdictSchema,
  }),
  z.object({ ratioCi95: z.null(), verdict: z.null(), why: z.string() }),
]);
export type Change = z.infer<typeof ChangeSchema>;

/** One row of `report:compare`: a point aligned across reports, ratios to the first. */
export const ComparedRowSchema = z.object({
  key: z.string(),
  /** Median step (ms) per report, null where that report has no measured point. */
  medians: z.array(z.number().nullable()),
  /** Each median's 95% interval, null where missing (reports migrated from version 1 have none). */
  ci95: z.array(IntervalSchema.nullable()),
  /** Each report's median / the first report's (null where either is missing). */
  ratios: z.array(z.number().nullable()),
  /** Per report: the change against the first (null for the first itself and where a point is missing). */
  changes: z.array(ChangeSchema.nullable()),
  /** Cache bytes per token per layer per report (analytic). */
  kvBytes: z.array(z.number().nullable()),
});
export type ComparedRow = z.infer<typeof ComparedRowSchema>;

/** One session kept in the app's data folder. */
export const HistoryEntrySchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  model: z.string(),
  provider: z.string(),
  machine: z.string(),
  points: z.number().int(),
  complete: z.boolean(),
  /** Why an incomplete run stopped (cancelled, failed: ..., engine crashed: ...). */
  incompleteReason: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const ExportFormatSchema = z.enum(['csv', 'html', 'png']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/=]+$/;
export const ExportRequestSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal('csv'), report: ReportSchema }),
  z.object({ format: z.literal('html'), reports: z.array(ReportSchema).min(1).max(16), title: z.string().max(300).optional() }),
  z.object({
    format: z.literal('png'),
    report: ReportSchema,
    chartId: z.string().regex(/^[a-z0-9-]{1,40}$/),
    dataUrl: z
      .string()
      .max(32 * 2 ** 20)
      .regex(PNG_DATA_URL),
  }),
]);
export type ExportRequest = z.input<typeof ExportRequestSchema>;
