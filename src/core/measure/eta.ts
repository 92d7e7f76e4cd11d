/**
 * The sweep's time to go: each point's expected seconds from the probes (planner.ts
 * pointSeconds), corrected by how long the points measured so far took against their own
 * expectation. A machine twice as slow as its probes said doubles the rest; the long points at
 * the end weigh as much as they will take, not as the average of the short ones before them.
 * Every point is timed in several rounds (a fresh cache and session each, spread over the sweep's
 * later passes), each about as long as its first: those rounds are in the ETA from the start. Pure.
 */

/** The correction stays within these factors: one odd point must not swing the estimate by 100x. */
export const ETA_FACTOR_RANGE = { min: 0.1, max: 10 } as const;

export class EtaCorrector {
  readonly #predicted: readonly number[];
  readonly #rounds: number;
  readonly #tail: number;
  #predictedDone = 0;
  #actualDone = 0;
  /** Seconds of the later rounds the points measured so far still have. */
  #laterSeconds = 0;

  /**
   * `predicted`: each point's expected seconds for one round, in the order they run (0: will not
   * run); `rounds`: the rounds a point is expected to take (the point policy's minimum);
   * `tail`: seconds after the last point (the probes taken again).
   */
  constructor(predicted: readonly number[], rounds = 1, tail = 0) {
    this.#predicted = predicted;
    this.#rounds = Math.max(1, rounds);
    this.#tail = Math.max(0, tail);
  }

  /** Seconds after the last point's rounds. */
  get tail(): number {
    return this.#tail;
  }

  /**
   * Point i's first round took `seconds`; `laterRounds` more are to come (0: settled, or not
   * run). Points expected to take no time do not correct the others.
   */
  record(i: number, seconds: number, laterRounds = 0): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.#laterSeconds += seconds * Math.max(0, laterRounds);
    const p = this.#predicted[i] ?? 0;
    if (!(p > 0)) return;
    this.#predictedDone += p;
    this.#actualDone += seconds;
  }

  /** Measured over expected, so far (1 before any point ran). */
  factor(): number {
    if (this.#predictedDone <= 0) return 1;
    return Math.min(ETA_FACTOR_RANGE.max, Math.max(ETA_FACTOR_RANGE.min, this.#actualDone / this.#predictedDone));
  }

  /** Seconds point i's first round should take, corrected. */
  expected(i: number): number {
    return (this.#predicted[i] ?? 0) * this.factor();
  }

  /**
   * Seconds from the start of point `from` to the sweep's end: the first rounds from there on and
   * their later rounds (corrected), plus the later rounds of the points already measured, and the tail.
   */
  remaining(from: number): number {
    let sum = 0;
    for (let i = Math.max(0, from); i < this.#predicted.length; i++) sum += this.#predicted[i]!;
    return sum * this.factor() * this.#rounds + this.#laterSeconds + this.#tail;
  }
}
