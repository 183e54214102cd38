/**
 * A value kept on objects out of sight: JSON.stringify, structured clones, object spreads,
 * Object.getOwnPropertySymbols and deep-equality checks do not see it, so a copy of the object
 * never carries a stale one. Used where a WeakMap keyed by the object was the habit: on serve's
 * per-message path a WeakMap write cost ~0.7 µs plus ephemeron work at every scavenge.
 *
 * Each slot is a private field of a class of its own, installed on the target by a base class
 * whose constructor returns the target: V8 adds it as a private-symbol property (one map
 * transition, cached per shape), ~0.03 µs a write where Object.defineProperty of a
 * non-enumerable symbol was ~0.2 µs — and serve writes one for every SIP message (its wire
 * bytes) and every traced one (issue 13).
 */
export interface HiddenSlot<T> {
  /** The value set() kept on `target`, if any. */
  get(target: object): T | undefined;
  set(target: object, value: T): void;
}

export function hiddenSlot<T>(): HiddenSlot<T> {
  class Target {
    constructor(target: object) {
      return target;
    }
  }
  class Slot extends Target {
    #value: T | undefined;

    static get(target: object): T | undefined {
      return #value in target ? (target as Slot).#value : undefined;
    }

    static set(target: object, value: T): void {
      if (!(#value in target)) new Slot(target);
      (target as Slot).#value = value;
    }
  }
  return Slot;
}
