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

export interface SctpData {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Unfragmented DATA chunk payloads (B and E flags both set). */
  readonly messages: Uint8Array[];
  /** DATA chunks that were fragments of a larger message (not reassembled). */
  readonly fragments: number;
}

export function readSctp(d: Uint8Array, p: number, end: number): SctpData | undefined {
  if (end - p < 12) return undefined;
  const srcPort = (d[p] << 8) | d[p + 1];
  const dstPort = (d[p + 2] << 8) | d[p + 3];
  const messages: Uint8Array[] = [];
  let fragments = 0;
  let q = p + 12;
  while (q + 4 <= end) {
    const type = d[q];
    const flags = d[q + 1];
    const len = (d[q + 2] << 8) | d[q + 3];
    if (len < 4 || q + len > end) break;
    if (type === 0 && len >= 16) {
      if ((flags & 0x03) === 0x03) messages.push(d.subarray(q + 16, q + len));
      else fragments++;
    }
    q += (len + 3) & ~3;
  }
  return { srcPort, dstPort, messages, fragments };
}
