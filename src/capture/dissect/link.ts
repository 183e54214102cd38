// Link layers in common use: where the network-layer packet starts and what it is.
// VLAN tags (IEEE 802.1Q 0x8100, 802.1ad QinQ 0x88a8, old QinQ 0x9100) are stepped over.
import { LINKTYPE } from '../readers/frame.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;

/** The result of reading a link header: the ethertype of what follows and where it starts. */
export interface LinkResult {
  /** ETHERTYPE_IPV4, ETHERTYPE_IPV6, another ethertype, or -1 when the link type is unknown. */
  etherType: number;
  offset: number;
  vlans: number;
}

/** Ethernet II from `offset`, through any stack of VLAN tags; -2 when too short. */
export function readEthernet(d: Uint8Array, offset: number, out: LinkResult): void {
  let p = offset + 12;
  if (d.length < p + 2) {
    out.etherType = -2;
    return;
  }
  let et = (d[p] << 8) | d[p + 1];
  p += 2;
  while ((et === ETHERTYPE_VLAN || et === ETHERTYPE_QINQ || et === ETHERTYPE_QINQ_OLD) && d.length >= p + 4) {
    out.vlans++;
    et = (d[p + 2] << 8) | d[p + 3];
    p += 4;
  }
  out.etherType = et;
  out.offset = p;
}

function byVersion(d: Uint8Array, p: number, out: LinkResult): void {
  out.offset = p;
  const v = d.length > p ? d[p] >> 4 : 0;
  out.etherType = v === 4 ? ETHERTYPE_IPV4 : v === 6 ? ETHERTYPE_IPV6 : -3;
}

/** Fills `out` for a frame of the given pcap/pcapng link type. */
export function readLink(linkType: number, d: Uint8Array, out: LinkResult): void {
  out.vlans = 0;
  out.offset = 0;
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      readEthernet(d, 0, out);
      return;
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_12:
    case LINKTYPE.RAW_14:
      byVersion(d, 0, out);
      return;
    case LINKTYPE.IPV4:
      out.etherType = ETHERTYPE_IPV4;
      return;
    case LINKTYPE.IPV6:
      out.etherType = ETHERTYPE_IPV6;
      return;
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      // BSD loopback: a 4-byte address family, host order for NULL, network order for LOOP.
      if (d.length < 4) {
        out.etherType = -2;
        return;
      }
      const le = d[0] | (d[1] << 8) | (d[2] << 16) | (d[3] << 24);
      const be = (d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3];
      // The capturing host's byte order is unknown for NULL: accept either reading.
      const fam = linkType === LINKTYPE.LOOP ? be : le > 0 && le < 256 ? le : be;
      // AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
      if (fam === 2) out.etherType = ETHERTYPE_IPV4;
      else if (fam === 10 || fam === 24 || fam === 28 || fam === 30) out.etherType = ETHERTYPE_IPV6;
      else return byVersion(d, 4, out);
      out.offset = 4;
      return;
    }
    case LINKTYPE.LINUX_SLL: {
      // Linux cooked v1: 16 bytes, protocol at 14.
      if (d.length < 16) {
        out.etherType = -2;
        return;
      }
      out.etherType = (d[14] << 8) | d[15];
      out.offset = 16;
      return;
    }
    case LINKTYPE.LINUX_SLL2: {
      // Linux cooked v2: 20 bytes, protocol first.
      if (d.length < 20) {
        out.etherType = -2;
        return;
      }
      out.etherType = (d[0] << 8) | d[1];
      out.offset = 20;
      return;
    }
    default:
      out.etherType = -1;
  }
}
