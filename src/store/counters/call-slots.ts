/**
 * A trunk's admission budget as a port (SPEC §1 calls_per_minute, max_concurrent_calls): in
 * this process for one edge, in Redis when several edges serve the same trunks and must
 * count as one. `admit` takes a call-rate slot and a concurrent-call slot together or
 * neither; `release` gives the concurrent slot back when the call ends.
 */
export interface SlotRequest {
  readonly trunkSid: string;
  readonly callSid: string;
  /** Calls a trunk may start in any 60 s span; null: not limited (inbound calls). */
  readonly callsPerMinute: number | null;
  /** Calls a trunk may have up at once; null: not limited (the slot is still counted). */
  readonly maxConcurrent: number | null;
}

export type SlotDecision =
  | { readonly ok: true }
  /** Refused: which limit, and seconds until a slot frees up (RFC 3261 §20.33 Retry-After). */
  | { readonly ok: false; readonly limit: 'rate' | 'concurrency'; readonly retryAfter: number };

export interface CallSlots {
  admit(request: SlotRequest): Promise<SlotDecision>;
  release(trunkSid: string, callSid: string): Promise<void>;
}

/** A call-rate window of 60 s (SPEC §1: calls per minute). */
export const RATE_WINDOW_MS = 60_000;
