/**
 * The roofline's one formula: the attainable time of a step from its bytes and FLOPs and a
 * probe's read and matmul rates, and the efficiency interval built on it (pure: no Node APIs).
 */

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
