/**
 * SPEC §3 "503 … overload — with Retry-After": when the edge takes in calls faster than it can
 * carry them, the INVITEs wait in the socket's receive queue, callers retransmit them (RFC 3261
 * Timer A), the retransmissions cost more work still, and calls fail by timeout all at once
 * (measured on the 2-core test box at 500 calls/s, just past what it carried that run: setup
 * p50 3 s and 44 % of the calls lost). Refusing new INVITEs early with 503 keeps the calls
 * already admitted, and the refused ones learn at once when to try again (RFC 3261 §21.5.4),
 * as RFC 7339 overload control asks a server to behave.
 *
 * The signal is how long SIP datagrams wait before the stack reads them (the endpoint's queue
 * probe), sampled by the caller: pure arithmetic here, tested without a loaded machine. How busy
 * the event loop is does not say it: at 450 calls/s it was busy 95 % of some half seconds while
 * requests waited under 50 ms.
 */
export interface OverloadSettings {
  /** Mean wait over the window (ms) at or above which a larger share of new INVITEs is refused. */
  readonly enterAtMs: number;
  /** Mean wait under which the refused share shrinks (between the two it holds). */
  readonly leaveAtMs: number;
  /** Samples averaged (the window is windowSamples × the caller's sampling interval). */
  readonly windowSamples: number;
  /** Retry-After of the 503, seconds. */
  readonly retryAfterS: number;
  /** How much the refused share grows per sample at or above enterAtMs, and shrinks per sample under leaveAtMs. */
  readonly raiseBy: number;
  readonly lowerBy: number;
  /**
   * After this many samples in a row under leaveAtMs the share shrinks by quietLowerBy a sample
   * instead: the queue has stayed empty long enough that the refusals are no longer needed.
   * Optional: without it the share always shrinks by lowerBy.
   */
  readonly quietAfter?: number;
  readonly quietLowerBy?: number;
}

/**
 * Chosen by edge-cps past capacity (1 000 and 1 200 calls/s, this 2-core box): a 0.2 s window,
 * +20 % a sample while the wait is ≥ 100 ms, −2 % a sample under 25 ms carried 7 081 and 7 010
 * calls of 15 000 and 18 000 (setup p99 420 and 588 ms); a 0.5 s window with +10 %/−5 % carried
 * 6 851 and 6 730 (p99 936 and 872 ms); from 200 ms (−2 % under 50) 8 967 and 8 276 (p99 612 and
 * 648 ms). 200 ms is well under T1 (500 ms), when callers start to retransmit, and refuses less
 * near capacity. The slow −2 % keeps the share near what a sustained overload needs, where the
 * wait swings around the thresholds. After a transient (2026-12-07, 300 calls/s on a serve ~60 %
 * busy: a 0.2 s spike as the step began refused 700–1 080 calls of 4 500 over 5–6 s of a drained
 * queue), 1 s of short waits in a row shrinks it −10 % a sample: from every call refused to none
 * in ~2 s.
 */
export const DEFAULT_OVERLOAD: OverloadSettings = { enterAtMs: 200, leaveAtMs: 50, windowSamples: 2, retryAfterS: 5, raiseBy: 0.2, lowerBy: 0.02, quietAfter: 10, quietLowerBy: 0.1 };

/** Why a new INVITE is refused now. */
export interface OverloadVerdict {
  readonly detail: string;
  readonly retryAfterS: number;
}

/** What the B2BUA asks before it admits a new call. */
export interface LoadGauge {
  /** undefined: take the call. Asked once per new INVITE. */
  overload(): OverloadVerdict | undefined;
}

