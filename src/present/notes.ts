/**
 * Notes a report carries, in words: points that beat their roofline (a graph read or computed
 * faster than the probe did, so the probe is a lower bound on this device and those efficiencies
 * are upper bounds), efficiency intervals past 100%, steps dominated by the fixed run cost.
 * Shared by the CLI summary, the HTML report and the app (pure: no Node APIs).
 */
import type { Point, Report } from '@/contract/schemas.js';
import { ceilingsOf } from '@/contract/roofline.js';

/** Efficiency above which a point counts as beating its roofline (5% for timing noise). */
export const BEAT_ROOFLINE = 1.05;

export interface RooflineBeaten {
  count: number;
  /** The point with the highest efficiency, that efficiency and its bound. */
  topId: string;
  topEfficiency: number;
  bound: 'memory' | 'compute';
  /** Fastest rate of that bound any measured point achieved (GB/s or GFLOP/s), and the probe's. */
  fastest: number;
  probe: number;
}

export function rooflineBeaten(points: readonly Point[], probes: { bandwidthGBs: number; gflops: number } | null | undefined): RooflineBeaten | null {
  const measured = points.filter((p) => p.status === 'ok' && p.roofline);
  const over = measured.filter((p) => p.roofline!.efficiency > BEAT_ROOFLINE);
  if (over.length === 0 || !probes) return null;
  const top = over.reduce((a, b) => (b.roofline!.efficiency > a.roofline!.efficiency ? b : a));
  const bound = top.roofline!.bound;
  const sameBound = measured.filter((p) => p.roofline!.bound === bound);
  return {
    count: over.length,
    topId: top.id,
    topEfficiency: top.roofline!.efficiency,
    bound,
    fastest: Math.max(...sameBound.map((p) => (bound === 'memory' ? p.roofline!.achievedGBs : p.roofline!.achievedGflops))),
    probe: bound === 'memory' ? probes.bandwidthGBs : probes.gflops,
  };
}

export function rooflineBeatenText(b: RooflineBeaten): string {
  const [verb, unit, what] = b.bound === 'memory' ? ['read', 'GB/s', 'bandwidth'] : ['computed', 'GFLOP/s', 'matmul rate'];
  return (
    `${b.count} point(s) beat their roofline (up to ${(b.topEfficiency * 100).toFixed(0)}%, ${b.topId}): the graphs ${verb} up to ` +
    `${b.fastest.toFixed(1)} ${unit} where the probe ${verb} ${b.probe.toFixed(1)} ${unit}, so the probe underestimates ` +
    `this device's ${what} and those efficiencies are upper bounds.`
  );
}

/** Share of a step above which the fixed run cost is said to dominate it. */
export const RUN_COST_DOMINATES = 0.5;

export interface RunCostDominated {
  count: number;
  /** The longest context among those points, and the largest share seen. */
  upToContext: number;
  maxShare: number;
}

/** Decode points whose step is mostly what the same graph takes at T = 16 (the point's overheadMs). */
export function runCostDominated(points: readonly Point[]): RunCostDominated | null {
  const shares = points
    .filter((p) => p.status === 'ok' && p.mode === 'decode' && p.timing?.overheadMs != null && p.timing.medianMs > 0)
    .map((p) => ({ p, share: p.timing!.overheadMs! / p.timing!.medianMs }))
    .filter((x) => x.share > RUN_COST_DOMINATES);
  if (shares.length === 0) return null;
  return {
    count: shares.length,
    upToContext: Math.max(...shares.map((x) => x.p.context)),
    maxShare: Math.min(1, Math.max(...shares.map((x) => x.share))),
  };
}

/**
 * Where a note is read: the CLI (and the reports it writes) names its flags; the app names its
 * fields ("Measured layers") and says in plain words what the CLI's terms stand for.
 */
export type NoteSurface = 'cli' | 'app';

/** `layers`: the layers every graph held, or null where auto layers chose them per point. */
export function runCostDominatedText(r: RunCostDominated, layers: number | null, surface: NoteSurface = 'cli'): string {
  const head =
    `${r.count} decode point(s), up to ${r.upToContext} tokens, take mostly what the same graph takes at 16 cached tokens ` +
    `(up to ${(r.maxShare * 100).toFixed(0)}% of the step): `;
  if (surface === 'app')
    return (
      head +
      `a run's fixed cost plus work that does not grow with the context (for MLA, turning each query and each output through ` +
      `the model's fixed up-projection matrices instead of expanding the cache). There the step says little about how attention ` +
      `scales with context; where the run's fixed cost is most of it (a GPU), ` +
      (layers === null
        ? `more Measured layers spread that cost (left empty, the planner chose each point's layers: the Graph layers column and the Layers per graph note say where it stopped short).`
        : `raising Measured layers ${layers === 1 ? '' : `(now ${layers}) `}spreads that cost over more layers.`)
    );
  return (
    head +
    `a run's fixed cost plus work that does not grow with the context ` +
    `(MLA's W_UK/W_UV). There the step says little about how attention scales with context; where the run's fixed cost ` +
    `is most of it (a GPU), ` +
    (layers === null
      ? `more layers per graph divide it (auto chose each point's layers; its layers note says why it stopped; --layers N sets them).`
      : `${layers === 1 ? '--layers N' : `more --layers (now ${layers})`} divides that by N.`)
  );
}

