import type { Clock } from '../../core/index.js';

/** One decision of a fixed-window counter. */
export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Milliseconds until the window resets. */
  readonly resetMs: number;
}

/**
 * Shared counters as a port: in memory for one process, Redis when several edges or API
 * nodes run side by side and must share one budget per account.
 */
export interface RateCounter {
  hit(key: string, limit: number, windowMs: number): Promise<RateDecision>;
  close(): Promise<void>;
}

/** Fixed window per key, in this process. Old windows are dropped as keys are hit. */
export class MemoryRateCounter implements RateCounter {
  readonly #clock: Clock;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const now = this.#clock.now();
    const start = now - (now % windowMs);
    let w = this.#windows.get(key);
    if (!w || w.start !== start) {
      if (this.#windows.size > 100_000) this.#sweep(start);
      w = { start, count: 0 };
      this.#windows.set(key, w);
    }
    w.count += 1;
    return { allowed: w.count <= limit, limit, remaining: Math.max(0, limit - w.count), resetMs: start + windowMs - now };
  }

  #sweep(currentStart: number): void {
    for (const [k, w] of this.#windows) if (w.start < currentStart) this.#windows.delete(k);
  }

  async close(): Promise<void> {
    this.#windows.clear();
  }
}
