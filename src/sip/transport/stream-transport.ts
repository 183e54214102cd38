import { createServer as createNetServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect, type TlsOptions, type ConnectionOptions } from 'node:tls';
import { TrunklineError } from '../../core/index.js';
import { SipStreamFramer, type FramerEvent } from '../parser/stream-framer.js';
import type { SipTransportErrorCode } from './errors.js';
import {
  countHeaderLines, DEFAULT_TRANSPORT_LIMITS, publishMessage, socketAddress, tapped,
  type Destination, type SocketAddress, type Transport, type TransportHandlers, type TransportLimits,
} from './transport.js';

export interface StreamTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly handlers: TransportHandlers;
  readonly limits?: Partial<TransportLimits>;
  /** Present for TLS: the server's key and certificate (node:tls). */
  readonly tls?: TlsOptions;
  /** TLS client side: how to check the peer; defaults to verifying against the system CAs. */
  readonly tlsClient?: Pick<ConnectionOptions, 'ca' | 'rejectUnauthorized' | 'cert' | 'key'>;
}

interface Connection {
  readonly id: string;
  readonly socket: Socket;
  readonly remote: SocketAddress;
  readonly local: SocketAddress;
  readonly key: string;
  closed: boolean;
}

let nextConnection = 0;

/**
 * RFC 3261 §18 over TCP, and over TLS when `tls` is given (§26.2.1). Messages are framed by
 * Content-Length; a response goes back over the connection of its request (§18.2.2), and a
 * request to a peer reuses an open connection to it before opening a new one.
 */
export class StreamTransport implements Transport {
  readonly protocol: 'tcp' | 'tls';
  readonly reliable = true;
  readonly #server: Server;
  readonly #options: StreamTransportOptions;
  readonly #limits: TransportLimits;
  readonly #byId = new Map<string, Connection>();
  readonly #byRemote = new Map<string, Connection>();
  readonly #perSource = new Map<string, number>();
  #local: SocketAddress = socketAddress('', 0);
  #closed = false;

  private constructor(server: Server, options: StreamTransportOptions) {
    this.protocol = options.tls ? 'tls' : 'tcp';
    this.#server = server;
    this.#options = options;
    this.#limits = { ...DEFAULT_TRANSPORT_LIMITS, ...options.limits };
  }

