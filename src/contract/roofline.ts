/**
 * Points that beat their roofline: a graph read or computed faster than the probe did, so the
 * probe is a lower bound on this device and those efficiencies are upper bounds. Shared by the
 * CLI summary and the app (pure: no Node APIs).
 */
import type { Point } from './schemas.js';

/** Efficiency above which a point counts as beating its roofline (5% for timing noise). */
export const BEAT_ROOFLINE = 1.05;

export interface RooflineBeaten {
  count: number;
  /** The point with the highest efficiency, and that efficiency. */
  topId: string;
  topEfficiency: number;
  /** Fastest read any measured point achieved (GB/s), against the probe's figure. */
  fastestGBs: number;
  probeGBs: number;
}

export function rooflineBeaten(points: readonly Point[], probeGBs: number | null | undefined): RooflineBeaten | null {
  const measured = points.filter((p) => p.status === 'ok' && p.roofline);
  const over = measured.filter((p) => p.roofline!.efficiency > BEAT_ROOFLINE);
  if (over.length === 0 || !probeGBs) return null;
  const top = over.reduce((a, b) => (b.roofline!.efficiency > a.roofline!.efficiency ? b : a));
  return {
    count: over.length,
    topId: top.id,
    topEfficiency: top.roofline!.efficiency,
    fastestGBs: Math.max(...measured.map((p) => p.roofline!.achievedGBs)),
    probeGBs,
  };
}

export function rooflineBeatenText(b: RooflineBeaten): string {
  return (
    `${b.count} point(s) beat their roofline (up to ${(b.topEfficiency * 100).toFixed(0)}%, ${b.topId}): the graphs read up to ` +
    `${b.fastestGBs.toFixed(1)} GB/s where the probe read ${b.probeGBs.toFixed(1)} GB/s, so the probe underestimates ` +
    `this device and those efficiencies are upper bounds.`
  );
}
