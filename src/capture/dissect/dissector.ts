// The dissector chain: frame → link → IP (→ reassembly, tunnels) → UDP / TCP / SCTP → SIP
// messages and UDP datagrams for the correlator. Everything it cannot read is counted by
// reason, never dropped silently.
import type { CapturedFrame } from '../readers/frame.js';
import type { TcpGap } from '../types.js';
import { readGre, readSctp, readVxlan } from './encapsulation.js';
import { parseHep, looksLikeHep } from './hep.js';
import {
  IpHeader,
  PROTO_ESP,
  PROTO_GRE,
  PROTO_IPIP,
  PROTO_IPV6,
  PROTO_SCTP,
  PROTO_TCP,
  PROTO_UDP,
  readIpv4,
  readIpv6,
  skipIpv6Extensions,
} from './ip.js';
import { IpReassembler } from './ip-reassembly.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, readEthernet, readLink, type LinkResult } from './link.js';
import { looksLikeTls, startsWithSip } from './sip-detect.js';
import { SipStreamConsumer } from './sip-stream.js';
import { TcpFlow, type TcpStats } from './tcp-stream.js';
import { hostPort } from '../../core/index.js';

export interface SipPayload {
  readonly at: number;
  readonly src: string;
  readonly dst: string;
  readonly transport: string;
  readonly bytes: Uint8Array;
  readonly frame: number;
  /** The frame was cut by the snap length: the message may be incomplete. */
  readonly truncated?: boolean;
  /** TTL / hop limit of the (innermost) IP packet that carried it; absent for HEP, which carries none. */
  readonly ttl?: number;
}

export interface DissectSink {
  sip(message: SipPayload): void;
  /**
   * A UDP datagram that is not SIP (RTP/RTCP candidates): its payload is data[start, end), in a
   * buffer the reader may reuse — copy to keep. Offsets, not a view: no allocation per packet.
   * ttl: IPv4 TTL / IPv6 hop limit of the innermost IP header (0 when none).
   */
  udp(at: number, srcIp: string, srcPort: number, dstIp: string, dstPort: number, data: Uint8Array, start: number, end: number, frame: number, ttl: number): void;
}

/** Bytes of a TCP stream the capture never saw, in the file being read. */
export type TcpGapRecord = Omit<TcpGap, 'file'>;

/** Gaps kept for the report; more are still counted in tcp.gaps. */
const MAX_GAP_RECORDS = 1000;

export interface DissectorOptions {
  /** UDP ports whose datagrams are decoded as HEP (default [9060]). */
  readonly hepPorts?: readonly number[];
}

export function endpoint(ip: string, port: number): string {
  return hostPort(ip, port);
}

const MAX_DEPTH = 4;

export class Dissector {
  readonly #sink: DissectSink;
  readonly #hepPorts: ReadonlySet<number>;
  readonly #reasm = new IpReassembler();
  readonly #flows = new Map<string, { flow: TcpFlow; consumer: SipStreamConsumer }>();
  readonly #link: LinkResult = { etherType: 0, offset: 0, vlans: 0 };
  readonly #ip: IpHeader[] = Array.from({ length: MAX_DEPTH + 1 }, () => new IpHeader());
  readonly #sctpFragments = new Map<string, { next: number; parts: Uint8Array[]; bytes: number }>();
  readonly unreadable = new Map<string, number>();
  readonly unknownLinkTypes = new Set<number>();
  readonly tcp: TcpStats = { segments: 0, retransmitted: 0, outOfOrder: 0, gaps: 0, gapBytes: 0 };
  readonly tcpGaps: TcpGapRecord[] = [];
  frames = 0;
  bytes = 0;
  /** Frames that were not IP (ARP, LLDP, STP, …): not unreadable, just not VoIP. */
  nonIp = 0;
  #frameNo = 0;
  #truncated = false;
  #ttl = 0;

  constructor(sink: DissectSink, options: DissectorOptions = {}) {
    this.#sink = sink;
    this.#hepPorts = new Set(options.hepPorts ?? [9060]);
  }

  get reassembly(): IpReassembler['stats'] {
    return this.#reasm.stats;
  }

