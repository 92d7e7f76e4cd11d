/**
 * The sweep's time to go: each point's expected seconds from the probes (planner.ts
 * pointSeconds), corrected by how long the points measured so far took against their own
 * expectation. A machine twice as slow as its probes said doubles the rest; the long points at
 * the end weigh as much as they will take, not as the average of the short ones before them. Pure.
 */

/** The correction stays within these factors: one odd point must not swing the estimate by 100x. */
export const ETA_FACTOR_RANGE = { min: 0.1, max: 10 } as const;

export class EtaCorrector {
  readonly #predicted: readonly number[];
  #predictedDone = 0;
  #actualDone = 0;

  /** `predicted`: each point's expected seconds, in the order they run (0: will not run). */
  constructor(predicted: readonly number[]) {
    this.#predicted = predicted;
  }

  /** Point i took `seconds`. Points expected to take no time (not run) do not correct the others. */
  record(i: number, seconds: number): void {
    const p = this.#predicted[i] ?? 0;
    if (!(p > 0) || !Number.isFinite(seconds) || seconds < 0) return;
    this.#predictedDone += p;
    this.#actualDone += seconds;
  }

  /** Measured over expected, so far (1 before any point ran). */
  factor(): number {
    if (this.#predictedDone <= 0) return 1;
    return Math.min(ETA_FACTOR_RANGE.max, Math.max(ETA_FACTOR_RANGE.min, this.#actualDone / this.#predictedDone));
  }

  /** Seconds point i should take, corrected. */
  expected(i: number): number {
    return (this.#predicted[i] ?? 0) * this.factor();
  }

  /** Seconds from the start of point `from` to the end of the last one, corrected. */
  remaining(from: number): number {
    let sum = 0;
    for (let i = Math.max(0, from); i < this.#predicted.length; i++) sum += this.#predicted[i]!;
    return sum * this.factor();
  }
}
