import type dgram from 'node:dgram';
import { closeSocket } from './udp.js';

/**
 * How a leg's packets reach its MediaSession and leave it. Two engines implement it: node:dgram
 * sockets on the main loop (every datagram through JS), and the native forwarder
 * (native-engine.ts), which relays RTP itself and hands JS what it relayed, in batches.
 */
export interface PacketSink {
  /** A datagram as it arrived on the leg's RTP or RTCP socket, nothing checked yet (dgram engine). */
  datagram(msg: Uint8Array, ip: string, port: number, onRtcpPort: boolean): void;
  /** RTCP the native engine hands over untouched (muxed: it came on the RTP port, RFC 5761). */
  rtcp(msg: Uint8Array, ip: string, port: number, muxed: boolean): void;
  /** RTP the native engine already checked, latched and sent on (or found unroutable). */
  relayed(p: RelayedPacket): void;
}

/** One RTP packet the native engine relayed; valid only during the relayed() call (the buffer is reused). */
export interface RelayedPacket {
  readonly buf: Uint8Array;
  readonly offset: number;
  readonly length: number;
  /** Arrival, on the relay clock's monotonic scale. */
  readonly at: number;
  /** The packet took the latch (first packet, SDP address, new SSRC from the same host). */
  readonly latchNew: boolean;
  readonly forwarded: boolean;
  readonly srcIp: string;
  readonly srcPort: number;
  /** Where it was sent ('' when unroutable). */
  readonly dstIp: string;
  readonly dstPort: number;
}

/** Counters an engine keeps itself (native: the RTP it relays without JS). */
export interface TransportCounters {
  readonly forwarded: number;
  readonly bytes: number;
  readonly bleed: number;
  readonly malformed: number;
  readonly unroutable: number;
  readonly sendErrors: number;
  /** Relayed but not handed to the statistics (native buffer for JS full). */
  readonly unmeasured: number;
}

export interface LegTransport {
  attach(sink: PacketSink): void;
  /** Sends out of this leg's RTP or RTCP socket; a refused send is counted, never thrown. */
  send(rtcp: boolean, msg: Uint8Array, port: number, ip: string): void;
  /** Engines that latch themselves are told what the session decides (the socket form of ip). */
  setSdp(ip: string, port: number): void;
  reopen(): void;
  latchTaken(ip: string, port: number, ssrc: number): void;
  setEcho(on: boolean): void;
  /** Brings what the engine has relayed but not yet reported into the session (before stats/checks). */
  flush(): void;
  counters(): TransportCounters;
  close(): Promise<void>;
}

/** The node:dgram engine: two sockets on the main loop. */
export class DgramTransport implements LegTransport {
  readonly #rtp: dgram.Socket;
  readonly #rtcp: dgram.Socket;
  sendErrors = 0;

  constructor(rtp: dgram.Socket, rtcp: dgram.Socket) {
    this.#rtp = rtp;
    this.#rtcp = rtcp;
  }

  attach(sink: PacketSink): void {
    this.#rtp.on('message', (msg, rinfo) => sink.datagram(msg, rinfo.address, rinfo.port, false));
    this.#rtcp.on('message', (msg, rinfo) => sink.datagram(msg, rinfo.address, rinfo.port, true));
    // Send errors carry no callback (see udp.ts); a socket error must never crash the process.
    this.#rtp.on('error', () => this.sendErrors++);
    this.#rtcp.on('error', () => this.sendErrors++);
  }

  send(rtcp: boolean, msg: Uint8Array, port: number, ip: string): void {
    (rtcp ? this.#rtcp : this.#rtp).send(msg, port, ip);
  }

  setSdp(): void {}
  reopen(): void {}
  latchTaken(): void {}
  setEcho(): void {}
  flush(): void {}

  counters(): TransportCounters {
    return { forwarded: 0, bytes: 0, bleed: 0, malformed: 0, unroutable: 0, sendErrors: this.sendErrors, unmeasured: 0 };
  }

  async close(): Promise<void> {
    this.#rtp.removeAllListeners('message');
    this.#rtcp.removeAllListeners('message');
    await Promise.all([closeSocket(this.#rtp), closeSocket(this.#rtcp)]);
  }
}
