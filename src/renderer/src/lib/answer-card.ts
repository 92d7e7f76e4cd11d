/** What the answer card shows: the sweep's answer (src/present/answer.ts), once a report is there, and whether the machine's speed moved while it ran. Pure. */
import type { Report } from '@/contract/schemas';
import { answer } from '@/present/answer';
import { sweepDriftText } from '@/present/notes';

export function answerCard(report: Report | null): string[] {
  if (!report || report.points.length === 0) return [];
  const drift = sweepDriftText(report);
  return drift ? [...answer(report), drift] : answer(report);
}
