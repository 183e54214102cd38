// RFC 3550 §6.4–6.6: RTCP compound packets (SR, RR, SDES, BYE); other types are kept as
// "other" with their type and length so nothing is silently dropped.
import type { RtpErrorCode } from './errors.js';

export interface RtcpReportBlock {
  readonly ssrc: number;
  /** RFC 3550 §6.4.1: fraction lost since the last report, as a fixed-point /256 value, 0..1. */
  readonly fractionLost: number;
  /** Cumulative packets lost, signed 24-bit (duplicates can make it negative). */
  readonly cumulativeLost: number;
  readonly extendedHighestSequence: number;
  /** Interarrival jitter in timestamp units. */
  readonly jitter: number;
  readonly lastSr: number;
  readonly delaySinceLastSr: number;
}

export interface RtcpSenderReport {
  readonly type: 'SR';
  readonly ssrc: number;
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly RtcpReportBlock[];
}

export interface RtcpReceiverReport {
  readonly type: 'RR';
  readonly ssrc: number;
  readonly reports: readonly RtcpReportBlock[];
}

/**
 * An SR or RR as evidence: the report, when and between whom it was seen (diagnosis reads this
 * type as its RtcpEvidence). Report blocks are the parsed ones; hand-made evidence may leave
 * out the LSR/DLSR pair, which the round-trip estimate then does without.
 */
export interface RtcpEvidence {
  readonly at: number;
  readonly src: string;
  readonly dst: string;
  readonly type: 'SR' | 'RR';
  readonly ssrc: number;
  /** SR: the middle 32 bits of its NTP timestamp, as a later report block's lastSr names it (RFC 3550 §6.4.1). */
  readonly ntpMiddle?: number;
  readonly reports: readonly RtcpBlockEvidence[];
}

export type RtcpBlockEvidence = Pick<RtcpReportBlock, 'ssrc' | 'fractionLost' | 'cumulativeLost' | 'jitter'> &
  Partial<Pick<RtcpReportBlock, 'lastSr' | 'delaySinceLastSr'>>;

/** A parsed SR or RR, seen at `at` going src → dst, as evidence. */
export function rtcpEvidence(p: RtcpSenderReport | RtcpReceiverReport, seen: { readonly at: number; readonly src: string; readonly dst: string }): RtcpEvidence {
  return {
    at: seen.at,
    src: seen.src,
    dst: seen.dst,
    type: p.type,
    ssrc: p.ssrc,
    ...(p.type === 'SR' ? { ntpMiddle: (((p.ntpSeconds & 0xffff) << 16) | (p.ntpFraction >>> 16)) >>> 0 } : {}),
    reports: p.reports,
  };
}

export interface RtcpSdesChunk {
  readonly ssrc: number;
  /** RFC 3550 §6.5: CNAME=1, NAME=2, EMAIL=3, PHONE=4, LOC=5, TOOL=6, NOTE=7, PRIV=8. */
  readonly items: readonly { readonly type: number; readonly value: string }[];
}

export interface RtcpSdes {
  readonly type: 'SDES';
  readonly chunks: readonly RtcpSdesChunk[];
}

export interface RtcpBye {
  readonly type: 'BYE';
  readonly ssrcs: readonly number[];
  readonly reason?: string;
}