  #count(reason: string, n = 1): void {
    this.unreadable.set(reason, (this.unreadable.get(reason) ?? 0) + n);
  }

  frame(f: CapturedFrame): void {
    this.frames++;
    this.bytes += f.data.length;
    this.#frameNo = this.frames;
    this.#truncated = f.originalLength > f.data.length;
    this.#ttl = 0;
    readLink(f.linkType, f.data, this.#link);
    const et = this.#link.etherType;
    if (et === -1) {
      this.unknownLinkTypes.add(f.linkType);
      this.#count('unknown link type');
      return;
    }
    if (et === -2) return this.#count('truncated link header');
    this.#network(et, f.data, this.#link.offset, f.data.length, f.at, 0);
  }

  #network(etherType: number, d: Uint8Array, p: number, end: number, at: number, depth: number): void {
    if (etherType !== ETHERTYPE_IPV4 && etherType !== ETHERTYPE_IPV6) {
      if (depth === 0) this.nonIp++;
      return;
    }
    // One reusable header per tunnel depth: no allocation per packet.
    const ip = this.#ip[depth];
    const ok = etherType === ETHERTYPE_IPV4 ? readIpv4(d, p, end, ip) : readIpv6(d, p, end, ip);
    if (!ok) return this.#count('malformed IP header');
    // The innermost header wins: a tunnel's inner packet is the one its endpoints sent.
    this.#ttl = ip.ttl;
    let payload = d;
    let start = ip.payloadOffset;
    let stop = ip.payloadEnd;
    let proto = ip.protocol;
    if (ip.fragmented) {
      const key = `${ip.version}|${ip.src}|${ip.dst}|${ip.protocol}|${ip.id}`;
      const whole = this.#reasm.add(key, at, ip.fragmentOffset, ip.moreFragments, d.subarray(start, stop));
      if (whole === undefined) return;
      payload = whole;
      start = 0;
      stop = whole.length;
      if (ip.version === 6) {
        const s = skipIpv6Extensions(whole, 0, proto);
        if (s === undefined) return this.#count('malformed IPv6 extension header');
        proto = s.protocol;
        start = s.offset;
      }
    }
    this.#transport(proto, ip.src, ip.dst, payload, start, stop, at, depth);
  }

  #transport(proto: number, src: string, dst: string, d: Uint8Array, p: number, end: number, at: number, depth: number): void {
    switch (proto) {
      case PROTO_UDP:
        return this.#udp(src, dst, d, p, end, at, depth);
      case PROTO_TCP:
        return this.#tcp(src, dst, d, p, end, at);
      case PROTO_SCTP:
        return this.#sctp(src, dst, d, p, end, at);
      case PROTO_IPIP:
      case PROTO_IPV6:
        // RFC 2003 IP-in-IP / RFC 4213 IPv6-in-IPv4.
        if (depth < MAX_DEPTH) this.#network(proto === PROTO_IPIP ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, d, p, end, at, depth + 1);
        return;
      case PROTO_GRE: {
        const inner = readGre(d, p, end);
        if (inner === undefined || depth >= MAX_DEPTH) return this.#count('GRE payload not read');
        if (inner.kind === 'ethernet') return this.#ethernet(d, inner.offset, end, at, depth + 1);
        return this.#network(inner.kind === 'ipv4' ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, d, inner.offset, end, at, depth + 1);
      }
      case PROTO_ESP:
        return this.#count('IPsec ESP (encrypted)');
      default:
        return;
    }
  }

  /** SCTP DATA chunks; fragmented user messages (B…E, consecutive TSNs) are reassembled. */
  #sctp(src: string, dst: string, d: Uint8Array, p: number, end: number, at: number): void {
    const s = readSctp(d, p, end);
    if (s === undefined) return this.#count('malformed SCTP');
    const from = endpoint(src, s.srcPort);
    const to = endpoint(dst, s.dstPort);
    for (const c of s.chunks) {
      let data: Uint8Array | undefined;
      if (c.begin && c.end) data = c.data;
      else {
        const key = `${from}|${to}|${c.stream}`;
        const f = this.#sctpFragments.get(key);
        if (c.begin) {
          if (f !== undefined) this.#count('SCTP incomplete fragmented message');
          this.#sctpFragments.set(key, { next: (c.tsn + 1) >>> 0, parts: [c.data.slice()], bytes: c.data.length });
          continue;
        }
        if (f === undefined || f.next !== c.tsn || f.bytes + c.data.length > 1 << 20) {
          this.#count('SCTP incomplete fragmented message');
          this.#sctpFragments.delete(key);
          continue;
        }
        f.parts.push(c.data.slice());
        f.bytes += c.data.length;
        f.next = (c.tsn + 1) >>> 0;
        if (!c.end) continue;
        this.#sctpFragments.delete(key);
        data = Buffer.concat(f.parts);
      }
      if (startsWithSip(data)) this.#emitSip(at, from, to, 'SCTP', data);
    }
  }

  #ethernet(d: Uint8Array, p: number, end: number, at: number, depth: number): void {
    const l: LinkResult = { etherType: 0, offset: 0, vlans: 0 };
    readEthernet(d.subarray(0, end), p, l);
    if (l.etherType < 0) return this.#count('truncated tunnelled Ethernet');
    this.#network(l.etherType, d, l.offset, end, at, depth);
  }

  #udp(src: string, dst: string, d: Uint8Array, p: number, end: number, at: number, depth: number): void {
    if (end - p < 8) return this.#count('truncated UDP header');
    const sport = (d[p] << 8) | d[p + 1];
    const dport = (d[p + 2] << 8) | d[p + 3];
    const ulen = (d[p + 4] << 8) | d[p + 5];
    const stop = ulen >= 8 ? Math.min(end, p + ulen) : end;
    const q = p + 8;
    if (this.#hepPorts.has(dport) || this.#hepPorts.has(sport)) {
      if (looksLikeHep(d, q)) return this.#hep(d, q, stop, at);
    }
    if (dport === 4789 && depth < MAX_DEPTH) {
      const inner = readVxlan(d, q, stop);
      if (inner !== undefined) return this.#ethernet(d, inner, stop, at, depth + 1);
    }
    if (startsWithSip(d, q, stop)) {
      return this.#emitSip(at, endpoint(src, sport), endpoint(dst, dport), 'UDP', d.subarray(q, stop));
    }
    this.#sink.udp(at, src, sport, dst, dport, d, q, stop, this.#frameNo, this.#ttl);
  }

  #hep(d: Uint8Array, p: number, end: number, at: number): void {
    const r = parseHep(d, p, end);
    if (!r.ok) return this.#count('malformed HEP');
    const h = r.packet;
    if (h.payloadType !== 1 || !startsWithSip(h.payload)) return this.#count('HEP payload other than SIP');
    const transport = h.ipProtocol === 6 ? 'TCP' : h.ipProtocol === 132 ? 'SCTP' : 'UDP';
    this.#emitSip(h.at ?? at, endpoint(h.src, h.srcPort), endpoint(h.dst, h.dstPort), transport, h.payload, `HEP${h.version}`);
  }

  /** Raw HEP file records come here directly. */
  hepRecord(d: Uint8Array, at: number): void {
    this.frames++;
    this.bytes += d.length;
    this.#frameNo = this.frames;
    this.#truncated = false;
    this.#ttl = 0;
    this.#hep(d, 0, d.length, at);
  }

  #emitSip(at: number, src: string, dst: string, transport: string, bytes: Uint8Array, via?: string): void {
    this.#sink.sip({
      at,
      src,
      dst,
      transport: via === undefined ? transport : `${transport} (${via})`,
      bytes,
      frame: this.#frameNo,
      ...(this.#truncated ? { truncated: true } : {}),
      ...(via === undefined && this.#ttl > 0 ? { ttl: this.#ttl } : {}),
    });
  }

  #tcp(src: string, dst: string, d: Uint8Array, p: number, end: number, at: number): void {
    if (end - p < 20) return this.#count('truncated TCP header');
    const sport = (d[p] << 8) | d[p + 1];
    const dport = (d[p + 2] << 8) | d[p + 3];
    const seq = ((d[p + 4] << 24) | (d[p + 5] << 16) | (d[p + 6] << 8) | d[p + 7]) >>> 0;
    const off = (d[p + 12] >> 4) * 4;
    const flags = d[p + 13];
    const syn = (flags & 0x02) !== 0;
    const fin = (flags & 0x01) !== 0;
    const rst = (flags & 0x04) !== 0;
    if (off < 20 || p + off > end) return this.#count('truncated TCP header');
    const payload = d.subarray(p + off, end);
    const key = `${src}|${sport}|${dst}|${dport}`;
    let f = this.#flows.get(key);
    if (f === undefined) {
      if (payload.length === 0 && !syn) return;
      const s = endpoint(src, sport);
      const t = endpoint(dst, dport);
      const consumer = new SipStreamConsumer((bytes, mat, frame, transport) => {
        // The segment that completes a message is the one being read: its TTL is the flow's.
        this.#sink.sip({ at: mat, src: s, dst: t, transport, bytes, frame, ...(this.#ttl > 0 ? { ttl: this.#ttl } : {}) });
      });
      // A stream that opens with a TLS record is TLS whatever the port (5061, 443, 5071, …).
      if (payload.length > 0 && looksLikeTls(payload)) consumer.mode = 'tls';
      const onGap = (bytes: number, gapAt: number, frame: number, since: number | undefined): void => {
        if (this.tcpGaps.length < MAX_GAP_RECORDS) this.tcpGaps.push({ src: s, dst: t, at: gapAt, frame, bytes, ...(since === undefined ? {} : { since }) });
      };
      f = { flow: new TcpFlow(consumer, this.tcp, onGap), consumer };
      this.#flows.set(key, f);
    }
    f.flow.segment(seq, syn, fin, payload, at, this.#frameNo);
    if (f.consumer.mode === 'tls' && payload.length > 0) this.#count('TLS');
    // Flows are kept after FIN/RST (not deleted) so a late retransmission is recognised as one.
    if (rst || fin) f.flow.flush();
  }

  /** End of input: flush TCP flows (across gaps) and give up on incomplete fragments. */
  finish(): void {
    for (const f of this.#flows.values()) f.flow.flush();
    this.#flows.clear();
    this.#reasm.finish();
    if (this.#reasm.stats.incomplete > 0) this.unreadable.set('incomplete IP fragments', this.#reasm.stats.incomplete);
    if (this.#sctpFragments.size > 0) this.#count('SCTP incomplete fragmented message', this.#sctpFragments.size);
    if (this.tcp.gaps > 0) this.unreadable.set('TCP gaps (segments not captured)', this.tcp.gaps);
  }
}
