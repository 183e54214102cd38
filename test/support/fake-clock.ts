import type { Clock, TimerHandle } from '../../src/core/index.js';

/** A clock that moves only when a test says so; timers fire in due order during advance(). */
export class FakeClock implements Clock {
  #now: number;
  #mono = 0;
  #seq = 0;
  #timers = new Map<number, { due: number; fire: () => void }>();

  constructor(startMs = Date.UTC(2026, 0, 23, 9, 24, 59)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#mono;
  }

  setTimer(ms: number, fire: () => void): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { due: this.#mono + Math.max(0, ms), fire });
    return { cancel: () => void this.#timers.delete(id) };
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const target = this.#mono + ms;
    for (;;) {
      let nextId = -1;
      let nextDue = Infinity;
      for (const [id, t] of this.#timers) if (t.due <= target && t.due < nextDue) [nextId, nextDue] = [id, t.due];
      if (nextId < 0) break;
      const timer = this.#timers.get(nextId)!;
      this.#timers.delete(nextId);
      this.#now += timer.due - this.#mono;
      this.#mono = timer.due;
      timer.fire();
    }
    this.#now += target - this.#mono;
    this.#mono = target;
  }
}
