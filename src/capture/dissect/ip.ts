// IPv4 (RFC 791, options stepped over) and IPv6 (RFC 8200, extension headers walked) headers.

export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_IPIP = 4;
export const PROTO_IPV6 = 41;
export const PROTO_GRE = 47;
export const PROTO_ESP = 50;
export const PROTO_SCTP = 132;
const PROTO_HOPOPT = 0;
const PROTO_ROUTING = 43;
const PROTO_FRAGMENT = 44;
const PROTO_AH = 51;
const PROTO_DSTOPTS = 60;
const PROTO_NONE = 59;

/** Mutable, reused per packet by the dissector. */
export class IpHeader {
  version = 0;
  src = '';
  dst = '';
  protocol = 0;
  /** Start and end (exclusive) of the upper-layer payload in the buffer. */
  payloadOffset = 0;
  payloadEnd = 0;
  /** Fragment info: offset in bytes, more-fragments flag, identification. */
  fragmentOffset = 0;
  moreFragments = false;
  fragmented = false;
  id = 0;
  /** False when the capture cut the packet short (payloadEnd was clipped to the buffer). */
  complete = true;
  /** IPv4 TTL or IPv6 hop limit as the packet passed the capture point: its initial value (64, 128, 255) minus the routers it crossed. */
  ttl = 0;
}

// A capture repeats a few addresses millions of times: one string per address, made once, spares
// the number formatting per packet and lets the correlator's maps find it by its cached hash.
// Bounded (a sweep over many addresses starts the table afresh).
const V4_STRINGS_MAX = 1 << 16;
const v4Strings = new Map<number, Map<number, string>>();
let v4Count = 0;

export function ipv4String(d: Uint8Array, p: number): string {
  const hi = (d[p] << 8) | d[p + 1];
  const lo = (d[p + 2] << 8) | d[p + 3];
  let inner = v4Strings.get(hi);
  let s = inner?.get(lo);
  if (s !== undefined) return s;
  if (v4Count >= V4_STRINGS_MAX) {
    v4Strings.clear();
    v4Count = 0;
    inner = undefined;
  }
  if (inner === undefined) v4Strings.set(hi, (inner = new Map()));
  s = `${d[p]}.${d[p + 1]}.${d[p + 2]}.${d[p + 3]}`;
  inner.set(lo, s);
  v4Count++;
  return s;
}

/** RFC 5952 text form: lower case, longest zero run (≥ 2 groups) as "::". */
export function ipv6String(d: Uint8Array, p: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((d[p + 2 * i] << 8) | d[p + 2 * i + 1]);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** Reads an IPv4 header at p; false when it is not a usable IPv4 header. */
export function readIpv4(d: Uint8Array, p: number, end: number, out: IpHeader): boolean {
  if (end - p < 20 || d[p] >> 4 !== 4) return false;
  const ihl = (d[p] & 0x0f) * 4;
  if (ihl < 20 || end - p < ihl) return false;
  const total = (d[p + 2] << 8) | d[p + 3];
  out.version = 4;
  out.ttl = d[p + 8];
  out.protocol = d[p + 9];
  out.id = (d[p + 4] << 8) | d[p + 5];
  const ff = (d[p + 6] << 8) | d[p + 7];
  out.moreFragments = (ff & 0x2000) !== 0;
  out.fragmentOffset = (ff & 0x1fff) * 8;
  out.fragmented = out.moreFragments || out.fragmentOffset > 0;
  out.src = ipv4String(d, p + 12);
  out.dst = ipv4String(d, p + 16);
  out.payloadOffset = p + ihl;
  // Total length 0 happens with TSO on the capturing host: take what was captured.
  const want = total === 0 ? end - p : total;
  out.complete = p + want <= end;
  out.payloadEnd = Math.min(end, p + Math.max(want, ihl));
  return true;
}

/** Reads an IPv6 header and its extension headers at p (RFC 8200 §4). */
export function readIpv6(d: Uint8Array, p: number, end: number, out: IpHeader): boolean {
  if (end - p < 40 || d[p] >> 4 !== 6) return false;
  const plen = (d[p + 4] << 8) | d[p + 5];
  out.version = 6;
  out.ttl = d[p + 7];
  out.src = ipv6String(d, p + 8);
  out.dst = ipv6String(d, p + 24);
  out.fragmented = false;
  out.moreFragments = false;
  out.fragmentOffset = 0;
  out.id = 0;
  const want = plen === 0 ? end - p - 40 : plen; // 0: jumbogram or TSO
  out.complete = p + 40 + want <= end;
  out.payloadEnd = Math.min(end, p + 40 + want);
  let next = d[p + 6];
  let q = p + 40;
  for (let hops = 0; hops < 16; hops++) {
    if (next === PROTO_HOPOPT || next === PROTO_ROUTING || next === PROTO_DSTOPTS) {
      if (out.payloadEnd - q < 8) return false;
      const n = d[q];
      q += (d[q + 1] + 1) * 8;
      next = n;
    } else if (next === PROTO_FRAGMENT) {
      if (out.payloadEnd - q < 8) return false;
      const n = d[q];
      const fo = (d[q + 2] << 8) | d[q + 3];
      out.fragmentOffset = fo & 0xfff8;
      out.moreFragments = (fo & 1) !== 0;
      out.id = ((d[q + 4] << 24) | (d[q + 5] << 16) | (d[q + 6] << 8) | d[q + 7]) >>> 0;
      out.fragmented = true;
      q += 8;
      next = n;
      // RFC 8200 §4.5: everything after the fragment header is the fragmentable part; any
      // further extension headers are walked after reassembly (skipIpv6Extensions).
      break;
    } else if (next === PROTO_AH) {
      if (out.payloadEnd - q < 8) return false;
      const n = d[q];
      q += (d[q + 1] + 2) * 4; // RFC 4302 §2.2: length in 32-bit words minus 2
      next = n;
    } else {
      break;
    }
  }
  if (next === PROTO_NONE || q > out.payloadEnd) return false;
  out.protocol = next;
  out.payloadOffset = q;
  return true;
}

/** After IPv6 reassembly: steps over extension headers that were inside the fragmentable part. */
export function skipIpv6Extensions(d: Uint8Array, p: number, next: number): { protocol: number; offset: number } | undefined {
  for (let hops = 0; hops < 16; hops++) {
    if (next !== PROTO_HOPOPT && next !== PROTO_ROUTING && next !== PROTO_DSTOPTS) break;
    if (d.length - p < 8) return undefined;
    const n = d[p];
    p += (d[p + 1] + 1) * 8;
    next = n;
  }
  return p <= d.length ? { protocol: next, offset: p } : undefined;
}
