import { networkInterfaces } from 'node:os';
import { isWildcard, SourceAddresses } from './source-address.js';
import { TrunklineError } from '../../core/index.js';
import type { SipTransportErrorCode } from './errors.js';
import { familyOf, type Destination, type Transport, type TransportProtocol } from './transport.js';

/** The sent-by of a Via for a request leaving on some transport (RFC 3261 §18.1.1). */
export interface SentBy {
  readonly transport: 'UDP' | 'TCP' | 'TLS';
  readonly host: string;
  readonly port: number;
}

/** What the transaction layer needs from "the transports": send to a destination, and our Via. */
export interface TransportPort {
  send(bytes: Buffer, to: Destination): Promise<void>;
  isReliable(protocol: TransportProtocol): boolean;
  sentBy(to: Destination): SentBy;
  /** True when host:port is one of our own listening addresses (loop detection, RFC 3261 §16.3). */
  isLocal(host: string, port: number, protocol?: TransportProtocol): boolean;
}

export interface TransportSetOptions {
  /** Host for Via/Contact when a transport listens on a wildcard address (0.0.0.0 / ::): serve's --public-address. */
  readonly advertisedHost?: string;
  /** Without an advertised host: the address packets to each destination leave from (shared with the edge). */
  readonly sources?: SourceAddresses;
}

/** Every listening transport of the process; picks the one matching a destination's protocol and family. */
export class TransportSet implements TransportPort {
  readonly #transports: Transport[] = [];
  readonly #advertised: string | undefined;
  readonly #sources: SourceAddresses;

  constructor(transports: readonly Transport[] = [], options: TransportSetOptions = {}) {
    this.#transports.push(...transports);
    this.#advertised = options.advertisedHost;
    this.#sources = options.sources ?? new SourceAddresses();
  }

  add(transport: Transport): void {
    this.#transports.push(transport);
  }

  get transports(): readonly Transport[] {
    return this.#transports;
  }

  pick(protocol: TransportProtocol, address: string): Transport | undefined {
    const family = familyOf(address);
    return this.#transports.find((t) => t.protocol === protocol && t.local.family === family)
      // A dual-stack IPv6 listener also reaches IPv4 peers; not used by default, but harmless.
      ?? this.#transports.find((t) => t.protocol === protocol && t.local.address === '::' && family === 'IPv4');
  }

  send(bytes: Buffer, to: Destination): Promise<void> {
    const t = this.pick(to.protocol, to.address);
    if (!t) {
      return Promise.reject(new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_UNSUPPORTED', `no ${to.protocol.toUpperCase()} ${familyOf(to.address)} transport is listening to reach ${to.address}:${to.port}`, { details: { protocol: to.protocol, address: to.address } }));
    }
    return t.send(bytes, to);
  }

  isReliable(protocol: TransportProtocol): boolean {
    return protocol !== 'udp';
  }

  sentBy(to: Destination): SentBy {
    const t = this.pick(to.protocol, to.address);
    const transport = to.protocol.toUpperCase() as SentBy['transport'];
    if (!t) return { transport, host: this.#advertised ?? this.#sources.for(to.address), port: 5060 };
    return { transport, host: this.#hostOf(t.local.address, to.address), port: t.local.port };
  }

  /**
   * RFC 3261 §18.1.1: sent-by is where responses reach us: the public address when configured
   * (behind NAT), else the listener's own address; a wildcard is no address (a peer cannot send
   * to 0.0.0.0), so then the local address the request leaves from towards this destination.
   */
  #hostOf(address: string, remote: string): string {
    if (this.#advertised) return this.#advertised;
    return isWildcard(address) ? this.#sources.for(remote) : address;
  }

  isLocal(host: string, port: number, protocol?: TransportProtocol): boolean {
    const h = host.replace(/^\[|\]$/g, '').toLowerCase();
    return this.#transports.some((t) => (protocol === undefined || t.protocol === protocol) && t.local.port === port
      && (t.local.address === h || ((t.local.address === '0.0.0.0' || t.local.address === '::') && (h === this.#advertised || isOwnAddress(h)))));
  }

  async close(): Promise<void> {
    await Promise.all(this.#transports.map((t) => t.close()));
  }
}

function isOwnAddress(host: string): boolean {
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) if (i.address === host) return true;
  return false;
}
