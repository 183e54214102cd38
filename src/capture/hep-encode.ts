// HEP3 (Homer Encapsulation Protocol v3) encoding, the inverse of dissect/hep.ts: the edge
// exports its SIP and quality reports to a Homer / heplify-server capture node this way.
// Spec: github.com/sipcapture/HEP docs/HEP3_Network_Protocol_Specification (chunks of vendor 0).
import { isIPv4, isIPv6 } from 'node:net';

export interface HepOut {
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** IP protocol of the captured packet: 17 UDP, 6 TCP (TLS is carried as 6 too). */
  readonly ipProtocol: number;
  /** ms since the epoch (fractions kept to the microsecond). */
  readonly at: number;
  /** Chunk 11: 1 SIP, 5 RTCP (as JSON, as rtpengine and heplify send it), 100 log. */
  readonly payloadType: number;
  /** Chunk 12: the capture agent's id. */
  readonly captureId: number;
  readonly payload: Uint8Array;
  /** Chunk 17: ties packets of one call together (here: the call sid). */
  readonly correlationId?: string;
  /** Chunk 19: the capture agent's name (here: the node id). */
  readonly agentName?: string;
}

const FAMILY_V4 = 2;
const FAMILY_V6 = 10;

function chunk(type: number, value: Uint8Array): Buffer {
  const b = Buffer.alloc(6 + value.length);
  b.writeUInt16BE(0, 0); // vendor 0: the generic chunks
  b.writeUInt16BE(type, 2);
  b.writeUInt16BE(6 + value.length, 4);
  b.set(value, 6);
  return b;
}

const u8 = (n: number): Uint8Array => Uint8Array.of(n & 0xff);
function u16(n: number): Uint8Array {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}
function u32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function ipv4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split('.').map(Number));
}

/** 16 bytes of an IPv6 address, :: expanded (an embedded dotted IPv4 tail included). */
function ipv6Bytes(ip: string): Uint8Array {
  let text = ip;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = ipv4Bytes(tail[1]);
    text = text.slice(0, -tail[1].length) + `${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}

/** One HEP3 packet: the chunks Homer needs to index a captured packet, then the payload. */
export function encodeHep3(p: HepOut): Buffer {
  const v6 = isIPv6(p.src) || isIPv6(p.dst);
  const addr = (ip: string, v4Type: number, v6Type: number): Buffer =>
    v6 ? chunk(v6Type, ipv6Bytes(isIPv4(ip) ? `::ffff:${ip}` : ip || '::')) : chunk(v4Type, ipv4Bytes(ip || '0.0.0.0'));
  const micros = Math.round(p.at * 1000);
  const parts = [
    chunk(1, u8(v6 ? FAMILY_V6 : FAMILY_V4)),
    chunk(2, u8(p.ipProtocol)),
    addr(p.src, 3, 5),
    addr(p.dst, 4, 6),
    chunk(7, u16(p.srcPort)),
    chunk(8, u16(p.dstPort)),
    chunk(9, u32(Math.floor(micros / 1e6))),
    chunk(10, u32(micros % 1e6)),
    chunk(11, u8(p.payloadType)),
    chunk(12, u32(p.captureId)),
    ...(p.correlationId === undefined ? [] : [chunk(17, Buffer.from(p.correlationId, 'utf8'))]),
    ...(p.agentName === undefined ? [] : [chunk(19, Buffer.from(p.agentName, 'utf8'))]),
    chunk(15, p.payload),
  ];
  const length = 6 + parts.reduce((n, c) => n + c.length, 0);
  const head = Buffer.alloc(6);
  head.write('HEP3', 0, 'latin1');
  head.writeUInt16BE(length, 4);
  return Buffer.concat([head, ...parts], length);
}
