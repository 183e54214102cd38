import { channel } from 'node:diagnostics_channel';
import type { TrunklineError } from '../../core/index.js';

/**
 * The transport port of the SIP stack (RFC 3261 §18). A transport moves whole SIP messages as
 * bytes: datagram transports deliver one message per datagram, stream transports frame the
 * byte stream by Content-Length (§18.3). Parsing happens above, in the transaction layer.
 */
export type TransportProtocol = 'udp' | 'tcp' | 'tls';

export interface SocketAddress {
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

/** Where to send: a host and port, and for stream transports optionally the connection to reuse. */
export interface Destination {
  readonly protocol: TransportProtocol;
  readonly address: string;
  readonly port: number;
  /** RFC 3261 §18.2.2: a response goes back over the connection its request came on. */
  readonly connectionId?: string;
  /** TLS: the name to verify the peer's certificate against (RFC 5922). */
  readonly serverName?: string;
}

export interface InboundMessage {
  readonly bytes: Buffer;
  readonly protocol: TransportProtocol;
  readonly remote: SocketAddress;
  readonly local: SocketAddress;
  readonly connectionId?: string;
  /**
   * Set when a stream could not be framed (the framer's SIP_PARSE_* error, with the partial head
   * in its details): the layer above answers 400 / 513 if it can; the connection then closes.
   */
  readonly fault?: TrunklineError;
}

export type TransportLimit = 'message_size' | 'header_count' | 'connections_per_source' | 'connections_total' | 'idle_timeout';

/** Events a transport reports through its tiny callback; app/ turns them into log lines. */
export type TransportEvent =
  | { readonly type: 'limit'; readonly limit: TransportLimit; readonly protocol: TransportProtocol; readonly remote: SocketAddress; readonly detail: string }
  | { readonly type: 'framing'; readonly protocol: TransportProtocol; readonly remote: SocketAddress; readonly detail: string }
  | { readonly type: 'error'; readonly protocol: TransportProtocol; readonly detail: string; readonly remote?: SocketAddress }
  | { readonly type: 'connection'; readonly state: 'open' | 'closed'; readonly protocol: TransportProtocol; readonly remote: SocketAddress; readonly connectionId: string };

export interface TransportHandlers {
  onMessage(message: InboundMessage): void;
  onEvent?(event: TransportEvent): void;
  /**
   * Every message in (before parsing) and out (once handed to the OS), retransmissions included.
   * Read at each message, so the owner of the handlers can attach one after listening (serve --hep);
   * while it is unset and `trunkline:sip:message` has no subscriber, no event is even built.
   */
  tap?: ((event: SipMessageEvent) => void) | undefined;
  /**
   * A UDP datagram opening with a NUL byte, which no SIP message does (RFC 3261 §7: a request
   * opens with its method token, a response with SIP-Version): the endpoint's queue-delay probe
   * (sip/endpoint/queue-probe.ts) sends such datagrams to its own sockets. True: it was one of
   * them, and it goes no further; anything else goes on to onMessage like any datagram.
   */
  onProbe?(bytes: Buffer): boolean;
}

export interface TransportLimits {
  /** RFC 3261 §18.1.1 / issue: 64 KiB; anything larger is refused (513 where we can answer). */
  readonly maxMessageBytes: number;
  /** Header lines in one message. */
  readonly maxHeaders: number;
  /** Open stream connections from one source address. */
  readonly maxConnectionsPerSource: number;
  /** Open stream connections in all. */
  readonly maxConnections: number;
  /** A stream connection with no traffic for this long is closed. */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = Object.freeze({
  maxMessageBytes: 65_536,
  maxHeaders: 256,
  maxConnectionsPerSource: 64,
  maxConnections: 4096,
  idleTimeoutMs: 300_000,
});

export interface Transport {
  readonly protocol: TransportProtocol;
  /** RFC 3261 §17.1.1.2: retransmissions happen only over unreliable transports. */
  readonly reliable: boolean;
  readonly local: SocketAddress;
  /** Resolves once the bytes were handed to the OS; rejects with a SIP_TRANSPORT_* error. */
  send(bytes: Buffer, to: Destination): Promise<void>;
  close(): Promise<void>;
}

/** What `trunkline:sip:message` and a transport's tap carry (CONVENTIONS §10). */
export interface SipMessageEvent {
  readonly direction: 'in' | 'out';
  readonly protocol: TransportProtocol;
  readonly local: SocketAddress;
  readonly remote: SocketAddress;
  readonly bytes: Buffer;
  readonly at: number;
}

export const sipMessageChannel = channel('trunkline:sip:message');

/** True when someone listens: the transports build the event only then. */
export function tapped(handlers: TransportHandlers): boolean {
  return handlers.tap !== undefined || sipMessageChannel.hasSubscribers;
}

export function publishMessage(handlers: TransportHandlers, event: SipMessageEvent): void {
  handlers.tap?.(event);
  if (sipMessageChannel.hasSubscribers) sipMessageChannel.publish(event);
}

export function familyOf(address: string): 'IPv4' | 'IPv6' {
  return address.includes(':') ? 'IPv6' : 'IPv4';
}

/** Node reports IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d; SIP wants a.b.c.d. */
export function socketAddress(address: string | undefined, port: number | undefined): SocketAddress {
  const a = (address ?? '').startsWith('::ffff:') && (address ?? '').includes('.') ? (address ?? '').slice(7) : (address ?? '');
  return { address: a, port: port ?? 0, family: familyOf(a) };
}

/**
 * Cheap header-line count of a message head (up to the blank line), so that a datagram with
 * thousands of headers is refused before anything parses it.
 */
export function countHeaderLines(bytes: Buffer, limit: number): number {
  let lines = 0;
  for (let i = 0; i < bytes.length - 1; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10) {
      if (i + 3 < bytes.length && bytes[i + 2] === 13 && bytes[i + 3] === 10) return lines;
      // A folded continuation line (RFC 3261 §7.3.1) is not a new header.
      if (bytes[i + 2] !== 32 && bytes[i + 2] !== 9) lines++;
      if (lines > limit) return lines;
    }
  }
  return lines;
}
