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
  /** Mean wait over the window (ms) from which new INVITEs are refused. */
  readonly enterAtMs: number;
  /** Mean wait under which they are taken again: below enterAtMs, so the edge does not flap. */
  readonly leaveAtMs: number;
  /** Samples averaged (the window is windowSamples × the caller's sampling interval). */
  readonly windowSamples: number;
  /** Retry-After of the 503, seconds. */
  readonly retryAfterS: number;
}

export const DEFAULT_OVERLOAD: OverloadSettings = { enterAtMs: 100, leaveAtMs: 25, windowSamples: 5, retryAfterS: 5 };

/** Why a new INVITE is refused now. */
export interface OverloadVerdict {
  readonly detail: string;
  readonly retryAfterS: number;
}

/** What the B2BUA asks before it admits a new call. */
export interface LoadGauge {
  /** undefined: take the call. */
  overload(): OverloadVerdict | undefined;
}

export class OverloadGuard implements LoadGauge {
  readonly #s: OverloadSettings;
  readonly #window: number[] = [];
  #sum = 0;
  #verdict: OverloadVerdict | undefined;
  /** Told when the edge starts or stops refusing (a log line, a gauge), with the mean wait. */
  onChange: ((overloaded: boolean, meanWaitMs: number) => void) | undefined;

  constructor(settings: OverloadSettings = DEFAULT_OVERLOAD) {
    if (!(settings.enterAtMs > 0) || !(settings.leaveAtMs >= 0 && settings.leaveAtMs < settings.enterAtMs)) {
      throw new RangeError(`overload thresholds: need 0 ≤ leaveAtMs < enterAtMs, got ${settings.leaveAtMs} and ${settings.enterAtMs}`);
    }
    if (!Number.isInteger(settings.windowSamples) || settings.windowSamples < 1) throw new RangeError(`overload window: need a whole number of samples ≥ 1, got ${settings.windowSamples}`);
    this.#s = settings;
  }

  /** One sample of how long SIP datagrams wait to be read now (ms). */
  sample(waitMs: number): void {
    const wait = Number.isFinite(waitMs) && waitMs > 0 ? waitMs : 0;
    this.#window.push(wait);
    this.#sum += wait;
    if (this.#window.length > this.#s.windowSamples) this.#sum -= this.#window.shift()!;
    const mean = this.#sum / this.#window.length;
    if (this.#verdict === undefined) {
      if (this.#window.length < this.#s.windowSamples || mean < this.#s.enterAtMs) return;
      this.#verdict = {
        detail: `SIP requests wait ${Math.round(mean)} ms to be read (mean of the last ${this.#s.windowSamples} samples; new calls are refused from ${this.#s.enterAtMs} ms)`,
        retryAfterS: this.#s.retryAfterS,
      };
      this.onChange?.(true, mean);
    } else if (mean < this.#s.leaveAtMs) {
      this.#verdict = undefined;
      this.onChange?.(false, mean);
    }
  }

  overload(): OverloadVerdict | undefined {
    return this.#verdict;
  }
}