/**
 * Not all or nothing: refusing every INVITE empties the queue at once, the edge takes them all
 * again, the queue fills — at 1 200 calls/s that carried 4 854 calls of 18 000 with serve at 81 %
 * of a core, against 7 010 with a share refused. The share refused grows while the mean wait is at or above
 * enterAtMs and shrinks under leaveAtMs (RFC 7339's "loss" algorithm, driven by the edge's own
 * queue), so the wait settles between the two with the core busy. Which INVITEs are refused is
 * spread evenly (an accumulator, not a coin: the same samples refuse the same calls).
 */
export class OverloadGuard implements LoadGauge {
  readonly #s: OverloadSettings;
  readonly #window: number[] = [];
  #sum = 0;
  #share = 0;
  #owed = 0;
  /** Samples in a row whose mean was under leaveAtMs. */
  #quiet = 0;
  #detail = '';
  /** Told when the edge starts refusing (share > 0) and when it stops (share back to 0), with the mean wait. */
  onChange: ((overloaded: boolean, meanWaitMs: number) => void) | undefined;

  constructor(settings: OverloadSettings = DEFAULT_OVERLOAD) {
    if (!(settings.enterAtMs > 0) || !(settings.leaveAtMs >= 0 && settings.leaveAtMs < settings.enterAtMs)) {
      throw new RangeError(`overload thresholds: need 0 ≤ leaveAtMs < enterAtMs, got ${settings.leaveAtMs} and ${settings.enterAtMs}`);
    }
    if (!Number.isInteger(settings.windowSamples) || settings.windowSamples < 1) throw new RangeError(`overload window: need a whole number of samples ≥ 1, got ${settings.windowSamples}`);
    if (!(settings.raiseBy > 0 && settings.raiseBy <= 1 && settings.lowerBy > 0 && settings.lowerBy <= 1)) throw new RangeError('overload steps: raiseBy and lowerBy must be in (0, 1]');
    if (settings.quietAfter !== undefined && !(Number.isInteger(settings.quietAfter) && settings.quietAfter >= 1 && (settings.quietLowerBy ?? 0) > 0 && (settings.quietLowerBy ?? 0) <= 1)) {
      throw new RangeError('overload quiet steps: quietAfter a whole number ≥ 1 and quietLowerBy in (0, 1]');
    }
    this.#s = settings;
  }

  /** The share of new INVITEs refused now (0–1). */
  get share(): number {
    return this.#share;
  }

  /** One sample of how long SIP datagrams wait to be read now (ms). */
  sample(waitMs: number): void {
    const wait = Number.isFinite(waitMs) && waitMs > 0 ? waitMs : 0;
    this.#window.push(wait);
    this.#sum += wait;
    if (this.#window.length > this.#s.windowSamples) this.#sum -= this.#window.shift()!;
    if (this.#window.length < this.#s.windowSamples) return;
    const mean = this.#sum / this.#window.length;
    const before = this.#share;
    this.#quiet = mean < this.#s.leaveAtMs ? this.#quiet + 1 : 0;
    if (mean >= this.#s.enterAtMs) this.#share = Math.min(1, before + this.#s.raiseBy);
    else if (mean < this.#s.leaveAtMs) {
      const quietLong = this.#s.quietAfter !== undefined && this.#quiet > this.#s.quietAfter;
      this.#share = Math.max(0, before - (quietLong ? this.#s.quietLowerBy! : this.#s.lowerBy));
    }
    if (this.#share > 0) {
      this.#detail = `SIP requests wait ${Math.round(mean)} ms to be read (mean of the last ${this.#s.windowSamples} samples; from ${this.#s.enterAtMs} ms a growing share of new calls is refused, now ${Math.round(this.#share * 100)} %)`;
    } else this.#owed = 0;
    if ((before === 0) !== (this.#share === 0)) this.onChange?.(this.#share > 0, mean);
  }

  overload(): OverloadVerdict | undefined {
    if (this.#share === 0) return undefined;
    this.#owed += this.#share;
    if (this.#owed < 1) return undefined;
    this.#owed -= 1;
    return { detail: this.#detail, retryAfterS: this.#s.retryAfterS };
  }
}
