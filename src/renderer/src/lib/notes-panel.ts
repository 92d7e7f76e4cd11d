/**
 * The notes panel's model: the report's notes in the app's words (src/present/notes.ts, surface
 * 'app'), and the points whose graph nodes fell back to the CPU. Drift is said by the answer
 * card. Pure.
 */
import type { Point, Report } from '@/contract/schemas';
import { sweepNotes } from '@/present/notes';

export interface PanelNote {
  /** Also the note's test id: roofline-note, run-cost-note, interval-note, layers-note, placement-note. */
  kind: 'roofline' | 'interval' | 'run-cost' | 'layers' | 'placement';
  title: string;
  text: string;
}

const TITLES: Record<PanelNote['kind'], string> = {
  roofline: 'Faster than the probe',
  interval: 'At the roofline within noise',
  'run-cost': 'Short steps',
  layers: 'Layers per graph',
  placement: 'Ran on the CPU',
};

export function panelNotes(
  points: readonly Point[],
  probes: Report['probes'] | undefined,
  measuredLayers: number | null,
  provider: string | null,
): PanelNote[] {
  const notes: PanelNote[] = sweepNotes({ points: [...points], probes: probes ?? null, scaling: { measuredLayers, modelLayers: 0, note: '' } }, 'app')
    .filter((n) => n.kind !== 'drift')
    .map((n) => ({ kind: n.kind as PanelNote['kind'], title: TITLES[n.kind as PanelNote['kind']], text: n.text }));
  for (const p of points)
    if (p.placement && p.placement.fellBack.length > 0)
      notes.push({
        kind: 'placement',
        title: TITLES.placement,
        text: `${p.id}: ${p.placement.fellBack.join(', ')} ran on the CPU instead of ${provider ?? 'the chosen provider'}`,
      });
  return notes;
}