export interface RtcpOther {
  readonly type: 'other';
  readonly packetType: number;
  readonly length: number;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSdes | RtcpBye | RtcpOther;

export type RtcpParseFailure = Extract<RtpErrorCode, 'RTCP_TOO_SHORT' | 'RTCP_BAD_VERSION' | 'RTCP_BAD_LENGTH'>;

export type RtcpParseResult =
  | { readonly ok: true; readonly packets: readonly RtcpPacket[] }
  | {
      readonly ok: false;
      readonly code: RtcpParseFailure;
      readonly message: string;
      /** Byte offset of the failing packet inside the compound packet. */
      readonly offset: number;
      /** The packets read before the failure. */
      readonly packets: readonly RtcpPacket[];
    };

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;

function u32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

function reportBlocks(b: Uint8Array, p: number, count: number): RtcpReportBlock[] {
  const out: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++, p += 24) {
    // RFC 3550 §6.4.1: cumulative number of packets lost is a signed 24-bit integer.
    let cum = (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7];
    if (cum & 0x800000) cum -= 0x1000000;
    out.push({
      ssrc: u32(b, p),
      fractionLost: b[p + 4] / 256,
      cumulativeLost: cum,
      extendedHighestSequence: u32(b, p + 8),
      jitter: u32(b, p + 12),
      lastSr: u32(b, p + 16),
      delaySinceLastSr: u32(b, p + 20),
    });
  }
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function parseSdes(b: Uint8Array, start: number, end: number, count: number): RtcpSdes {
  const chunks: RtcpSdesChunk[] = [];
  let p = start;
  for (let c = 0; c < count && p + 4 <= end; c++) {
    const ssrc = u32(b, p);
    p += 4;
    const items: { type: number; value: string }[] = [];
    // RFC 3550 §6.5: items until a null octet, then padding to the next 32-bit boundary.
    while (p < end && b[p] !== 0) {
      if (p + 2 > end) break;
      const len = b[p + 1];
      if (p + 2 + len > end) break;
      items.push({ type: b[p], value: decoder.decode(b.subarray(p + 2, p + 2 + len)) });
      p += 2 + len;
    }
    p += 1;
    p = start + Math.ceil((p - start) / 4) * 4;
    chunks.push({ ssrc, items });
  }
  return { type: 'SDES', chunks };
}

/** Parses an RTCP compound packet; malformed input is a typed failure with what was read. */
export function parseRtcp(data: Uint8Array, offset = 0, length = data.length - offset): RtcpParseResult {
  const packets: RtcpPacket[] = [];
  const end = offset + length;
  let p = offset;
  const fail = (code: RtcpParseFailure, message: string): RtcpParseResult => ({
    ok: false,
    code,
    message,
    offset: p - offset,
    packets,
  });
  if (length < 4) return fail('RTCP_TOO_SHORT', `${length} bytes is shorter than the RTCP header`);
  while (p + 4 <= end) {
    const b0 = data[p];
    if (b0 >> 6 !== 2) return fail('RTCP_BAD_VERSION', `RTCP version ${b0 >> 6}`);
    const count = b0 & 0x1f;
    const pt = data[p + 1];
    // RFC 3550 §6.4.1: length is in 32-bit words minus one, header included.
    const bytes = (((data[p + 2] << 8) | data[p + 3]) + 1) * 4;
    if (p + bytes > end) return fail('RTCP_BAD_LENGTH', `packet type ${pt} claims ${bytes} bytes, ${end - p} remain`);
    const body = p + 4;
    const stop = p + bytes;
    if (pt === RTCP_SR) {
      if (bytes < 28 + 24 * count) return fail('RTCP_TOO_SHORT', `SR with ${count} report blocks in ${bytes} bytes`);
      packets.push({
        type: 'SR',
        ssrc: u32(data, body),
        ntpSeconds: u32(data, body + 4),
        ntpFraction: u32(data, body + 8),
        rtpTimestamp: u32(data, body + 12),
        packetCount: u32(data, body + 16),
        octetCount: u32(data, body + 20),
        reports: reportBlocks(data, body + 24, count),
      });
    } else if (pt === RTCP_RR) {
      if (bytes < 8 + 24 * count) return fail('RTCP_TOO_SHORT', `RR with ${count} report blocks in ${bytes} bytes`);
      packets.push({ type: 'RR', ssrc: u32(data, body), reports: reportBlocks(data, body + 4, count) });
    } else if (pt === RTCP_SDES) {
      packets.push(parseSdes(data, body, stop, count));
    } else if (pt === RTCP_BYE) {
      if (bytes < 4 + 4 * count) return fail('RTCP_TOO_SHORT', `BYE with ${count} SSRCs in ${bytes} bytes`);
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(u32(data, body + 4 * i));
      const r = body + 4 * count;
      // RFC 3550 §6.6: an optional length-prefixed reason follows the SSRC list.
      const reason = r < stop && r + 1 + data[r] <= stop ? decoder.decode(data.subarray(r + 1, r + 1 + data[r])) : undefined;
      packets.push(reason === undefined ? { type: 'BYE', ssrcs } : { type: 'BYE', ssrcs, reason });
    } else {
      packets.push({ type: 'other', packetType: pt, length: bytes });
    }
    p = stop;
  }
  if (p !== end) return fail('RTCP_TOO_SHORT', `${end - p} trailing bytes`);
  return { ok: true, packets };
}
