import type { Clock, TimerHandle } from '../../core/index.js';

/**
 * When an answered call's record is refreshed while the call is up (issue 7 item 4): every
 * `intervalMs`, and sooner after a media event (latch, flow, drop, timeout) — but never more
 * often than once per `minGapMs`, and never two refreshes at once. A burst of events folds into
 * one refresh, so the store sees a bounded number of writes per call, not one per packet.
 * `stop()` is final: no refresh starts after it (the call's final record owns the store then).
 */
export interface LiveRefreshOptions {
  readonly clock: Clock;
  readonly intervalMs: number;
  /** Smallest time between the starts of two refreshes (default intervalMs / 4). */
  readonly minGapMs?: number;
  /** One refresh; its failure is reported to onError and the schedule goes on. */
  readonly run: () => Promise<void>;
  readonly onError?: (err: unknown) => void;
}

export class LiveRefresh {
  readonly #o: LiveRefreshOptions;
  readonly #minGap: number;
  #timer: TimerHandle | undefined;
  /** Monotonic time the pending timer fires at. */
  #dueAt = Infinity;
  #lastStart = -Infinity;
  #running = false;
  /** A poke arrived during a run: one more refresh follows it. */
  #pending = false;
  #stopped = false;
  #runs = 0;

  constructor(options: LiveRefreshOptions) {
    this.#o = options;
    this.#minGap = Math.max(0, options.minGapMs ?? options.intervalMs / 4);
  }

  /** Refreshes done or under way. */
  get runs(): number {
    return this.#runs;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Starts the periodic refresh; the first one comes after one interval. */
  start(): void {
    if (this.#stopped || this.#timer || this.#running) return;
    this.#schedule(this.#o.intervalMs);
  }

  /** Something changed (a media event): refresh soon, within the throttle. */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#pending = true;
      return;
    }
    const now = this.#o.clock.monotonic();
    const wait = Math.max(0, this.#lastStart + this.#minGap - now);
    if (now + wait < this.#dueAt) this.#schedule(wait);
  }

  /** No refresh starts after this; one already under way finishes, and its caller must check whether it still may write. */
  stop(): void {
    this.#stopped = true;
    this.#pending = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#dueAt = Infinity;
  }

  #schedule(wait: number): void {
    this.#timer?.cancel();
    this.#dueAt = this.#o.clock.monotonic() + wait;
    this.#timer = this.#o.clock.setTimer(wait, () => this.#fire());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#dueAt = Infinity;
    if (this.#stopped) return;
    this.#running = true;
    this.#lastStart = this.#o.clock.monotonic();
    this.#runs++;
    let p: Promise<void>;
    try {
      p = this.#o.run();
    } catch (err) {
      p = Promise.reject(err);
    }
    void p.catch((err: unknown) => this.#o.onError?.(err)).finally(() => {
      this.#running = false;
      if (this.#stopped) return;
      if (this.#pending) {
        this.#pending = false;
        const wait = Math.max(0, this.#lastStart + this.#minGap - this.#o.clock.monotonic());
        return this.#schedule(wait);
      }
      this.#schedule(Math.max(0, this.#lastStart + this.#o.intervalMs - this.#o.clock.monotonic()));
    });
  }
}
