/**
 * The roofline's one formula: the attainable time of a step from its bytes and FLOPs and a
 * probe's read and matmul rates, the ceilings a sweep is judged against, and the efficiency with
 * its interval built on them (pure: no Node APIs).
 */

/** A probe run's read and matmul rates. */
export interface Rates {
  bandwidthGBs: number;
  gflops: number;
}

/** The probe runs of a sweep: before its first point and, where they were repeated, after its last. */
export function probeRuns(probes: (Rates & { again?: Rates | undefined }) | null | undefined): Rates[] {
  if (!probes) return [];
  const before = { bandwidthGBs: probes.bandwidthGBs, gflops: probes.gflops };
  return probes.again ? [before, probes.again] : [before];
}

/**
 * The ceilings a sweep's points are judged against: the mean of its probe runs' rates. The
 * machine's rates move during a sweep (here 157 and 132 GFLOP/s before and after one 50 s sweep)
 * while a point's median covers its rounds spread over the sweep, so the mean of the runs on both
 * sides is the closer match to the time the points ran. Null without probes.
 */
export function ceilingsOf(probes: (Rates & { again?: Rates | undefined }) | null | undefined): Rates | null {
  const runs = probeRuns(probes);
  return runs.length === 0 ? null : meanRates(runs);
}

const meanRates = (runs: readonly Rates[]): Rates => ({
  bandwidthGBs: runs.reduce((a, r) => a + r.bandwidthGBs, 0) / runs.length,
  gflops: runs.reduce((a, r) => a + r.gflops, 0) / runs.length,
});

/** Attainable seconds of a step on the roofline: its bytes at the probe's read rate or its FLOPs at its matmul rate, whichever takes longer. */
export function attainableSeconds(work: { bytes: number; flops: number }, probe: { bandwidthGBs: number; gflops: number }): number {
  return Math.max(work.bytes / (probe.bandwidthGBs * 1e9), work.flops / (probe.gflops * 1e9));
}

/**
 * The efficiency's 95% interval: the step's interval against the attainable time of every probe
 * taken (before the sweep and, where it was repeated, after it), so both the step's and the
 * probes' spread are in it.
 */
export function efficiencyInterval(
  work: { bytes: number; flops: number },
  ci95Ms: readonly [number, number],
  probes: readonly { bandwidthGBs: number; gflops: number }[],
): [number, number] {
  const attainableMs = probes.map((p) => attainableSeconds(work, p) * 1000);
  return [Math.min(...attainableMs) / ci95Ms[1], Math.max(...attainableMs) / ci95Ms[0]];
}

/**
 * A timed step against the roofline of its probe runs: the attainable time and bound at the mean
 * ceilings (ceilingsOf), the efficiency (attainable / median) and its interval (efficiencyInterval).
 */
export function rooflineJudgement(
  work: { bytes: number; flops: number },
  medianMs: number,
  ci95Ms: readonly [number, number],
  runs: readonly Rates[],
): { attainableMs: number; bound: 'memory' | 'compute'; efficiency: number; efficiencyCi95: [number, number] } {
  const mean = meanRates(runs);
  const attainableMs = attainableSeconds(work, mean) * 1000;
  return {
    attainableMs,
    bound: work.bytes / mean.bandwidthGBs >= work.flops / mean.gflops ? 'memory' : 'compute',
    efficiency: attainableMs / medianMs,
    efficiencyCi95: efficiencyInterval(work, ci95Ms, runs),
  };
}
