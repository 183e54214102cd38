/**
 * Time as a port: state machines and rate limits take a Clock so tests drive them with a
 * fake one and never sleep.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds, for durations. */
  monotonic(): number;
  setTimer(ms: number, fire: () => void): TimerHandle;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(ms: number, fire: () => void): TimerHandle {
    const handle = setTimeout(fire, ms);
    // Timers must not keep a CLI or a test process alive on their own.
    handle.unref?.();
    return { cancel: () => clearTimeout(handle) };
  },
});

/** UTC ISO 8601 without fractions, as the API contract wants: 2026-01-23T09:24:59Z. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
