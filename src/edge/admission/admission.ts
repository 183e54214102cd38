import { isTrunklineError, type Clock } from '../../core/index.js';
import type { CallSlots, SlotDecision, SlotRequest } from '../../store/index.js';
import { SlidingWindowLimiter } from './rate-limiter.js';

/**
 * The trunks' admission budget of one edge alone (no --redis): the sliding call-rate window
 * and a count of calls up per trunk, in this process. Several edges use the Redis slots
 * instead (store/counters/redis-call-slots), which count the same way across nodes.
 */
export class LocalCallSlots implements CallSlots {
  readonly #limiter: SlidingWindowLimiter;
  readonly #up = new Map<string, Set<string>>();

  constructor(clock: Clock) {
    this.#limiter = new SlidingWindowLimiter(clock);
  }

  async admit(r: SlotRequest): Promise<SlotDecision> {
    const up = this.#up.get(r.trunkSid);
    // Both limits are checked before either slot is taken: a call refused for concurrency does not use a rate slot.
    if (r.callsPerMinute !== null) {
      const rate = this.#limiter.peek(r.trunkSid, r.callsPerMinute);
      if (!rate.allowed) return { ok: false, limit: 'rate', retryAfter: rate.retryAfter ?? 1 };
    }
    if (r.maxConcurrent !== null && (up?.size ?? 0) >= r.maxConcurrent) return { ok: false, limit: 'concurrency', retryAfter: 5 };
    if (r.callsPerMinute !== null) this.#limiter.take(r.trunkSid, r.callsPerMinute);
    if (up) up.add(r.callSid);
    else this.#up.set(r.trunkSid, new Set([r.callSid]));
    return { ok: true };
  }

  async release(trunkSid: string, callSid: string): Promise<void> {
    const up = this.#up.get(trunkSid);
    if (!up) return;
    up.delete(callSid);
    if (up.size === 0) this.#up.delete(trunkSid);
  }
}

/**
 * Redis, the cluster's shared counters, did not answer (slots, rate, digest nonce counts): the
 * request is refused with 503 and Retry-After (edge.counters-unavailable) rather than admitted
 * uncounted — a limit a node cannot count across the cluster is not enforced by guessing.
 */
export function isCountersDown(err: unknown): boolean {
  return isTrunklineError(err) && err.code === 'STORE_COUNTER_UNAVAILABLE';
}
