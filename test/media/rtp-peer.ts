import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface RtpPacketSpec {
  seq: number;
  ssrc?: number;
  pt?: number;
  ts?: number;
  marker?: boolean;
  /** Payload bytes; default 160 bytes of an A-law tone-ish pattern (not silence). */
  payload?: Uint8Array;
}

/** A 1 kHz-ish square wave in A-law: loud, never the 0xD5/0x55 silence codes. */
export const TONE = Uint8Array.from({ length: 160 }, (_, i) => (i % 8 < 4 ? 0xa2 : 0x22));
/** G.711 A-law silence (0xD5: the smallest positive step, XOR 0x55 applied). */
export const SILENCE = new Uint8Array(160).fill(0xd5);

export function rtpPacket(p: RtpPacketSpec): Buffer {
  const payload = p.payload ?? TONE;
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = ((p.marker ? 1 : 0) << 7) | (p.pt ?? 8);
  b.writeUInt16BE(p.seq & 0xffff, 2);
  b.writeUInt32BE((p.ts ?? p.seq * 160) >>> 0, 4);
  b.writeUInt32BE((p.ssrc ?? 0x1234) >>> 0, 8);
  b.set(payload, 12);
  return b;
}

/** RFC 3550 §6.4.2 receiver report with one report block. */
export function rtcpReceiverReport(ssrc: number, about: number, fractionLost: number, cumulativeLost: number, jitter: number): Buffer {
  const b = Buffer.alloc(32);
  b[0] = 0x81;
  b[1] = 201;
  b.writeUInt16BE(7, 2);
  b.writeUInt32BE(ssrc, 4);
  b.writeUInt32BE(about, 8);
  b[12] = Math.round(fractionLost * 256);
  b.writeUIntBE(cumulativeLost, 13, 3);
  b.writeUInt32BE(100, 16);
  b.writeUInt32BE(jitter, 20);
  return b;
}

/** A UDP endpoint of a test: counts and keeps what it receives. */
export class Peer {
  readonly socket: dgram.Socket;
  readonly received: Buffer[] = [];
  readonly from: string[] = [];

  private constructor(socket: dgram.Socket) {
    this.socket = socket;
    socket.on('message', (msg, rinfo) => {
      this.received.push(msg);
      this.from.push(`${rinfo.address}:${rinfo.port}`);
    });
  }

  static async open(host = '127.0.0.1'): Promise<Peer> {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return new Peer(socket);
  }

  get address(): string {
    return (this.socket.address() as AddressInfo).address;
  }
  get port(): number {
    return (this.socket.address() as AddressInfo).port;
  }

  send(msg: Uint8Array, port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(msg, port, host, (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Polls a condition on the event loop; fails after `ms` (a bound on the wait, not a timing assertion). */
export async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
