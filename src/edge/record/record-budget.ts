/**
 * How many refusal records the edge writes per window: a host spraying garbage (or a spoofed
 * flood from many hosts) must not turn every datagram into a database row. Each source gets
 * `perSource` records a window, all sources together `total`; what is over budget is still
 * answered and logged as a count, just not stored.
 */
export interface RecordBudgetOptions {
  readonly windowMs: number;
  readonly perSource: number;
  readonly total: number;
  /** Tracked sources at most; past it, the oldest window's entries are forgotten early. */
  readonly maxSources?: number;
}

export const DEFAULT_REFUSAL_RECORD_BUDGET: RecordBudgetOptions = { windowMs: 10_000, perSource: 20, total: 200 };

export class RecordBudget {
  readonly #o: Required<RecordBudgetOptions>;
  #windowStart = Number.NEGATIVE_INFINITY;
  #total = 0;
  #bySource = new Map<string, number>();
  /** Refused records of the window that ended, for the log line that says what was not stored. */
  #suppressed = 0;

  constructor(options: RecordBudgetOptions = DEFAULT_REFUSAL_RECORD_BUDGET) {
    this.#o = { maxSources: 10_000, ...options };
  }

  /**
   * Whether a record from `source` fits the window of `nowMono`. The second value is the number of
   * records suppressed in the window that just ended (reported once, when a new window starts).
   */
  take(source: string, nowMono: number): { readonly allowed: boolean; readonly suppressedBefore: number } {
    let suppressedBefore = 0;
    if (nowMono - this.#windowStart >= this.#o.windowMs) {
      suppressedBefore = this.#suppressed;
      this.#windowStart = nowMono;
      this.#total = 0;
      this.#bySource = new Map();
      this.#suppressed = 0;
    }
    const used = this.#bySource.get(source) ?? 0;
    if (used >= this.#o.perSource || this.#total >= this.#o.total || (used === 0 && this.#bySource.size >= this.#o.maxSources)) {
      this.#suppressed++;
      return { allowed: false, suppressedBefore };
    }
    this.#bySource.set(source, used + 1);
    this.#total++;
    return { allowed: true, suppressedBefore };
  }
}