/**
 * Points whose graph the planner gave more than one layer, or whose layers fell short of the run-cost
 * target (config.layers "auto": each such point carries layersNote): how many, the range, and one reason.
 */
export function autoLayersText(points: readonly Point[]): string | null {
  const chosen = points.filter((p) => p.layersNote);
  if (chosen.length === 0) return null;
  const counts = chosen.map((p) => p.layers ?? 1);
  const short = chosen.filter((p) => p.layersNote!.includes('short of'));
  const lo = Math.min(...counts);
  const hi = Math.max(...counts);
  return (
    `${chosen.length} point(s) hold ${lo === hi ? lo : `${lo}-${hi}`} identical layers per graph, chosen so the provider's fixed run cost ` +
    `is under 5% of the step (per-layer figures divide by them)` +
    (short.length > 0 ? `; ${short.length} fall short: ${short[0]!.id}: ${short[0]!.layersNote}` : `; e.g. ${chosen[0]!.id}: ${chosen[0]!.layersNote}`)
  );
}

/** Points whose efficiency interval (from the step's 95% interval) reaches past 100%: at or over the probe's roofline within noise. */
export function efficiencyCrossing(points: readonly Point[]): string[] {
  return points.filter((p) => p.status === 'ok' && p.roofline?.efficiencyCi95 && p.roofline.efficiencyCi95[1] > 1).map((p) => p.id);
}

export function efficiencyCrossingText(ids: readonly string[]): string {
  return (
    `${ids.length} point(s) have an efficiency interval that reaches past 100% (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''}): ` +
    `within their timing noise they run at or above the probe's roofline, so their efficiency says little beyond "near the limit".`
  );
}

/**
 * Spread of the reference reads within one sweep (fastest over slowest, minus 1) above which the
 * machine is said to have moved: wider than between two reports' probes (5%), since each
 * reference is one quick read (about 0.3 s) with noise of its own.
 */
export const SWEEP_DRIFT_NOTE = 0.1;

/**
 * Within one sweep: the reference read before each pass (report.passes) moved by more than 10%
 * from its fastest to its slowest, so rounds taken in the slow passes read slower for a reason
 * that is the machine's, and the points' intervals (built from their rounds) are wider for it.
 */
export function sweepDrift(r: Pick<Report, 'passes'>): { slowest: number; fastest: number; spread: number } | null {
  const rates = (r.passes ?? []).map((p) => p.referenceGBs);
  if (rates.length < 2) return null;
  const fastest = Math.max(...rates);
  const slowest = Math.min(...rates);
  const spread = fastest / slowest - 1;
  return spread > SWEEP_DRIFT_NOTE ? { slowest, fastest, spread } : null;
}

export function sweepDriftText(r: Pick<Report, 'passes'>): string | null {
  const d = sweepDrift(r);
  if (!d) return null;
  const list = (r.passes ?? []).map((p) => `${p.referenceGBs.toFixed(1)}`).join(', ');
  return (
    `The machine's speed moved ${(d.spread * 100).toFixed(0)}% while the sweep ran: the same reference read took ${list} GB/s ` +
    `before passes 1 to ${r.passes!.length}. Rounds taken in the slower passes read slower for that reason; the intervals include it.`
  );
}

/** The notes a report carries (CLI summary, HTML report, the app's notes panel): points that beat the probe, efficiency intervals past 100%, then short steps, then drift. */
export function reportNotes(r: Pick<Report, 'points' | 'probes' | 'scaling' | 'passes'>, surface: NoteSurface = 'cli'): string[] {
  return sweepNotes(r, surface).map((n) => n.text);
}

/** A note with what it is about (the app keys and labels them). */
export interface SweepNote {
  kind: 'roofline' | 'interval' | 'run-cost' | 'layers' | 'drift';
  text: string;
}

export function sweepNotes(r: Pick<Report, 'points' | 'probes' | 'scaling' | 'passes'>, surface: NoteSurface = 'cli'): SweepNote[] {
  const notes: SweepNote[] = [];
  const beaten = rooflineBeaten(
    r.points.filter((p) => p.mode === 'decode'),
    ceilingsOf(r.probes),
  );
  if (beaten) notes.push({ kind: 'roofline', text: rooflineBeatenText(beaten) });
  const crossing = efficiencyCrossing(r.points);
  if (crossing.length > 0) notes.push({ kind: 'interval', text: efficiencyCrossingText(crossing) });
  const runCost = runCostDominated(r.points);
  if (runCost) notes.push({ kind: 'run-cost', text: runCostDominatedText(runCost, r.scaling.measuredLayers, surface) });
  const stacked = autoLayersText(r.points);
  if (stacked) notes.push({ kind: 'layers', text: stacked });
  const drift = sweepDriftText(r);
  if (drift) notes.push({ kind: 'drift', text: drift });
  return notes;
}