  static async listen(options: StreamTransportOptions): Promise<StreamTransport> {
    const holder: { t?: StreamTransport } = {};
    const onSocket = (socket: Socket) => {
      if (holder.t) holder.t.#accept(socket);
      else socket.destroy();
    };
    const server = options.tls ? createTlsServer(options.tls, onSocket) : createNetServer(onSocket);
    const t = new StreamTransport(server, options);
    holder.t = t;
    // A failed TLS handshake or a reset before accept must never crash the process.
    server.on('tlsClientError', (err: Error, socket: Socket) => {
      t.#event({ type: 'error', protocol: t.protocol, detail: `TLS handshake failed: ${err.message}`, remote: socketAddress(socket.remoteAddress, socket.remotePort) });
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_BIND_FAILED', `cannot listen ${t.protocol.toUpperCase()} ${options.host}:${options.port}: ${err.message}`, { cause: err, details: { host: options.host, port: options.port } }));
      server.once('error', onError);
      server.listen({ host: options.host, port: options.port, ipv6Only: options.host.includes(':') }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => t.#event({ type: 'error', protocol: t.protocol, detail: err.message }));
    const a = server.address();
    t.#local = typeof a === 'object' && a ? socketAddress(a.address, a.port) : socketAddress(options.host, options.port);
    return t;
  }

  get local(): SocketAddress {
    return this.#local;
  }

  get connectionCount(): number {
    return this.#byId.size;
  }

  #event(e: Parameters<NonNullable<TransportHandlers['onEvent']>>[0]): void {
    this.#options.handlers.onEvent?.(e);
  }

  #accept(socket: Socket): void {
    const remote = socketAddress(socket.remoteAddress, socket.remotePort);
    const limits = this.#limits;
    if (this.#byId.size >= limits.maxConnections) {
      this.#event({ type: 'limit', limit: 'connections_total', protocol: this.protocol, remote, detail: `${limits.maxConnections} connections open; new connection refused` });
      socket.destroy();
      return;
    }
    const count = this.#perSource.get(remote.address) ?? 0;
    if (count >= limits.maxConnectionsPerSource) {
      this.#event({ type: 'limit', limit: 'connections_per_source', protocol: this.protocol, remote, detail: `${count} connections open from ${remote.address}; new connection refused` });
      socket.destroy();
      return;
    }
    this.#adopt(socket, remote);
  }

  #adopt(socket: Socket, remote: SocketAddress): Connection {
    const local = socketAddress(socket.localAddress, socket.localPort);
    const conn: Connection = { id: `${this.protocol}-${++nextConnection}`, socket, remote, local, key: `${remote.address}|${remote.port}`, closed: false };
    this.#byId.set(conn.id, conn);
    this.#byRemote.set(conn.key, conn);
    this.#perSource.set(remote.address, (this.#perSource.get(remote.address) ?? 0) + 1);
    this.#event({ type: 'connection', state: 'open', protocol: this.protocol, remote, connectionId: conn.id });
    const framer = new SipStreamFramer({ maxBytes: this.#limits.maxMessageBytes, maxHeaders: this.#limits.maxHeaders });
    socket.setNoDelay(true);
    socket.setTimeout(this.#limits.idleTimeoutMs, () => {
      this.#event({ type: 'limit', limit: 'idle_timeout', protocol: this.protocol, remote, detail: `no traffic for ${this.#limits.idleTimeoutMs} ms; connection closed` });
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const event of framer.push(chunk)) this.#framed(conn, event);
      } catch (err) {
        // A framer bug must cost one connection, never the process.
        this.#event({ type: 'error', protocol: this.protocol, remote, detail: `framing failed: ${(err as Error).message}` });
        socket.destroy();
      }
    });
    socket.on('error', (err) => this.#event({ type: 'error', protocol: this.protocol, remote, detail: err.message }));
    socket.on('close', () => this.#forget(conn));
    return conn;
  }

  #framed(conn: Connection, event: FramerEvent): void {
    const { socket, remote, local } = conn;
    switch (event.type) {
      case 'message':
        // The parser answers it 400 ("Too many header fields"); the limit still gets its log line.
        if (countHeaderLines(event.bytes, this.#limits.maxHeaders) > this.#limits.maxHeaders) {
          this.#event({ type: 'limit', limit: 'header_count', protocol: this.protocol, remote, detail: `more than ${this.#limits.maxHeaders} header lines; answered 400` });
        }
        if (tapped(this.#options.handlers)) publishMessage(this.#options.handlers, { direction: 'in', protocol: this.protocol, local, remote, bytes: event.bytes, at: Date.now() });
        this.#options.handlers.onMessage({ bytes: event.bytes, protocol: this.protocol, remote, local, connectionId: conn.id });
        return;
      case 'ping':
        // RFC 5626 §4.4.1: a CRLFCRLF ping is answered with a CRLF pong.
        if (!socket.destroyed) socket.write('\r\n');
        return;
      case 'pong':
        return;
      case 'error': {
        const err = event.error;
        if (err.code === 'SIP_PARSE_TOO_LARGE') this.#event({ type: 'limit', limit: 'message_size', protocol: this.protocol, remote, detail: `${err.message}; answering 513 and closing the connection` });
        else this.#event({ type: 'framing', protocol: this.protocol, remote, detail: `${err.message}; answering 400 and closing the connection` });
        socket.pause();
        this.#options.handlers.onMessage({ bytes: Buffer.alloc(0), protocol: this.protocol, remote, local, connectionId: conn.id, fault: err });
        // RFC 3261 §18.3: the message boundaries are lost. The answer is written from a microtask
        // of onMessage, so ending on the next turn sends it before the FIN.
        setImmediate(() => socket.end());
        // A peer that never reads must not hold the connection open.
        setTimeout(() => socket.destroy(), 2000).unref();
        return;
      }
    }
  }

  #forget(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    this.#byId.delete(conn.id);
    if (this.#byRemote.get(conn.key) === conn) this.#byRemote.delete(conn.key);
    const n = (this.#perSource.get(conn.remote.address) ?? 1) - 1;
    if (n <= 0) this.#perSource.delete(conn.remote.address);
    else this.#perSource.set(conn.remote.address, n);
    this.#event({ type: 'connection', state: 'closed', protocol: this.protocol, remote: conn.remote, connectionId: conn.id });
  }

  async send(bytes: Buffer, to: Destination): Promise<void> {
    if (this.#closed) throw new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_CLOSED', `${this.protocol.toUpperCase()} transport is closed`);
    if (bytes.length > this.#limits.maxMessageBytes) {
      throw new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_TOO_LARGE', `message of ${bytes.length} bytes exceeds ${this.#limits.maxMessageBytes}`, { details: { bytes: bytes.length } });
    }
    const conn = await this.#connectionFor(to);
    await new Promise<void>((resolve, reject) => {
      conn.socket.write(bytes, (err) => {
        if (err) reject(new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_SEND_FAILED', `${this.protocol.toUpperCase()} send to ${to.address}:${to.port} failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
    if (tapped(this.#options.handlers)) publishMessage(this.#options.handlers, { direction: 'out', protocol: this.protocol, local: conn.local, remote: conn.remote, bytes, at: Date.now() });
  }

  /** RFC 3261 §18.2.2: the request's connection if still open, else one to the same peer, else a new one. */
  async #connectionFor(to: Destination): Promise<Connection> {
    const byId = to.connectionId === undefined ? undefined : this.#byId.get(to.connectionId);
    if (byId && !byId.closed && !byId.socket.destroyed) return byId;
    const existing = this.#byRemote.get(`${socketAddress(to.address, to.port).address}|${to.port}`);
    if (existing && !existing.closed && !existing.socket.destroyed) return existing;
    return this.#connect(to);
  }

  #connect(to: Destination): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const tls = this.protocol === 'tls';
      const socket: Socket = tls
        ? tlsConnect({ host: to.address, port: to.port, servername: to.serverName ?? (to.address.includes(':') || /^[\d.]+$/.test(to.address) ? undefined : to.address), ...this.#options.tlsClient })
        : netConnect({ host: to.address, port: to.port });
      const onError = (err: Error) => {
        socket.destroy();
        reject(new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_CONNECT_FAILED', `${this.protocol.toUpperCase()} connect to ${to.address}:${to.port} failed: ${err.message}`, { cause: err, details: { address: to.address, port: to.port } }));
      };
      const onTimeout = () => onError(new Error('connect timed out'));
      socket.once('error', onError);
      socket.setTimeout(Math.min(this.#limits.idleTimeoutMs, 10_000), onTimeout);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', onError);
        socket.off('timeout', onTimeout);
        resolve(this.#adopt(socket, socketAddress(socket.remoteAddress ?? to.address, socket.remotePort ?? to.port)));
      });
    });
  }

  closeConnection(connectionId: string): void {
    this.#byId.get(connectionId)?.socket.destroy();
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const conn of this.#byId.values()) conn.socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
