import { createWriteStream, type WriteStream } from 'node:fs';
import { isIP } from 'node:net';
import { finished } from 'node:stream/promises';
import { TrunklineError } from '../core/index.js';
import type { MediaErrorCode } from './errors.js';

/** tcpdump's LINKTYPE_ETHERNET: every reader knows it; the MACs are zero, the EtherType is real. */
const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 65535;

function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

function ipv6Bytes(ip: string): Buffer {
  // Expand "::" and an embedded IPv4 tail into 8 groups.
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipv4Bytes(v4[1]);
    text = text.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}

function checksum16(sum: number, data: Uint8Array): number {
  for (let i = 0; i + 1 < data.length; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.length % 2) sum += data[data.length - 1] << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An Ethernet + IPv4/IPv6 + UDP frame around a payload, with valid lengths and checksums. */
export function udpFrame(srcIp: string, srcPort: number, dstIp: string, dstPort: number, payload: Uint8Array): Buffer {
  const v6 = isIP(srcIp) === 6 || isIP(dstIp) === 6;
  const udpLen = 8 + payload.length;
  const ipHeader = v6 ? 40 : 20;
  const frame = Buffer.alloc(14 + ipHeader + udpLen);
  frame.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
  const ip = 14;
  const udp = ip + ipHeader;
  frame.writeUInt16BE(srcPort, udp);
  frame.writeUInt16BE(dstPort, udp + 2);
  frame.writeUInt16BE(udpLen, udp + 4);
  frame.set(payload, udp + 8);
  if (v6) {
    const src = ipv6Bytes(isIP(srcIp) === 4 ? `::ffff:${srcIp}` : srcIp);
    const dst = ipv6Bytes(isIP(dstIp) === 4 ? `::ffff:${dstIp}` : dstIp);
    frame.writeUInt32BE(0x60000000, ip);
    frame.writeUInt16BE(udpLen, ip + 4);
    frame[ip + 6] = 17;
    frame[ip + 7] = 64;
    src.copy(frame, ip + 8);
    dst.copy(frame, ip + 24);
    // RFC 8200 §8.1: the UDP checksum is mandatory over IPv6 (pseudo-header + UDP).
    let sum = checksum16(0, src) + checksum16(0, dst) + udpLen + 17;
    sum = checksum16(sum, frame.subarray(udp, udp + udpLen));
    frame.writeUInt16BE(fold(sum) || 0xffff, udp + 6);
  } else {
    frame[ip] = 0x45;
    frame.writeUInt16BE(20 + udpLen, ip + 2);
    frame[ip + 6] = 0x40; // DF
    frame[ip + 8] = 64;
    frame[ip + 9] = 17;
    ipv4Bytes(srcIp).copy(frame, ip + 12);
    ipv4Bytes(dstIp).copy(frame, ip + 16);
    frame.writeUInt16BE(fold(checksum16(0, frame.subarray(ip, ip + 20))), ip + 10);
    // RFC 768: a UDP checksum of zero over IPv4 means "not computed", which readers accept.
  }
  return frame;
}

/**
 * A classic pcap file (microsecond timestamps, Ethernet link type) written as packets arrive.
 * Writes are buffered by the stream; errors are kept and reported by close().
 */
export class PcapWriter {
  readonly path: string;
  readonly #out: WriteStream;
  #error: Error | undefined;
  #packets = 0;
  #closed = false;

  constructor(path: string) {
    this.path = path;
    this.#out = createWriteStream(path);
    this.#out.on('error', (err) => (this.#error ??= err));
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(SNAPLEN, 16);
    header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    this.#out.write(header);
  }

  get packets(): number {
    return this.#packets;
  }

  /** atMs: wall-clock milliseconds (fractions kept to the microsecond). */
  writeUdp(atMs: number, srcIp: string, srcPort: number, dstIp: string, dstPort: number, payload: Uint8Array): void {
    if (this.#closed) return;
    const frame = udpFrame(srcIp, srcPort, dstIp, dstPort, payload);
    const rec = Buffer.alloc(16);
    const micros = Math.round(atMs * 1000);
    rec.writeUInt32LE(Math.floor(micros / 1e6), 0);
    rec.writeUInt32LE(micros % 1e6, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    // One write per record, so the bytes on disk always end on a record boundary (bytesWritten).
    this.#out.write(Buffer.concat([rec, frame]));
    this.#packets++;
  }

  /** Bytes already in the file, always whole records: a reader of a recording under way stops here. */
  get bytesWritten(): number {
    return this.#out.bytesWritten;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#out.end();
    await finished(this.#out).catch((err: Error) => (this.#error ??= err));
    if (this.#error) {
      throw new TrunklineError<MediaErrorCode>('MEDIA_RECORDER_FAILED', `pcap ${this.path}: ${this.#error.message}`, { cause: this.#error });
    }
  }
}
