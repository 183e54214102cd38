import { ChurnMap, FRESH_AFTER_DELETES } from './churn-map.js';

/**
 * Results of a pure function of a string, kept for the keys seen last: past `max` keys the
 * oldest is dropped first, so a stream of distinct keys (a scan of numbers) costs a bounded
 * map and each key is still answered right. Results are shared by every caller of the same
 * key: they must not be mutated. On a ChurnMap: a memo of per-call keys (the SDP bodies) drops
 * one entry per new key, and on a plain Map each table it dropped once old kept the results it
 * held — every call's parsed SDP — alive until the next full GC (issue 13).
 */
export class BoundedMemo<V> {
  readonly #values: ChurnMap<string, V>;
  readonly #compute: (key: string) => V;
  readonly max: number;

  constructor(max: number, compute: (key: string) => V) {
    this.max = max;
    this.#compute = compute;
    this.#values = new ChurnMap<string, V>(Math.max(FRESH_AFTER_DELETES, max));
  }

  get(key: string): V {
    const known = this.#values.get(key);
    if (known !== undefined || this.#values.has(key)) return known as V;
    const value = this.#compute(key);
    this.remember(key, value);
    return value;
  }

  /** Keeps `value` as the result for `key`, known some other way than computing it (it must be what compute would give). */
  remember(key: string, value: V): void {
    if (!this.#values.has(key) && this.#values.size >= this.max) this.#values.delete(this.#values.keys().next().value as string);
    this.#values.set(key, value);
  }

  /** The result kept for `key`, no longer kept (undefined when none is): for a caller that will change it. */
  take(key: string): V | undefined {
    const known = this.#values.get(key);
    if (known !== undefined) this.#values.delete(key);
    return known;
  }

  /** How many results are kept now. */
  get size(): number {
    return this.#values.size;
  }
}
