import type { Clock } from '../../core/index.js';

/**
 * Per-trunk call-rate limit (SPEC §1 calls_per_minute, 200 by default) as a sliding window:
 * a trunk may start `limit` calls in any 60 s span. Fixed windows let 2×limit through across
 * a boundary; the log of start times does not.
 */
export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until one slot frees up (RFC 3261 §20.33 Retry-After), when refused. */
  readonly retryAfter?: number;
}

export class SlidingWindowLimiter {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #starts = new Map<string, number[]>();

  constructor(clock: Clock, windowMs = 60_000) {
    this.#clock = clock;
    this.#windowMs = windowMs;
  }

  /** Counts the call when allowed; a refused attempt does not use a slot. */
  take(key: string, limit: number): RateDecision {
    const decision = this.peek(key, limit);
    if (decision.allowed) this.#starts.get(key)!.push(this.#clock.monotonic());
    return decision;
  }

  /** Whether a call would be allowed now, without counting it. */
  peek(key: string, limit: number): RateDecision {
    const now = this.#clock.monotonic();
    const log = this.#starts.get(key) ?? [];
    let drop = 0;
    while (drop < log.length && log[drop] <= now - this.#windowMs) drop++;
    if (drop) log.splice(0, drop);
    this.#starts.set(key, log);
    if (log.length >= limit) {
      const oldest = log[log.length - limit] ?? log[0];
      return { allowed: false, retryAfter: Math.max(1, Math.ceil((oldest + this.#windowMs - now) / 1000)) };
    }
    return { allowed: true };
  }

  /** Current count in the window, for metrics and tests. */
  count(key: string): number {
    const now = this.#clock.monotonic();
    return (this.#starts.get(key) ?? []).filter((t) => t > now - this.#windowMs).length;
  }
}
