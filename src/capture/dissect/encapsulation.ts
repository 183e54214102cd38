// Tunnels a capture may hold SIP inside: GRE (RFC 2784/2890) with ERSPAN I/II/III or
// transparent Ethernet, VXLAN (RFC 7348), and SCTP DATA chunks (RFC 9260 §3.3.1).

export const GRE_IPV4 = 0x0800;
export const GRE_IPV6 = 0x86dd;
export const GRE_ETHERNET = 0x6558;
export const GRE_ERSPAN_2 = 0x88be;
export const GRE_ERSPAN_3 = 0x22eb;

/** What is inside a GRE packet: an IP packet or an Ethernet frame, from `offset`. */
export interface Inner {
  readonly kind: 'ipv4' | 'ipv6' | 'ethernet';
  readonly offset: number;
}

export function readGre(d: Uint8Array, p: number, end: number): Inner | undefined {
  if (end - p < 4) return undefined;
  const flags = (d[p] << 8) | d[p + 1];
  const proto = (d[p + 2] << 8) | d[p + 3];
  let q = p + 4;
  if (flags & 0x8000) q += 4; // checksum + reserved1
  if (flags & 0x2000) q += 4; // key
  const seqPresent = (flags & 0x1000) !== 0;
  if (seqPresent) q += 4;
  if (q > end) return undefined;
  switch (proto) {
    case GRE_IPV4:
      return { kind: 'ipv4', offset: q };
    case GRE_IPV6:
      return { kind: 'ipv6', offset: q };
    case GRE_ETHERNET:
      return { kind: 'ethernet', offset: q };
    case GRE_ERSPAN_2:
      // ERSPAN type I has no sequence number and no ERSPAN header; type II has an 8-byte header.
      return { kind: 'ethernet', offset: seqPresent ? q + 8 : q };
    case GRE_ERSPAN_3: {
      if (end - q < 12) return undefined;
      // ERSPAN III: 12-byte header, plus an 8-byte platform sub-header when O (bit 0 of byte 11) is set.
      const o = d[q + 11] & 0x01;
      return { kind: 'ethernet', offset: q + 12 + (o ? 8 : 0) };
    }
    default:
      return undefined;
  }
}

/** VXLAN (RFC 7348 §5): an 8-byte header with the I flag, then an Ethernet frame. */
export function readVxlan(d: Uint8Array, p: number, end: number): number | undefined {
  if (end - p < 8 + 14 || (d[p] & 0x08) === 0) return undefined;
  return p + 8;
}

export interface SctpChunk {
  readonly tsn: number;
  readonly stream: number;
  /** RFC 9260 §3.3.1: B (beginning) and E (ending) fragment flags. */
  readonly begin: boolean;
  readonly end: boolean;
  readonly data: Uint8Array;
}

export interface SctpData {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly chunks: SctpChunk[];
}

export function readSctp(d: Uint8Array, p: number, end: number): SctpData | undefined {
  if (end - p < 12) return undefined;
  const srcPort = (d[p] << 8) | d[p + 1];
  const dstPort = (d[p + 2] << 8) | d[p + 3];
  const chunks: SctpChunk[] = [];
  let q = p + 12;
  while (q + 4 <= end) {
    const type = d[q];
    const flags = d[q + 1];
    const len = (d[q + 2] << 8) | d[q + 3];
    if (len < 4 || q + len > end) break;
    if (type === 0 && len >= 16) {
      chunks.push({
        tsn: ((d[q + 4] << 24) | (d[q + 5] << 16) | (d[q + 6] << 8) | d[q + 7]) >>> 0,
        stream: (d[q + 8] << 8) | d[q + 9],
        begin: (flags & 0x02) !== 0,
        end: (flags & 0x01) !== 0,
        data: d.subarray(q + 16, q + len),
      });
    }
    q += (len + 3) & ~3;
  }
  return { srcPort, dstPort, chunks };
}
