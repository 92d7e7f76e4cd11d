/** What the answer card shows: the sweep's answer (src/present/answer.ts), once a report is there. Pure. */
import type { Report } from '@/contract/schemas';
import { answer } from '@/present/answer';

export function answerCard(report: Report | null): string[] {
  return report && report.points.length > 0 ? answer(report) : [];
}
