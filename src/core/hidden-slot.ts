/**
 * A value kept on an object under a symbol, non-enumerable: JSON.stringify, structured clones,
 * object spreads and deep-equality checks do not see it, so a copy of the object never carries
 * a stale one. Used where a WeakMap keyed by the object was the habit: on serve's per-message
 * path a WeakMap write cost ~0.7 µs plus ephemeron work at every scavenge, this ~0.2 µs and
 * nothing later (issue 13).
 */
export function setHidden(target: object, key: symbol, value: unknown): void {
  if (Object.prototype.hasOwnProperty.call(target, key)) (target as Record<symbol, unknown>)[key] = value;
  else Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

/** The value setHidden() kept on `target` under `key`, if any. */
export function getHidden<T>(target: object, key: symbol): T | undefined {
  return (target as Record<symbol, T | undefined>)[key];
}
