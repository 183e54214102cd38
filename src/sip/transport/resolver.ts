import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { TrunklineError } from '../../core/index.js';
import type { SipTransportErrorCode } from './errors.js';
import type { TransportProtocol } from './transport.js';

/**
 * RFC 3263 §4: which transport, address and port to use for a SIP URI. NAPTR → SRV → A/AAAA,
 * with the shortcuts the RFC gives for numeric hosts, explicit ports and explicit transports.
 */
export interface ResolveInput {
  readonly host: string;
  readonly port?: number;
  /** The `transport` URI parameter, if any. */
  readonly transport?: string;
  /** A sips: URI (RFC 3263 §4.1: TLS only). */
  readonly secure?: boolean;
}

export interface ResolvedTarget {
  readonly protocol: TransportProtocol;
  readonly address: string;
  readonly port: number;
  /** The host name the certificate must carry (TLS, RFC 5922), when the URI had one. */
  readonly serverName?: string;
}

/** The DNS calls we use; node:dns/promises' Resolver has this shape, tests pass a fake. */
export interface DnsPort {
  resolveNaptr(name: string): Promise<{ flags: string; service: string; regexp: string; replacement: string; order: number; preference: number }[]>;
  resolveSrv(name: string): Promise<{ priority: number; weight: number; port: number; name: string }[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  /** A/AAAA with each record's TTL in seconds, when the DNS gives them (refreshing cached addresses). */
  resolveTtl?(name: string, family: 4 | 6): Promise<{ address: string; ttl: number }[]>;
}

/** Every address a host name stands for as a peer, and how long the answer may be kept. */
export interface PeerAddresses {
  readonly addresses: readonly string[];
  /** The lowest TTL among the address records (ms); undefined when the DNS gave none. */
  readonly ttlMs: number | undefined;
}

/**
 * The machine's DNS as a DnsPort. NAPTR and SRV come from the resolver; A/AAAA too, and when it
 * has none the system's getaddrinfo answers (names of /etc/hosts such as `localhost`, which a
 * DNS resolver never sees). `servers` points it at given DNS servers instead (then no fallback).
 */
export function systemDns(options: { readonly servers?: readonly string[]; readonly timeoutMs?: number } = {}): DnsPort {
  const r = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: 2 });
  const own = options.servers !== undefined && options.servers.length > 0;
  if (own) r.setServers([...options.servers!]);
  const hosts = async (name: string, family: 4 | 6) => (own ? [] : (await lookup(name, { family, all: true })).map((a) => a.address));
  return {
    resolveNaptr: (name) => r.resolveNaptr(name),
    resolveSrv: (name) => r.resolveSrv(name),
    resolve4: (name) => r.resolve4(name).catch(() => hosts(name, 4)),
    resolve6: (name) => r.resolve6(name).catch(() => hosts(name, 6)),
    resolveTtl: (name, family) => (family === 4 ? r.resolve4(name, { ttl: true }) : r.resolve6(name, { ttl: true })).catch(async () => (await hosts(name, family)).map((address) => ({ address, ttl: 0 }))),
  };
}

const NAPTR_SERVICE: Record<string, TransportProtocol> = { 'SIP+D2U': 'udp', 'SIP+D2T': 'tcp', 'SIPS+D2T': 'tls' };
const SRV_PREFIX: Record<TransportProtocol, string> = { udp: '_sip._udp.', tcp: '_sip._tcp.', tls: '_sips._tcp.' };
const DEFAULT_PORT = (p: TransportProtocol) => (p === 'tls' ? 5061 : 5060);

export class SipResolver {
  readonly #dns: DnsPort;
  readonly #random: () => number;

  constructor(dns: DnsPort = systemDns(), random: () => number = Math.random) {
    this.#dns = dns;
    this.#random = random;
  }

