import type { Clock } from '../../core/index.js';
import type { EdgeDirectory, TrunkView } from '../ports/directory.js';
import { matchPrefix } from './identify-trunk.js';

/**
 * Issue 11 item 4: every X-Trunkline-Call-Sid the edge sends must be found by GET
 * /v2/accounts/{account_sid}/calls/{call_sid}, so a refusal is tied to an account — by the
 * Request-URI domain (`{account_sid}.{sip_domain}` or a trunk's domain_name), else by the source
 * address: the account whose trunks whitelist it (longest prefix, and only when that prefix
 * belongs to one account: a range two accounts share names neither). A refusal tied to no
 * account carries no call sid. The SIP stack decides its headers synchronously, so the answer
 * comes from a snapshot of the platform's trunks, read again once older than `maxAgeMs`.
 */
export class AccountLocator {
  readonly #dir: Pick<EdgeDirectory, 'allTrunks' | 'accountSids'>;
  readonly #sipDomain: string;
  readonly #clock: Clock;
  readonly #maxAgeMs: number;
  #snapshot: { readonly at: number; readonly trunks: readonly TrunkView[]; readonly accounts: ReadonlyMap<string, string> } | undefined;
  #loading: Promise<void> | undefined;

  constructor(dir: Pick<EdgeDirectory, 'allTrunks' | 'accountSids'>, sipDomain: string, clock: Clock, maxAgeMs = 2000) {
    this.#dir = dir;
    this.#sipDomain = sipDomain.toLowerCase();
    this.#clock = clock;
    this.#maxAgeMs = maxAgeMs;
  }

  /** Reads the trunks again when the snapshot is missing or stale (one read at a time). */
  fresh(): Promise<void> {
    const s = this.#snapshot;
    if (s && this.#clock.monotonic() - s.at <= this.#maxAgeMs) return Promise.resolve();
    const dir = this.#dir;
    if (!dir.allTrunks) return Promise.resolve();
    this.#loading ??= Promise.all([dir.allTrunks(), dir.accountSids?.() ?? []]).then(
      ([trunks, accounts]) => {
        this.#snapshot = { at: this.#clock.monotonic(), trunks, accounts: new Map(accounts.map((a) => [a.toLowerCase(), a])) };
        this.#loading = undefined;
      },
      () => {
        this.#loading = undefined;
      },
    );
    return this.#loading;
  }

  /** At once, from the snapshot (refreshed in the background when stale): the account, or undefined. */
  locate(host: string | undefined, sourceIp: string): string | undefined {
    void this.fresh();
    const trunks = this.#snapshot?.trunks ?? [];
    const h = host?.toLowerCase();
    if (h) {
      const sid = h.endsWith(`.${this.#sipDomain}`) ? h.slice(0, -this.#sipDomain.length - 1) : undefined;
      const named = sid ? this.#snapshot?.accounts.get(sid) : undefined;
      if (named) return named;
      const byDomain = trunks.find((t) => t.domainName.toLowerCase() === h || `${t.accountSid.toLowerCase()}.${this.#sipDomain}` === h);
      if (byDomain) return byDomain.accountSid;
    }
    let best = -1;
    let accounts = new Set<string>();
    for (const t of trunks) {
      const bits = matchPrefix(sourceIp, t.whitelist);
      if (bits < 0 || bits < best) continue;
      if (bits > best) [best, accounts] = [bits, new Set()];
      accounts.add(t.accountSid);
    }
    return accounts.size === 1 ? [...accounts][0] : undefined;
  }

  /** After reading the trunks again if stale: the account, or undefined. */
  async locateFresh(host: string | undefined, sourceIp: string): Promise<string | undefined> {
    await this.fresh();
    return this.locate(host, sourceIp);
  }
}
