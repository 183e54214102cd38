import type { Clock, TimerHandle } from './clock.js';

/**
 * A clock whose long timers share one base timer per `granularityMs` slot (issue 13: the SIP
 * stack sets several per transaction — B, D, F, H, J, K at 32 s and 5 s — and nearly all are
 * cancelled unfired; one Node timer each was allocation and GC on the hot path). A long timer
 * fires at most `granularityMs` late and never early, which the RFC 3261 timeouts and
 * wait-for-retransmission timers allow (they are lower bounds, "at least"); timers shorter than
 * `fromMs` (the retransmission intervals A, E, G at T1…T2) stay exact on the base clock.
 */
export interface CoarseClockOptions {
  /** Timers of at least this many ms go to the shared slots. */
  readonly fromMs: number;
  readonly granularityMs: number;
}

class SlotTimer implements TimerHandle {
  fire: (() => void) | undefined;
  readonly #slot: Slot;

  constructor(slot: Slot, fire: () => void) {
    this.#slot = slot;
    this.fire = fire;
  }

  cancel(): void {
    if (this.fire === undefined) return;
    this.fire = undefined;
    this.#slot.cancelled();
  }
}

class Slot {
  readonly timers: SlotTimer[] = [];
  live = 0;
  handle: TimerHandle | undefined;
  /** Told when the last live timer of the slot is cancelled, so its base timer goes too. */
  onEmpty: (() => void) | undefined;

  cancelled(): void {
    if (--this.live === 0) this.onEmpty?.();
  }
}

export function coarseClock(base: Clock, options: CoarseClockOptions): Clock {
  const { fromMs, granularityMs } = options;
  if (!(granularityMs > 0 && fromMs >= granularityMs)) throw new RangeError(`coarse clock needs 0 < granularityMs <= fromMs (got ${granularityMs}/${fromMs})`);
  const slots = new Map<number, Slot>();
  const fireSlot = (key: number, slot: Slot): void => {
    slots.delete(key);
    for (const t of slot.timers) {
      const fire = t.fire;
      if (fire === undefined) continue;
      t.fire = undefined;
      fire();
    }
  };
  return {
    now: () => base.now(),
    monotonic: () => base.monotonic(),
    setTimer(ms: number, fire: () => void): TimerHandle {
      if (ms < fromMs) return base.setTimer(ms, fire);
      // The first slot boundary at or after the due time: late by less than one slot, never early.
      const now = base.monotonic();
      const key = Math.ceil((now + ms) / granularityMs);
      let slot = slots.get(key);
      if (slot === undefined) {
        const s = new Slot();
        slot = s;
        slots.set(key, s);
        s.handle = base.setTimer(key * granularityMs - now, () => fireSlot(key, s));
        s.onEmpty = () => {
          s.handle?.cancel();
          if (slots.get(key) === s) slots.delete(key);
        };
      }
      const timer = new SlotTimer(slot, fire);
      slot.timers.push(timer);
      slot.live++;
      return timer;
    },
  };
}
