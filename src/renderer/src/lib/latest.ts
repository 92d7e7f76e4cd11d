/**
 * "The newest request wins": the form re-plans on every edit, so answers can arrive out of order;
 * only the outcome of the call made last may reach the screen. Pure.
 */

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/** A call's outcome, or undefined when a newer call began before it settled (its value or error is dropped). */
export type Latest = <T>(work: () => T | Promise<T>) => Promise<Outcome<T> | undefined>;

/**
 * One sequence of requests. `work` runs at once, so a synchronous throw (a form error) is an
 * outcome like any other and also makes every call still in flight stale.
 */
export function latest(): Latest {
  let seq = 0;
  return async <T>(work: () => T | Promise<T>): Promise<Outcome<T> | undefined> => {
    const mine = ++seq;
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await work() };
    } catch (err) {
      outcome = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
    }
    return mine === seq ? outcome : undefined;
  };
}
