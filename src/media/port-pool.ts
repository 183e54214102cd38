import { TrunklineError } from '../core/index.js';
import type { MediaErrorCode } from './errors.js';

export interface PortRange {
  readonly lo: number;
  readonly hi: number;
}

export interface PortPoolStats {
  /** Even/odd pairs the range holds. */
  readonly capacity: number;
  readonly free: number;
  /** Pairs calls hold (not those opened ahead). */
  readonly inUse: number;
  /** Pairs found bound by another process; they go back to the end of the queue and are retried later. */
  readonly busyElsewhere: number;
  /** Pairs out of the pool, opened ahead of the calls that will take them (native engine); absent when none. */
  readonly ahead?: number;
}

/**
 * The RTP/RTCP port pairs of the relay's range (RFC 3550 §11: RTP on an even port, RTCP on the
 * next odd one). Freed pairs go to the back of a FIFO so a port is reused as late as possible and
 * stray packets of an ended call do not land in a new one.
 *
 * The FIFO starts at a random pair of the range, not at its low end (Asterisk's RTP engine does the
 * same): relays sharing a range on one host (two nodes, a bench beside a test run) would otherwise
 * all walk it from the same port and each skip the other's whole block before finding a free pair.
 */
export class PortPool {
  readonly range: PortRange;
  readonly #ring: Int32Array;
  #head = 0;
  #count = 0;
  readonly #inUse = new Set<number>();
  /** The part of #inUse taken ahead (takeAhead) and not adopted yet. */
  readonly #ahead = new Set<number>();
  #busyElsewhere = 0;

  /** `random` (in [0, 1)) picks the pair the FIFO starts at; tests pass `() => 0` for the low end. */
  constructor(range: PortRange, random: () => number = Math.random) {
    const lo = range.lo % 2 === 0 ? range.lo : range.lo + 1;
    if (!Number.isInteger(range.lo) || !Number.isInteger(range.hi) || range.lo < 1024 || range.hi > 65535 || lo + 1 > range.hi) {
      throw new TrunklineError<MediaErrorCode>('MEDIA_BAD_PORT_RANGE', `bad RTP port range ${range.lo}-${range.hi}`, { details: { ...range } });
    }
    this.range = { lo: range.lo, hi: range.hi };
    const pairs = Math.floor((range.hi - lo + 1) / 2);
    this.#ring = new Int32Array(pairs);
    const first = Math.min(pairs - 1, Math.floor(random() * pairs));
    for (let i = 0; i < pairs; i++) this.#ring[i] = lo + 2 * ((first + i) % pairs);
    this.#count = pairs;
  }

  get capacity(): number {
    return this.#ring.length;
  }

  /** Pairs in the FIFO now: how many one search may try before every free pair has been tried once. */
  get free(): number {
    return this.#count;
  }

  stats(): PortPoolStats {
    const inUse = this.#inUse.size - this.#ahead.size;
    return this.#ahead.size === 0
      ? { capacity: this.capacity, free: this.#count, inUse, busyElsewhere: this.#busyElsewhere }
      : { capacity: this.capacity, free: this.#count, inUse, busyElsewhere: this.#busyElsewhere, ahead: this.#ahead.size };
  }

  /** take() for a pair to be opened ahead of the call that will use it: out of the pool, counted apart until adopt(). */
  takeAhead(): number | undefined {
    const port = this.take();
    if (port !== undefined) this.#ahead.add(port);
    return port;
  }

  /** A pair taken ahead is now a call's. */
  adopt(port: number): void {
    this.#ahead.delete(port);
  }

  /** Takes the next free even port, or undefined when none is left. */
  take(): number | undefined {
    if (this.#count === 0) return undefined;
    const port = this.#ring[this.#head];
    this.#head = (this.#head + 1) % this.#ring.length;
    this.#count--;
    this.#inUse.add(port);
    return port;
  }

  /** Returns a pair; returning one that is not out is ignored, so a double close cannot corrupt the pool. */
  give(port: number, busyElsewhere = false): void {
    if (!this.#inUse.delete(port)) return;
    this.#ahead.delete(port);
    this.#ring[(this.#head + this.#count) % this.#ring.length] = port;
    this.#count++;
    if (busyElsewhere) this.#busyElsewhere++;
  }
}
