/**
 * Charts out of view wait while a sweep runs. A redraw costs 10-15 ms of main-thread time
 * (chart.js layout and a software-rastered canvas here), and a chart nobody can see need not be
 * redrawn every few hundred ms while the engine measures beside it. A hidden chart's latest work
 * is parked: it runs when the chart scrolls into view, or when parking ends (the run is over),
 * so every chart shows the final figures. Pure: the scheduler hands in work and takes back what
 * may run now.
 */
export class ChartParking<K extends object = object> {
  #hidden = new WeakSet<K>();
  #parked = new Map<K, () => void>();

  /**
   * Whether `fn` (the latest work of chart `key`) was parked instead of run: the chart is out of
   * view and parking is on.
   */
  park(key: K, fn: () => void, parking: boolean): boolean {
    if (!parking || !this.#hidden.has(key)) return false;
    this.#parked.set(key, fn);
    return true;
  }

  /** The chart came into view or left it; returns its parked work to run now, if any. */
  setVisible(key: K, visible: boolean): (() => void) | null {
    if (!visible) {
      this.#hidden.add(key);
      return null;
    }
    this.#hidden.delete(key);
    return this.take(key);
  }

  /** Parked work of one chart (to run at once, e.g. before a PNG export), removed from the park. */
  take(key: K): (() => void) | null {
    const fn = this.#parked.get(key) ?? null;
    this.#parked.delete(key);
    return fn;
  }

  /** Parking ended: every parked chart's work, to be scheduled. */
  releaseAll(): [K, () => void][] {
    const all = [...this.#parked.entries()];
    this.#parked.clear();
    return all;
  }

  /** A chart went away: its parked work is dropped. */
  drop(key: K): void {
    this.#parked.delete(key);
  }

  get size(): number {
    return this.#parked.size;
  }
}
