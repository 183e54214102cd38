import type { Clock, TimerHandle } from '../../core/index.js';

/** What waits in a LingerQueue: told its due time came, with the due time it was added for. */
export interface Lingering {
  lingerExpired(due: number): void;
}

/**
 * The wait timers a transaction runs once it has nothing left to do but absorb retransmissions
 * (D, I, J, K, L, M: RFC 3261 §17, RFC 6026) are of a handful of fixed lengths, so the
 * transactions waiting for one length expire in the order they started it: one FIFO per length,
 * with one clock timer for its head. A clock timer per transaction (handle, closure, context,
 * the runner's record of it) was ~200 of the ~1 000 bytes a lingering transaction held for 32 s
 * at a time (issue 13; bench/tx-linger-heap).
 *
 * Cancelling is the waiter's business: it compares the due time it is told with the one it
 * kept, and ignores an expiry it no longer wants. The queue holds each waiter until its due time
 * even if it was cancelled; the waiters are the transactions, which linger that long anyway.
 */
export class LingerQueue {
  readonly #clock: Clock;
  readonly #granularityMs: number;
  readonly #fifos = new Map<number, Fifo>();

  /**
   * `granularityMs`: a head's clock timer is rounded up to a multiple of it, so that waiters
   * due close together expire together (late by less than that, never early); 0 for exact.
   */
  constructor(clock: Clock, granularityMs = 0) {
    this.#clock = clock;
    this.#granularityMs = granularityMs;
  }

  /** Queues `item` to expire in `ms`; returns the due time it will be told (monotonic ms). */
  add(item: Lingering, ms: number): number {
    let fifo = this.#fifos.get(ms);
    if (fifo === undefined) {
      fifo = new Fifo(this.#clock, this.#granularityMs);
      this.#fifos.set(ms, fifo);
    }
    // A whole ms, which V8 keeps in the waiter's field as is; a fraction would be a heap number of its own.
    return fifo.push(item, Math.ceil(this.#clock.monotonic() + ms));
  }

  /** Waiters queued, cancelled ones included (for tests and gauges). */
  get size(): number {
    let n = 0;
    for (const f of this.#fifos.values()) n += f.size;
    return n;
  }
}

/** A ring of (waiter, due) in due order, growing by doubling. */
class Fifo {
  readonly #clock: Clock;
  readonly #granularityMs: number;
  #items: (Lingering | undefined)[] = new Array<Lingering | undefined>(64).fill(undefined);
  #dues = new Float64Array(64);
  #head = 0;
  #count = 0;
  #timer: TimerHandle | undefined;
  /** The due time the clock timer was set for. */
  #timerDue = 0;
  /** True while expired waiters are told: one that queues again must not arm the timer past the head. */
  #expiring = false;

  constructor(clock: Clock, granularityMs: number) {
    this.#clock = clock;
    this.#granularityMs = granularityMs;
  }

  get size(): number {
    return this.#count;
  }

  push(item: Lingering, due: number): number {
    if (this.#count === this.#items.length) this.#grow();
    const cap = this.#items.length;
    // A clock that went back a little (it is monotonic, but a test's may be set): keep the order.
    const last = this.#count === 0 ? -Infinity : this.#dues[(this.#head + this.#count - 1) % cap];
    const at = due < last ? last : due;
    const slot = (this.#head + this.#count) % cap;
    this.#items[slot] = item;
    this.#dues[slot] = at;
    this.#count++;
    if (this.#timer === undefined && !this.#expiring) this.#arm(at);
    return at;
  }

  #grow(): void {
    const cap = this.#items.length;
    const items = new Array<Lingering | undefined>(cap * 2).fill(undefined);
    const dues = new Float64Array(cap * 2);
    for (let i = 0; i < this.#count; i++) {
      const from = (this.#head + i) % cap;
      items[i] = this.#items[from];
      dues[i] = this.#dues[from];
    }
    // The old ring is dropped; emptied first, so that it keeps no waiter alive should it stay
    // around in the old generation until the next full GC (see core/churn-map.ts).
    this.#items.fill(undefined);
    this.#items = items;
    this.#dues = dues;
    this.#head = 0;
  }

  #arm(due: number): void {
    this.#timerDue = due;
    const g = this.#granularityMs;
    const wait = Math.max(0, due - this.#clock.monotonic());
    this.#timer = this.#clock.setTimer(g > 0 ? Math.ceil(wait / g) * g : wait, () => this.#expire());
  }

  #expire(): void {
    this.#timer = undefined;
    // Never early: a clock timer may fire a hair before its due time by the monotonic clock.
    const now = Math.max(this.#clock.monotonic(), this.#timerDue);
    this.#expiring = true;
    try {
      while (this.#count > 0) {
        const due = this.#dues[this.#head];
        if (due > now) break;
        const item = this.#items[this.#head]!;
        this.#items[this.#head] = undefined;
        this.#head = (this.#head + 1) % this.#items.length;
        this.#count--;
        item.lingerExpired(due);
      }
    } finally {
      this.#expiring = false;
      if (this.#count > 0) this.#arm(this.#dues[this.#head]);
    }
  }
}
