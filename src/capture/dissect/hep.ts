// HEP (Homer Encapsulation Protocol): v1/v2 (the Kamailio sipcapture header) and v3 (chunks),
// as sent by capture agents to port 9060. Spec: github.com/sipcapture/HEP docs/HEP3_Network_Protocol_Specification.
import { ipv4String, ipv6String } from './ip.js';

export interface HepPacket {
  readonly version: 1 | 2 | 3;
  readonly ipProtocol: number;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** ms since the epoch, when the packet carried a timestamp. */
  readonly at?: number;
  /** HEP3 chunk 11 "protocol type": 1 SIP, 5 RTCP, 100 log, …; v1/v2 carry SIP only. */
  readonly payloadType: number;
  readonly payload: Uint8Array;
  readonly correlationId?: string;
  /** Total bytes this packet took (HEP3 length; v1/v2: all of the input). */
  readonly length: number;
}

export type HepResult = { readonly ok: true; readonly packet: HepPacket } | { readonly ok: false; readonly reason: string };

/** HEP3 starts with "HEP3"; HEP1/2 with the version octet 1 or 2 and a header length of 16 (v4) or 40 (v6). */
export function looksLikeHep(d: Uint8Array, p = 0): boolean {
  if (d.length - p >= 6 && d[p] === 0x48 && d[p + 1] === 0x45 && d[p + 2] === 0x50 && d[p + 3] === 0x33) return true;
  return d.length - p >= 16 && (d[p] === 1 || d[p] === 2) && (d[p + 1] === 16 || d[p + 1] === 40) && (d[p + 2] === 2 || d[p + 2] === 10);
}

const decoder = new TextDecoder();

export function parseHep(d: Uint8Array, p = 0, end = d.length): HepResult {
  if (end - p >= 6 && d[p] === 0x48 && d[p + 1] === 0x45 && d[p + 2] === 0x50 && d[p + 3] === 0x33) return parseHep3(d, p, end);
  if (end - p < 16) return { ok: false, reason: 'shorter than a HEP header' };
  const version = d[p];
  if (version !== 1 && version !== 2) return { ok: false, reason: `HEP version ${version}` };
  const hlen = d[p + 1];
  const family = d[p + 2];
  const ipProtocol = d[p + 3];
  const srcPort = (d[p + 4] << 8) | d[p + 5];
  const dstPort = (d[p + 6] << 8) | d[p + 7];
  const v6 = family === 10;
  if (hlen !== (v6 ? 40 : 16) || end - p < hlen) return { ok: false, reason: `HEP header length ${hlen} for family ${family}` };
  const src = v6 ? ipv6String(d, p + 8) : ipv4String(d, p + 8);
  const dst = v6 ? ipv6String(d, p + 24) : ipv4String(d, p + 12);
  let q = p + hlen;
  let at: number | undefined;
  if (version === 2) {
    // struct hep_timehdr {tv_sec, tv_usec, captid} in the agent's byte order (little-endian in practice).
    if (end - q < 12) return { ok: false, reason: 'HEP2 without its time header' };
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    let sec = dv.getUint32(q, true);
    let usec = dv.getUint32(q + 4, true);
    if (usec >= 1_000_000) {
      sec = dv.getUint32(q, false);
      usec = dv.getUint32(q + 4, false);
    }
    at = sec * 1000 + usec / 1000;
    q += 12;
  }
  return {
    ok: true,
    packet: { version, ipProtocol, src, srcPort, dst, dstPort, ...(at === undefined ? {} : { at }), payloadType: 1, payload: d.subarray(q, end), length: end - p },
  };
}

function parseHep3(d: Uint8Array, p: number, end: number): HepResult {
  const total = (d[p + 4] << 8) | d[p + 5];
  if (total < 6 || p + total > end) return { ok: false, reason: `HEP3 length ${total} with ${end - p} bytes` };
  const stop = p + total;
  let q = p + 6;
  let ipProtocol = 17;
  let src = '';
  let dst = '';
  let srcPort = 0;
  let dstPort = 0;
  let sec = -1;
  let usec = 0;
  let payloadType = 1;
  let payload: Uint8Array | undefined;
  let correlationId: string | undefined;
  while (q + 6 <= stop) {
    const vendor = (d[q] << 8) | d[q + 1];
    const type = (d[q + 2] << 8) | d[q + 3];
    const len = (d[q + 4] << 8) | d[q + 5];
    if (len < 6 || q + len > stop) return { ok: false, reason: `HEP3 chunk ${type} length ${len}` };
    const v = q + 6;
    const n = len - 6;
    // Vendor 0 is the generic chunk set; other vendors' chunks are skipped.
    if (vendor === 0) {
      const u16 = (): number => (d[v] << 8) | d[v + 1];
      const u32 = (): number => ((d[v] << 24) | (d[v + 1] << 16) | (d[v + 2] << 8) | d[v + 3]) >>> 0;
      switch (type) {
        case 2:
          ipProtocol = d[v];
          break;
        case 3:
          if (n >= 4) src = ipv4String(d, v);
          break;
        case 4:
          if (n >= 4) dst = ipv4String(d, v);
          break;
        case 5:
          if (n >= 16) src = ipv6String(d, v);
          break;
        case 6:
          if (n >= 16) dst = ipv6String(d, v);
          break;
        case 7:
          if (n >= 2) srcPort = u16();
          break;
        case 8:
          if (n >= 2) dstPort = u16();
          break;
        case 9:
          if (n >= 4) sec = u32();
          break;
        case 10:
          if (n >= 4) usec = u32();
          break;
        case 11:
          payloadType = d[v];
          break;
        case 15:
          payload = d.subarray(v, v + n);
          break;
        case 17:
          correlationId = decoder.decode(d.subarray(v, v + n));
          break;
      }
    }
    q += len;
  }
  if (payload === undefined) return { ok: false, reason: 'HEP3 packet without a payload chunk' };
  return {
    ok: true,
    packet: {
      version: 3,
      ipProtocol,
      src,
      srcPort,
      dst,
      dstPort,
      ...(sec >= 0 ? { at: sec * 1000 + usec / 1000 } : {}),
      payloadType,
      payload,
      ...(correlationId === undefined ? {} : { correlationId }),
      length: total,
    },
  };
}
