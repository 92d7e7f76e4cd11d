/**
 * Reports written by older kvscope versions, brought to the current schema on load. Each step
 * changes only what its version lacks and marks the report (`migratedFrom`), so every surface can
 * say "samples missing" instead of inventing them. Documented in docs/report-schema.md.
 */

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Version 1 -> 2: timings gain raw samples, the median's interval, robust spread, outliers, the
 * stopping reason, the noise verdict and the load (all unknown: null, noise []); rooflines gain
 * the efficiency's interval (null).
 */
function v1ToV2(r: Json): Json {
  const points = Array.isArray(r.points) ? r.points : [];
  return {
    ...r,
    version: 2,
    migratedFrom: typeof r.migratedFrom === 'number' ? r.migratedFrom : 1,
    points: points.map((p: unknown) => {
      if (!isObject(p)) return p;
      const out: Json = { ...p };
      if (isObject(p.timing))
        out.timing = {
          ci95Ms: null,
          iqrMs: null,
          madMs: null,
          outliers: null,
          samplesMs: null,
          rounds: null,
          stoppedBy: null,
          noisy: null,
          noise: [],
          load: null,
          ...p.timing,
        };
      if (isObject(p.roofline)) out.roofline = { efficiencyCi95: null, ...p.roofline };
      return out;
    }),
  };
}

const STEPS: Record<number, (r: Json) => Json> = { 1: v1ToV2 };

/** Applies every migration from the report's version up to `target`; other input is returned as it is. */
export function migrateReport(raw: unknown, target: number): unknown {
  if (!isObject(raw)) return raw;
  let r = raw;
  while (typeof r.version === 'number' && r.version < target) {
    const step = STEPS[r.version];
    if (!step) break;
    r = step(r);
  }
  return r;
}
