import type { EdgeDirectory, NumberView, TrunkView } from '../../../src/edge/index.js';

/** An in-memory EdgeDirectory: tests change it between calls like the API changes the store. */
export class MemoryDirectory implements EdgeDirectory {
  sipDomain = 'pstn.localhost';
  readonly accounts = new Set<string>();
  readonly trunks = new Map<string, TrunkView>();
  readonly numbers = new Map<string, NumberView>();

  async accountByDomain(host: string): Promise<string | undefined> {
    const suffix = `.${this.sipDomain}`;
    if (host.endsWith(suffix)) {
      const sid = host.slice(0, -suffix.length);
      return this.accounts.has(sid) ? sid : undefined;
    }
    return [...this.trunks.values()].find((t) => t.domainName === host)?.accountSid;
  }

  async trunksOfAccount(accountSid: string): Promise<readonly TrunkView[]> {
    return [...this.trunks.values()].filter((t) => t.accountSid === accountSid);
  }

  async trunk(trunkSid: string): Promise<TrunkView | undefined> {
    return this.trunks.get(trunkSid);
  }

  async numberByE164(e164: string): Promise<NumberView | undefined> {
    return this.numbers.get(e164);
  }

  addTrunk(over: Partial<TrunkView> & { trunkSid: string; accountSid: string }): TrunkView {
    this.accounts.add(over.accountSid);
    const t: TrunkView = {
      name: 'pbx', domainName: `${over.accountSid}.${this.sipDomain}`, status: 'active', secureTrunking: false,
      callsPerMinute: 200, failoverCodes: [408, 500, 502, 503, 504], whitelist: [], credentials: [], destinations: [],
      numbers: [], ...over,
    };
    this.trunks.set(t.trunkSid, t);
    return t;
  }

  update(trunkSid: string, change: Partial<TrunkView>): void {
    this.trunks.set(trunkSid, { ...this.trunks.get(trunkSid)!, ...change });
  }
}
