import { isIP } from 'node:net';
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import type { SipResolver } from '../../sip/index.js';
import type { Hop } from '../call/leg.js';

/**
 * The source addresses whose requests come from the carrier side. Entries are "ip", "ip:port"
 * or a host name (optionally "name:port") — a carrier configured as sip:carrier.example.com.
 * A name stands for its A/AAAA and its SIP SRV targets' (RFC 3263), resolved in the background
 * and kept until its DNS TTL runs out, then resolved again; a failed refresh keeps the last
 * answer. The hot path (`has`) is a Set lookup and never waits for DNS.
 */
export interface CarrierSourcesOptions {
  readonly resolver: SipResolver;
  readonly clock: Clock;
  readonly log: Logger;
  /** Bounds on the refresh interval, whatever the TTL says (default 5 s … 1 h; 60 s without TTL). */
  readonly minRefreshMs?: number;
  readonly maxRefreshMs?: number;
}

interface NamedSource {
  readonly host: string;
  readonly port: number | undefined;
  addresses: readonly string[];
  timer: TimerHandle | undefined;
  round: Promise<void>;
}

export class CarrierSources {
  readonly #o: CarrierSourcesOptions;
  readonly #fixed = new Set<string>();
  readonly #named: NamedSource[] = [];
  /** The fixed entries and every name's current addresses, as "ip" and "ip:port" keys. */
  #keys = new Set<string>();
  #closed = false;

  constructor(entries: readonly string[], options: CarrierSourcesOptions) {
    this.#o = options;
    for (const entry of entries) {
      const { host, port } = split(entry);
      if (isIP(host)) this.#fixed.add(port === undefined ? host : `${host}:${port}`);
      else if (host) this.#named.push({ host, port, addresses: [], timer: undefined, round: Promise.resolve() });
    }
    this.#rebuild();
    for (const n of this.#named) n.round = this.#resolve(n);
  }

  /** A request from `hop` comes from a carrier. */
  has(hop: Pick<Hop, 'address' | 'port'>): boolean {
    return this.#keys.has(hop.address) || this.#keys.has(`${hop.address}:${hop.port}`);
  }

  /** Resolves when every name's latest lookup (the first, or a refresh under way) has finished. */
  settled(): Promise<void> {
    return Promise.all(this.#named.map((n) => n.round)).then(() => undefined);
  }

  close(): void {
    this.#closed = true;
    for (const n of this.#named) n.timer?.cancel();
  }

  async #resolve(n: NamedSource): Promise<void> {
    let ttlMs: number | undefined;
    try {
      const found = await this.#o.resolver.peerAddresses(n.host);
      n.addresses = found.addresses;
      ttlMs = found.ttlMs;
      this.#rebuild();
    } catch (err) {
      this.#o.log.warn({ host: n.host, err: err instanceof Error ? err.message : String(err) }, `carrier ${n.host} does not resolve; its requests are recognised by the last addresses known`);
    }
    if (this.#closed) return;
    const min = this.#o.minRefreshMs ?? 5000;
    const max = this.#o.maxRefreshMs ?? 3_600_000;
    const wait = Math.min(max, Math.max(min, ttlMs ?? 60_000));
    n.timer = this.#o.clock.setTimer(wait, () => {
      n.round = this.#resolve(n);
    });
  }

  #rebuild(): void {
    const keys = new Set(this.#fixed);
    for (const n of this.#named) for (const a of n.addresses) keys.add(n.port === undefined ? a : `${a}:${n.port}`);
    this.#keys = keys;
  }
}

/** "host", "host:port", "[v6]:port" or "v6:port" (app/'s form) → its parts. */
function split(entry: string): { host: string; port: number | undefined } {
  const e = entry.trim();
  // An address as it stands ("::1:5060" included, which the old "ip:port" keys also wrote so).
  if (isIP(e)) return { host: e, port: undefined };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(e);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] ? Number(bracketed[2]) : undefined };
  const colon = e.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(e.slice(colon + 1))) return { host: e.slice(0, colon), port: Number(e.slice(colon + 1)) };
  return { host: e, port: undefined };
}
