import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { BoundedMemo, TrunklineError } from '../../core/index.js';
import type { SipTransportErrorCode } from './errors.js';
import { NativeUdpSender } from './native-udp-sender.js';
import {
  countHeaderLines, DEFAULT_TRANSPORT_LIMITS, familyOf, publishMessage, socketAddress, tapped,
  type Destination, type SocketAddress, type Transport, type TransportHandlers, type TransportLimits,
} from './transport.js';

const UDP_SOCKET_BUFFER = 4 * 1024 * 1024;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * dgram resolves every send's address through dns.lookup, which defers even an IP literal to the
 * next tick; nearly every SIP send here goes to a literal (the RFC 3263 resolver ran before), so
 * answer those at once and leave names to the system resolver. dgram passes the socket's family
 * (4 or 6) as `options`.
 */
function literalFirstLookup(hostname: string, options: unknown, callback: LookupCallback): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  dnsLookup(hostname, { family: typeof options === 'number' ? options : 0 }, (err, address, fam) => callback(err, address, fam));
}

export interface UdpTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly handlers: TransportHandlers;
  readonly limits?: Partial<TransportLimits>;
  /** Default true: sends go through the native addon's thread when it is built (NativeUdpSender), else dgram. */
  readonly sendThread?: boolean;
}

/** How a UDP transport sends: on the addon's thread, or with dgram on the SIP thread (and why). */
export type UdpSendPath = { readonly path: 'thread' } | { readonly path: 'dgram'; readonly reason: string };

/** RFC 3261 §18.1.1/§18.2.1 over UDP: one message per datagram, unreliable. */
export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly #socket: Socket;
  readonly #handlers: TransportHandlers;
  readonly #limits: TransportLimits;
  #local: SocketAddress;
  #closed = false;
  #sender: NativeUdpSender | undefined;
  /** Why sends go through dgram, when #sender is undefined. */
  #noSender = 'not asked for';
  /**
   * Each datagram's source address as one string per peer: dgram makes a new one per datagram,
   * and what a call keeps (a lingering transaction's response destination, for 32 s) kept its own.
   */
  readonly #addresses = new BoundedMemo<string>(4096, (address) => socketAddress(address, 0).address);

  private constructor(socket: Socket, handlers: TransportHandlers, limits: TransportLimits) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.#limits = limits;
    const a = socket.address();
    this.#local = socketAddress(a.address, a.port);
  }

  static async listen(options: UdpTransportOptions): Promise<UdpTransport> {
    const type = familyOf(options.host) === 'IPv6' ? 'udp6' : 'udp4';
    const socket = createSocket({ type, ipv6Only: type === 'udp6', reuseAddr: false, lookup: literalFirstLookup });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_BIND_FAILED', `cannot bind UDP ${options.host}:${options.port}: ${err.message}`, { cause: err, details: { host: options.host, port: options.port } }));
      socket.once('error', onError);
      socket.bind(options.port, options.host, () => {
        socket.off('error', onError);
        // A burst of requests during a GC pause must wait in the kernel, not be dropped: ask for
        // larger socket buffers (the kernel caps them at net.core.rmem_max / wmem_max).
        for (const set of [(n: number) => socket.setRecvBufferSize(n), (n: number) => socket.setSendBufferSize(n)]) {
          try {
            set(UDP_SOCKET_BUFFER);
          } catch {
            // Not permitted on this host: the default buffers still work, with more loss under load.
          }
        }
        resolve();
      });
    });
    const transport = new UdpTransport(socket, options.handlers, { ...DEFAULT_TRANSPORT_LIMITS, ...options.limits });
    if (options.sendThread !== false) transport.#openSender();
    socket.on('message', (bytes, rinfo) => transport.#receive(bytes, socketAddress(transport.#addresses.get(rinfo.address), rinfo.port)));
    // A UDP socket reports ICMP errors of earlier sends here; they must never crash the process.
    socket.on('error', (err) => transport.#handlers.onEvent?.({ type: 'error', protocol: 'udp', detail: err.message }));
    return transport;
  }

  get local(): SocketAddress {
    return this.#local;
  }

  get sendPath(): UdpSendPath {
    return this.#sender ? { path: 'thread' } : { path: 'dgram', reason: this.#noSender };
  }

  #openSender(): void {
    const opened = NativeUdpSender.open(this.#local.address, this.#local.port);
    if (opened instanceof NativeUdpSender) this.#sender = opened;
    else this.#noSender = opened.reason;
  }

  #sent(bytes: Buffer, to: Destination): void {
    if (tapped(this.#handlers)) publishMessage(this.#handlers, { direction: 'out', protocol: 'udp', local: this.#local, remote: socketAddress(to.address, to.port), bytes, at: Date.now() });
  }

  #receive(bytes: Buffer, remote: SocketAddress): void {
    // RFC 3261 §7.5: keep-alive CRLFs (RFC 5626 §4.4.1 sends CRLFCRLF over UDP as STUN-less ping) carry no message.
    if (bytes.length <= 4 && bytes.every((b) => b === 13 || b === 10)) return;
    if (bytes[0] === 0 && this.#handlers.onProbe?.(bytes)) return;
    const limits = this.#limits;
    if (bytes.length > limits.maxMessageBytes) {
      // Passed on all the same: the parser refuses it and the layer above answers 513 if it can.
      this.#handlers.onEvent?.({ type: 'limit', limit: 'message_size', protocol: 'udp', remote, detail: `datagram of ${bytes.length} bytes exceeds ${limits.maxMessageBytes}; answered 513 if it is a request` });
    }
    const headers = countHeaderLines(bytes, limits.maxHeaders);
    if (headers > limits.maxHeaders) {
      // Passed on: the parser refuses it and the layer above answers 400 ("Too many header fields").
      this.#handlers.onEvent?.({ type: 'limit', limit: 'header_count', protocol: 'udp', remote, detail: `more than ${limits.maxHeaders} header lines; answered 400 if it is a request` });
    }
    if (tapped(this.#handlers)) publishMessage(this.#handlers, { direction: 'in', protocol: 'udp', local: this.#local, remote, bytes, at: Date.now() });
    this.#handlers.onMessage({ bytes, protocol: 'udp', remote, local: this.#local });
  }

  send(bytes: Buffer, to: Destination): Promise<void> {
    if (this.#closed) return Promise.reject(new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_CLOSED', 'UDP transport is closed'));
    if (bytes.length > 65_507) {
      return Promise.reject(new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_TOO_LARGE', `message of ${bytes.length} bytes does not fit a UDP datagram`, { details: { bytes: bytes.length } }));
    }
    const queued = this.#sender?.send(bytes, to);
    if (queued) {
      // Published as it is queued, not when the thread reports it sent (up to a loop turn later):
      // the time is the stack's, and a listener reading the peer's answer has seen it first.
      this.#sent(bytes, to);
      return queued;
    }
    return new Promise((resolve, reject) => {
      this.#socket.send(bytes, to.port, to.address, (err) => {
        if (err) {
          reject(new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_SEND_FAILED', `UDP send to ${to.address}:${to.port} failed: ${err.message}`, { cause: err, details: { address: to.address, port: to.port } }));
          return;
        }
        this.#sent(bytes, to);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    // The thread sends on the socket's descriptor: it stops before dgram closes (and frees) it.
    this.#sender?.close();
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
