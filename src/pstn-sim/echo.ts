import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

/**
 * The simulator's media for one answered call: a UDP socket that sends every packet back to
 * where it came from (RTP on the even port; RTCP on the odd one is left alone), so a caller
 * hears the path both ways. Counts what it saw for tests.
 */
export class EchoEndpoint {
  readonly #socket: Socket;
  #echo: boolean;
  /** Between calls, in an EchoPool: what still arrives is neither echoed nor counted. */
  #parked = false;
  /** performance.now() of the last packet while parked, or of parking. */
  #quietSince = 0;
  packets = 0;

  private constructor(socket: Socket, echo: boolean) {
    this.#socket = socket;
    this.#echo = echo;
    socket.on('message', (msg, rinfo) => {
      if (this.#parked) {
        this.#quietSince = performance.now();
        return;
      }
      this.packets++;
      if (this.#echo) this.#socket.send(msg, rinfo.port, rinfo.address);
    });
    socket.on('error', () => {});
    // Like the clock's timers, the simulator's media must never keep a CLI or test process alive.
    socket.unref();
  }

  static async open(host: string, echo: boolean): Promise<EchoEndpoint> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.bind(0, host);
    await once(socket, 'listening');
    return new EchoEndpoint(socket, echo);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  close(): void {
    try {
      this.#socket.close();
    } catch {
      // Already closed.
    }
  }

  /** Ms since the last packet reached it parked (or since it was parked). */
  quietFor(now: number): number {
    return now - this.#quietSince;
  }

  park(): void {
    this.#parked = true;
    this.#quietSince = performance.now();
  }

  /** Out of the pool for a new call: its count starts again. */
  reuse(echo: boolean): void {
    this.#parked = false;
    this.#echo = echo;
    this.packets = 0;
  }
}

/**
 * The simulator's echo endpoints kept for later calls instead of closed (issue 13): a socket, a
 * bind, a 'listening' turn and a close per answered call were ~12 % of the simulator's thread,
 * and on a 2-core box the simulator's CPU per call caps the rate bench/edge-cps can measure any
 * system under test at. An endpoint serves a new call only after `quietMs` without a packet
 * since its call ended: RTP still on its way to it is never echoed into another call.
 */
export class EchoPool {
  readonly #host: string;
  readonly #max: number;
  readonly #quietMs: number;
  /** Parked endpoints, the longest parked first. */
  #idle: EchoEndpoint[] = [];
  #closed = false;

  constructor(host: string, options: { readonly max?: number; readonly quietMs?: number } = {}) {
    this.#host = host;
    this.#max = options.max ?? 256;
    this.#quietMs = options.quietMs ?? 500;
  }

  get idle(): number {
    return this.#idle.length;
  }

  take(echo: boolean): Promise<EchoEndpoint> {
    const now = performance.now();
    // The longest parked is the likeliest quiet; one that heard a late packet waits its turn again.
    const i = this.#idle.findIndex((e) => e.quietFor(now) >= this.#quietMs);
    if (i >= 0) {
      const [endpoint] = this.#idle.splice(i, 1);
      endpoint.reuse(echo);
      return Promise.resolve(endpoint);
    }
    return EchoEndpoint.open(this.#host, echo);
  }

  /** The call ended: parked for a later one, or closed when the pool is full or closed. */
  give(endpoint: EchoEndpoint): void {
    if (this.#closed || this.#idle.length >= this.#max) return endpoint.close();
    endpoint.park();
    this.#idle.push(endpoint);
  }

  close(): void {
    this.#closed = true;
    for (const e of this.#idle) e.close();
    this.#idle = [];
  }
}

/** The simulator's SDP: PCMA and telephone-event, at its echo endpoint (RFC 3264 answer to any offer with PCMA). */
export function simSdp(host: string, port: number, sessionVersion = 1): string {
  const ip = host.includes(':') ? 'IP6' : 'IP4';
  return [
    'v=0', `o=pstn-sim 1 ${sessionVersion} IN ${ip} ${host}`, 's=trunkline PSTN simulator', `c=IN ${ip} ${host}`, 't=0 0',
    `m=audio ${port} RTP/AVP 8 101`, 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendrecv', '',
  ].join('\r\n');
}
