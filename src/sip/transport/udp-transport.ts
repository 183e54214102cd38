import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { TrunklineError } from '../../core/index.js';
import type { SipTransportErrorCode } from './errors.js';
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
}

/** RFC 3261 §18.1.1/§18.2.1 over UDP: one message per datagram, unreliable. */
export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly #socket: Socket;
  readonly #handlers: TransportHandlers;
  readonly #limits: TransportLimits;
  #local: SocketAddress;
  #closed = false;

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
    socket.on('message', (bytes, rinfo) => transport.#receive(bytes, socketAddress(rinfo.address, rinfo.port)));
    // A UDP socket reports ICMP errors of earlier sends here; they must never crash the process.
    socket.on('error', (err) => transport.#handlers.onEvent?.({ type: 'error', protocol: 'udp', detail: err.message }));
    return transport;
  }

  get local(): SocketAddress {
    return this.#local;
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
    return new Promise((resolve, reject) => {
      this.#socket.send(bytes, to.port, to.address, (err) => {
        if (err) {
          reject(new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_SEND_FAILED', `UDP send to ${to.address}:${to.port} failed: ${err.message}`, { cause: err, details: { address: to.address, port: to.port } }));
          return;
        }
        if (tapped(this.#handlers)) publishMessage(this.#handlers, { direction: 'out', protocol: 'udp', local: this.#local, remote: socketAddress(to.address, to.port), bytes, at: Date.now() });
        resolve();
      });
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
