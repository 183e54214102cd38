/**
 * RFC 3261 §17 timer values, all derived from T1, T2 and T4 (Table 4 of §A), so a test or an
 * operator changes three numbers and every timer follows.
 */
export interface TimerSettings {
  /** RTT estimate; RFC 3261 default 500 ms. */
  readonly T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses; default 4 s. */
  readonly T2: number;
  /** Maximum duration a message remains in the network; default 5 s. */
  readonly T4: number;
  /** Timer D over UDP; RFC 3261 §17.1.1.2 says "at least 32 seconds". */
  readonly D?: number;
}

export const RFC3261_TIMERS: TimerSettings = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

/** The RFC's timer letters; L and M come from RFC 6026 (the "Accepted" states). */
export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M';

export interface TimerDurations {
  readonly T1: number;
  readonly T2: number;
  readonly T4: number;
  /** INVITE request retransmit, initial interval (UDP only). */
  readonly A: number;
  /** INVITE transaction timeout. */
  readonly B: number;
  /** Wait time for response retransmits (client, INVITE). */
  readonly D: number;
  /** non-INVITE request retransmit, initial interval (UDP only). */
  readonly E: number;
  /** non-INVITE transaction timeout. */
  readonly F: number;
  /** INVITE response retransmit, initial interval (UDP only). */
  readonly G: number;
  /** Wait time for ACK receipt. */
  readonly H: number;
  /** Wait time for ACK retransmits. */
  readonly I: number;
  /** Wait time for non-INVITE request retransmits. */
  readonly J: number;
  /** Wait time for response retransmits (client, non-INVITE). */
  readonly K: number;
  /** RFC 6026 §8.7: wait time for accepted INVITE request retransmits (server). */
  readonly L: number;
  /** RFC 6026 §8.4: wait time for retransmission of 2xx to INVITE (client). */
  readonly M: number;
}

/** RFC 3261 Table 4: the values depend on whether the transport is reliable. */
export function timerDurations(settings: TimerSettings, reliable: boolean): TimerDurations {
  const { T1, T2, T4 } = settings;
  if (!(T1 > 0 && T2 >= T1 && T4 > 0)) throw new RangeError(`timer settings need 0 < T1 <= T2 and T4 > 0 (got ${T1}/${T2}/${T4})`);
  const sixtyFour = 64 * T1;
  return Object.freeze({
    T1, T2, T4,
    A: T1,
    B: sixtyFour,
    D: reliable ? 0 : (settings.D ?? Math.max(32_000, sixtyFour)),
    E: T1,
    F: sixtyFour,
    G: T1,
    H: sixtyFour,
    I: reliable ? 0 : T4,
    J: reliable ? 0 : sixtyFour,
    K: reliable ? 0 : T4,
    L: sixtyFour,
    M: sixtyFour,
  });
}
