import type { Clock } from '../../core/index.js';
import type { EdgeDirectory, NumberView, TrunkView } from './directory.js';

const MAX_ENTRIES = 10_000;

/**
 * An EdgeDirectory that keeps the lookups of another (issue 13: the ACL, account and number
 * lookups were ~8 store queries per call). Sound only where every provisioning write of the
 * store passes through this process and tells it (serve on SQLite: `invalidate()` on each write,
 * see ProvisioningWatch), so an API change still applies to the next call. `maxAgeMs` bounds
 * what a writer it is not told of (another process on the same SQLite file) can leave stale.
 * Entries are the lookups' promises: calls arriving together share one query.
 */
export class CachedDirectory implements EdgeDirectory {
  readonly #inner: EdgeDirectory;
  readonly #clock: Clock;
  readonly #maxAgeMs: number;
  #entries = new Map<string, { readonly at: number; readonly value: Promise<unknown> }>();
  /** Passed through: the account locator that uses them keeps its own copy. */
  readonly allTrunks?: () => Promise<readonly TrunkView[]>;
  readonly accountSids?: () => Promise<readonly string[]>;

  constructor(inner: EdgeDirectory, clock: Clock, maxAgeMs = 1000) {
    this.#inner = inner;
    this.#clock = clock;
    this.#maxAgeMs = maxAgeMs;
    if (inner.allTrunks) this.allTrunks = () => inner.allTrunks!();
    if (inner.accountSids) this.accountSids = () => inner.accountSids!();
  }

  /** Drops every lookup: the next call reads the store again. */
  invalidate(): void {
    if (this.#entries.size > 0) this.#entries = new Map();
  }

  #get<T>(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.#clock.monotonic();
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < this.#maxAgeMs) return hit.value as Promise<T>;
    // Numbers dialled at random (a scanner) must not grow it without bound.
    if (this.#entries.size >= MAX_ENTRIES) this.#entries = new Map();
    const entries = this.#entries;
    const value = read();
    entries.set(key, { at: now, value });
    // A failed lookup is not kept: the next call asks the store again.
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    return value;
  }

  accountByDomain(host: string): Promise<string | undefined> {
    return this.#get(`d:${host}`, () => this.#inner.accountByDomain(host));
  }

  trunksOfAccount(accountSid: string): Promise<readonly TrunkView[]> {
    return this.#get(`a:${accountSid}`, () => this.#inner.trunksOfAccount(accountSid));
  }

  trunk(trunkSid: string): Promise<TrunkView | undefined> {
    return this.#get(`t:${trunkSid}`, () => this.#inner.trunk(trunkSid));
  }

  numberByE164(e164: string): Promise<NumberView | undefined> {
    return this.#get(`n:${e164}`, () => this.#inner.numberByE164(e164));
  }

}
