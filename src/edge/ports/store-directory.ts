import type { ReadModel, TrunkView as StoreTrunkView } from '../../store/index.js';
import type { EdgeDirectory, NumberView, TrunkView } from './directory.js';

/**
 * The EdgeDirectory over the store's read model. Nothing is cached: each call reads the
 * current provisioning, so an API change applies to the next call (issue item 1).
 */
export class StoreDirectory implements EdgeDirectory {
  readonly #read: ReadModel;
  readonly #sipDomain: string;

  constructor(read: ReadModel, sipDomain: string) {
    this.#read = read;
    this.#sipDomain = sipDomain.toLowerCase();
  }

  async accountByDomain(host: string): Promise<string | undefined> {
    const h = host.toLowerCase();
    const dot = h.indexOf('.');
    if (dot <= 0) return undefined;
    const sid = h.slice(0, dot);
    const account = await this.#read.findAccountBySid(sid);
    if (!account) return undefined;
    if (h === `${sid}.${this.#sipDomain}`) return account.sid;
    // Any trunk's domain_name names its account too (a sip_domain changed since the trunk was made).
    const trunks = await this.#read.trunksOfAccount(account.sid);
    return trunks.some((t) => t.trunk.domain_name.toLowerCase() === h) ? account.sid : undefined;
  }

  async trunksOfAccount(accountSid: string): Promise<readonly TrunkView[]> {
    return (await this.#read.trunksOfAccount(accountSid)).map(toView);
  }

  async trunk(trunkSid: string): Promise<TrunkView | undefined> {
    const v = await this.#read.trunkBySid(trunkSid);
    return v ? toView(v) : undefined;
  }

  accountSids(): Promise<readonly string[]> {
    return this.#read.accountSids();
  }

  async allTrunks(): Promise<readonly TrunkView[]> {
    return (await this.#read.allTrunks()).map(toView);
  }

  async numberByE164(e164: string): Promise<NumberView | undefined> {
    const r = await this.#read.numberRoute(e164);
    if (!r) return undefined;
    if (r.kind === 'removed') return { e164, trunkSid: r.trunk_sid, accountSid: r.account_sid, status: 'inactive', removed: true, mode: null };
    return { e164, trunkSid: r.trunk_sid, accountSid: r.account_sid, status: r.status, removed: false, mode: r.mode };
  }
}

function toView(v: StoreTrunkView): TrunkView {
  const t = v.trunk;
  return {
    trunkSid: t.sid,
    accountSid: t.account_sid,
    name: t.trunk_name,
    domainName: t.domain_name,
    status: t.status,
    authMode: t.auth_mode,
    secureTrunking: t.secure_trunking === 'enabled',
    callsPerMinute: t.calls_per_minute,
    maxConcurrentCalls: t.max_concurrent_calls,
    failoverCodes: t.failover_codes,
    disasterRecoveryUri: t.disaster_recovery_uri,
    flowUri: t.flow_uri,
    whitelist: v.whitelisted.map((w) => `${w.ip}/${w.mask}`),
    credentials: v.credentials.map((c) => ({ username: c.user_name, ha1Md5: c.ha1_md5, ha1Sha256: c.ha1_sha256 })),
    destinations: v.destinations.map((d) => ({ uri: d.destination, priority: d.priority, weight: d.weight })),
    numbers: [],
    externalAlias: v.settings['trunk_external_alias'] ?? null,
    rtpTimeoutSeconds: v.settings['rtp_timeout'] === undefined ? null : Number(v.settings['rtp_timeout']),
    recordCalls: v.settings['record_calls'] === 'true',
    registrationEnabled: t.registration_enabled,
  };
}