  /** Ordered targets to try in turn (RFC 3263 §4.3: fail over to the next on timeout or transport error). */
  async resolve(input: ResolveInput): Promise<readonly ResolvedTarget[]> {
    const host = input.host.replace(/^\[|\]$/g, '');
    const wanted = normaliseTransport(input.transport, input.secure);
    // RFC 3263 §4.1/§4.2: a numeric host needs no DNS; default transport UDP (TLS for sips).
    if (isIP(host)) {
      const protocol = wanted ?? (input.secure ? 'tls' : 'udp');
      return [{ protocol, address: host, port: input.port ?? DEFAULT_PORT(protocol) }];
    }
    // RFC 3263 §4.2: an explicit port means A/AAAA only.
    if (input.port !== undefined) {
      const protocol = wanted ?? (input.secure ? 'tls' : 'udp');
      return this.#addresses(host, input.port, protocol);
    }
    if (wanted) {
      const viaSrv = await this.#srv(host, wanted);
      return viaSrv.length ? viaSrv : this.#addresses(host, DEFAULT_PORT(wanted), wanted);
    }
    // RFC 3263 §4.1: NAPTR first.
    const naptr = (await this.#dns.resolveNaptr(host).catch(() => []))
      .filter((r) => r.flags.toLowerCase() === 's' && NAPTR_SERVICE[r.service.toUpperCase()] !== undefined)
      .filter((r) => !input.secure || NAPTR_SERVICE[r.service.toUpperCase()] === 'tls')
      .sort((a, b) => a.order - b.order || a.preference - b.preference);
    const out: ResolvedTarget[] = [];
    for (const r of naptr) out.push(...(await this.#srvRecords(r.replacement, NAPTR_SERVICE[r.service.toUpperCase()], host)));
    if (out.length) return out;
    // RFC 3263 §4.1: no NAPTR — SRV for each transport we support.
    for (const protocol of (input.secure ? ['tls'] : ['udp', 'tcp', 'tls']) as TransportProtocol[]) out.push(...(await this.#srv(host, protocol)));
    if (out.length) return out;
    const protocol: TransportProtocol = input.secure ? 'tls' : 'udp';
    return this.#addresses(host, DEFAULT_PORT(protocol), protocol);
  }

  /**
   * The addresses requests from `host` may come from (a carrier recognised by source): its own
   * A/AAAA and those of the targets of its SIP SRV records (UDP, TCP, TLS), as RFC 3263 would
   * send to them. Fails only when none of them resolves.
   */
  async peerAddresses(host: string): Promise<PeerAddresses> {
    const name = host.replace(/^\[|\]$/g, '');
    if (isIP(name)) return { addresses: [name], ttlMs: undefined };
    const srv = await Promise.all(Object.values(SRV_PREFIX).map((prefix) => this.#dns.resolveSrv(prefix + name).catch(() => [])));
    const names = [...new Set([name, ...srv.flat().map((r) => r.name)])];
    const found = await Promise.all(names.flatMap((n) => ([4, 6] as const).map((family) => this.#withTtl(n, family))));
    const records = found.flat();
    if (!records.length) throw new TrunklineError<SipTransportErrorCode>('SIP_RESOLVE_FAILED', `${name} and its SRV targets have no A or AAAA record`, { details: { host: name } });
    const ttls = records.map((r) => r.ttl).filter((t): t is number => t !== undefined && t > 0);
    return { addresses: [...new Set(records.map((r) => r.address))], ttlMs: ttls.length ? Math.min(...ttls) * 1000 : undefined };
  }

  async #withTtl(name: string, family: 4 | 6): Promise<{ address: string; ttl?: number }[]> {
    if (this.#dns.resolveTtl) return this.#dns.resolveTtl(name, family).catch(() => []);
    return (await (family === 4 ? this.#dns.resolve4(name) : this.#dns.resolve6(name)).catch(() => [])).map((address) => ({ address }));
  }

  #srv(host: string, protocol: TransportProtocol): Promise<ResolvedTarget[]> {
    return this.#srvRecords(SRV_PREFIX[protocol] + host, protocol, host);
  }

  async #srvRecords(name: string, protocol: TransportProtocol, serverName: string): Promise<ResolvedTarget[]> {
    const records = await this.#dns.resolveSrv(name).catch(() => []);
    const out: ResolvedTarget[] = [];
    for (const r of orderSrv(records, this.#random)) {
      const found = await this.#addresses(r.name, r.port, protocol, serverName).catch(() => []);
      out.push(...found);
    }
    return out;
  }

  async #addresses(host: string, port: number, protocol: TransportProtocol, serverName = host): Promise<ResolvedTarget[]> {
    const [v4, v6] = await Promise.all([this.#dns.resolve4(host).catch(() => []), this.#dns.resolve6(host).catch(() => [])]);
    const all = [...v4, ...v6];
    if (!all.length) throw new TrunklineError<SipTransportErrorCode>('SIP_RESOLVE_FAILED', `${host} has no A or AAAA record`, { details: { host } });
    return all.map((address) => ({ protocol, address, port, serverName }));
  }
}

function normaliseTransport(transport: string | undefined, secure: boolean | undefined): TransportProtocol | undefined {
  const t = transport?.toLowerCase();
  if (t === 'udp') return 'udp';
  if (t === 'tcp') return secure ? 'tls' : 'tcp';
  if (t === 'tls') return 'tls';
  return undefined;
}

/** RFC 2782: lowest priority first; within a priority, a weighted random order. */
export function orderSrv<T extends { priority: number; weight: number }>(records: readonly T[], random: () => number): T[] {
  const byPriority = new Map<number, T[]>();
  for (const r of records) byPriority.set(r.priority, [...(byPriority.get(r.priority) ?? []), r]);
  const out: T[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const pool = [...byPriority.get(priority)!].sort((a, b) => a.weight - b.weight);
    while (pool.length) {
      const total = pool.reduce((s, r) => s + r.weight, 0);
      let pick = random() * (total + 1);
      let index = pool.findIndex((r) => (pick -= r.weight) < 0 || r.weight === total);
      if (index < 0 || total === 0) index = 0;
      out.push(pool.splice(index, 1)[0]);
    }
  }
  return out;
}
