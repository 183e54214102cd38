// Calls by Call-ID, RTP tied to calls through the SDP of their messages (offer, answer,
// re-INVITE), one RtpStreamStats per SSRC and direction, RTCP read on the RTP port + 1.
import {
  IpTtlTrack,
  RtpHeaderFields,
  RtpStreamStats,
  classifyMediaPacket,
  parseRtcp,
  readRtpHeaderInto,
  rtcpEvidence,
  type PayloadTypeInfo,
  type RtcpEvidence,
} from '../rtp/index.js';
import { endpoint, type DissectSink, type SipPayload } from './dissect/dissector.js';
import { toSipEvent } from './sip-event.js';
import type { CaptureCall, CaptureSipEvent, UnboundRtpStream } from './types.js';

interface MediaBinding {
  readonly call: CallState;
  /**
   * Other calls still up whose SDP announced the same endpoint earlier: the two legs of a B2BUA
   * with direct media announce the same address:port, and the packets belong to both.
   */
  readonly also: readonly CallState[];
  /** The SIP sender of the SDP that announced this endpoint. */
  readonly announcedBy: string;
  readonly rtcp: boolean;
  /** Streams seen through this binding, by SSRC: a small per-endpoint cache in front of call.streams. */
  readonly seen: Map<number, { src: string; dst: string; stats: RtpStreamStats; ttl: IpTtlTrack }[]>;
}

interface CallState {
  readonly callId: string;
  readonly messages: CaptureSipEvent[];
  readonly participants: string[];
  readonly streams: Map<string, RtpStreamStats>;
  readonly payloadTypes: Map<number, PayloadTypeInfo>;
  /** SDP media endpoints of the call, newest last. */
  readonly media: { key: string; announcedBy: string }[];
  readonly rtcp: RtcpEvidence[];
  source: 'capture' | 'log';
  /** A 2xx to an INVITE was seen: a later failed re-INVITE does not end the call. */
  answered: boolean;
  /** BYE, or a final failure of the initial INVITE: its endpoints may be reused by later calls. */
  ended: boolean;
}

export interface CorrelatorOptions {
  readonly silenceThresholdDbfs?: number;
}

const MAX_RTCP_PER_CALL = 2000;
const MAX_UNBOUND = 5000;

/**
 * One UDP 5-tuple as the correlator last resolved it: its endpoint names, its SDP binding as of
 * media generation `gen`, and the stream its last SSRC went to. Lets a packet go straight to its
 * RtpStreamStats without building a string or hashing one (the capture's hot path).
 */
interface Flow {
  readonly src: string;
  readonly dst: string;
  gen: number;
  binding: MediaBinding | undefined;
  ssrc: number;
  stats: RtpStreamStats | undefined;
  /** The IP TTLs of the stream cached in stats. */
  ttl: IpTtlTrack | undefined;
}

// Flows remembered at once; a capture with more starts the table afresh (correct, only slower).
const MAX_FLOWS = 1 << 18;

/** RTP-looking flows that no SDP announced (signaling missing from the capture, or not SIP). */
interface UnboundStream {
  readonly src: string;
  readonly dst: string;
  readonly ssrc: number;
  readonly payloadType: number;
  packets: number;
  /** Packets whose sequence number followed the previous one: real RTP does this, noise does not. */
  inSequence: number;
  lastSeq: number;
  readonly firstAt: number;
  lastAt: number;
}

export class Correlator implements DissectSink {
  readonly #calls = new Map<string, CallState>();
  readonly #media = new Map<string, MediaBinding>();
  readonly #header = new RtpHeaderFields();
  readonly #opts: CorrelatorOptions;
  readonly #unbound = new Map<string, UnboundStream>();
  /** Flows by source IP, destination IP, then both ports; IP strings come interned from the dissector. */
  readonly #flows = new Map<string, Map<string, Map<number, Flow>>>();
  #flowCount = 0;
  /** Bumped on every change to #media: a flow's cached binding older than this is looked up again. */
  #mediaGen = 0;
  /** Each stream's IP TTLs (where the capture stood on its path), beside its RTP statistics. */
  readonly #ttls = new Map<RtpStreamStats, IpTtlTrack>();
  sipMessages = 0;
  sipWithoutCallId = 0;
  sipUnparseable = 0;
  sipDamaged = 0;
  rtpPackets = 0;
  rtcpPackets = 0;
  /** UDP datagrams on an SDP endpoint that were neither RTP nor RTCP (STUN, DTLS, junk). */
  mediaOther = 0;
  lastAt: number | undefined;
  firstAt: number | undefined;
  /** Which file is being read (index into the summary's files). */
  file = 0;
  fileSip = 0;
  fileRtp = 0;
  source: 'capture' | 'log' = 'capture';

  constructor(options: CorrelatorOptions = {}) {
    this.#opts = options;
  }

  #seen(at: number): void {
    if (this.firstAt === undefined || at < this.firstAt) this.firstAt = at;
    if (this.lastAt === undefined || at > this.lastAt) this.lastAt = at;
  }

  /** Time of a frame that carried nothing we keep: it still extends the observation window. */
  observe(at: number): void {
    this.#seen(at);
  }

  sip(m: SipPayload): void {
    this.#seen(m.at);
    const parsed = toSipEvent(m.bytes, { ...m, file: this.file });
    if (parsed === undefined) {
      this.sipUnparseable++;
      return;
    }
    this.sipMessages++;
    this.fileSip++;
    if (parsed.event.parseError !== undefined) this.sipDamaged++;
    const callId = parsed.callId;
    if (callId === undefined || callId === '') {
      this.sipWithoutCallId++;
      return;
    }
    let call = this.#calls.get(callId);
    if (call === undefined) {
      call = {
        callId,
        messages: [],
        participants: [],
        streams: new Map(),
        payloadTypes: new Map(),
        media: [],
        rtcp: [],
        source: this.source,
        answered: false,
        ended: false,
      };
      this.#calls.set(callId, call);
    }
    const ev = parsed.event;
    call.messages.push(ev);
    if (ev.kind === 'request' && ev.method === 'BYE') call.ended = true;
    // An INVITE sent again before any answer (after a 401/407 challenge, a 422, a 491) goes on with the call.
    else if (ev.kind === 'request' && ev.method === 'INVITE' && !call.answered) call.ended = false;
    else if (ev.kind === 'response' && ev.method === 'INVITE' && ev.status !== undefined && ev.status >= 200) {
      if (ev.status < 300) call.answered = true;
      else if (!call.answered) call.ended = true;
    }
    for (const p of [ev.src, ev.dst]) if (!call.participants.includes(p)) call.participants.push(p);
    if (ev.sdp) this.#learn(call, ev);
  }

  /** RFC 3264: each side's SDP says where it receives RTP (and RFC 3605 default: RTCP on port + 1). */
  #learn(call: CallState, ev: CaptureSipEvent): void {
    const sdp = ev.sdp;
    if (sdp === undefined) return;
    for (const m of sdp.media) {
      for (const p of m.payloads) {
        if (p.encoding !== undefined && p.pt >= 0 && p.pt < 128) {
          call.payloadTypes.set(p.pt, { encoding: p.encoding, clockRate: p.clockRate ?? 8000 });
        }
      }
      const addr = canonicalIp(m.connectionAddress ?? sdp.connectionAddress);
      // Port 0 rejects the stream; 0.0.0.0 / :: is RFC 3264 §8.4 hold; udptl etc. are not RTP.
      if (addr === undefined || m.port === 0 || addr === '0.0.0.0' || addr === '::') continue;
      const key = endpoint(addr, m.port);
      this.#mediaGen++;
      if (!/RTP/i.test(m.protocol)) {
        // A re-INVITE that turns the port into image/udptl (T.38 fax) ends its RTP there.
        this.#media.delete(key);
        this.#media.delete(endpoint(addr, m.port + 1));
        continue;
      }
      const prev = this.#media.get(key);
      const also = prev === undefined ? [] : [...new Set([prev.call, ...prev.also])].filter((c) => c !== call && !c.ended);
      this.#media.set(key, { call, also, announcedBy: ev.src, rtcp: false, seen: new Map() });
      this.#media.set(endpoint(addr, m.port + 1), { call, also, announcedBy: ev.src, rtcp: true, seen: new Map() });
      call.media.push({ key, announcedBy: ev.src });
    }
  }

  #flow(srcIp: string, srcPort: number, dstIp: string, dstPort: number): Flow {
    let bySrc = this.#flows.get(srcIp);
    let byDst = bySrc?.get(dstIp);
    const ports = (srcPort << 16) | dstPort;
    let flow = byDst?.get(ports);
    if (flow !== undefined) return flow;
    if (this.#flowCount >= MAX_FLOWS) {
      this.#flows.clear();
      this.#flowCount = 0;
      bySrc = undefined;
      byDst = undefined;
    }
    if (bySrc === undefined) this.#flows.set(srcIp, (bySrc = new Map()));
    if (byDst === undefined) bySrc.set(dstIp, (byDst = new Map()));
    flow = { src: endpoint(srcIp, srcPort), dst: endpoint(dstIp, dstPort), gen: -1, binding: undefined, ssrc: -1, stats: undefined, ttl: undefined };
    byDst.set(ports, flow);
    this.#flowCount++;
    return flow;
  }

  udp(at: number, srcIp: string, srcPort: number, dstIp: string, dstPort: number, data: Uint8Array, start: number, end: number, _frame = 0, ttl = 0): void {
    this.#seen(at);
    const flow = this.#flow(srcIp, srcPort, dstIp, dstPort);
    if (flow.gen !== this.#mediaGen) {
      flow.gen = this.#mediaGen;
      flow.binding = this.#media.size === 0 ? undefined : (this.#media.get(flow.dst) ?? this.#media.get(flow.src));
      flow.stats = undefined;
    }
    const { src, dst, binding } = flow;
    if (binding === undefined) {
      if (srcPort >= 1024 && dstPort >= 1024) this.#maybeUnbound(at, src, dst, data, start, end);
      return;
    }
    const kind = classifyMediaPacket(data, start, end - start);
    if (kind === 'rtcp') {
      // RFC 5761 §4 demux: also catches RTCP multiplexed on the RTP port.
      this.#rtcp(binding.call, at, src, dst, data.subarray(start, end));
      return;
    }
    if (kind !== 'rtp' || binding.rtcp) {
      this.mediaOther++;
      return;
    }
    const h = this.#header;
    if (readRtpHeaderInto(data, h, start, end - start) !== undefined) {
      this.mediaOther++;
      return;
    }
    this.rtpPackets++;
    this.fileRtp++;
    let stats = flow.stats;
    if (stats !== undefined && flow.ssrc === h.ssrc) {
      stats.add(at, h, data);
      flow.ttl?.add(ttl, at);
      return;
    }
    const call = binding.call;
    // Next: the binding's own small cache, without building a string key.
    let cached = binding.seen.get(h.ssrc);
    const hit = cached?.find((x) => x.src === src && x.dst === dst);
    if (hit !== undefined) {
      flow.ssrc = h.ssrc;
      flow.stats = hit.stats;
      flow.ttl = hit.ttl;
      hit.stats.add(at, h, data);
      hit.ttl.add(ttl, at);
      return;
    }
    const key = `${src}>${dst}>${h.ssrc}`;
    // One stats object per stream, shared by every call that announced the endpoint, so the
    // packets are counted once and a leg that announced it first keeps its counters going.
    stats = call.streams.get(key);
    for (const other of binding.also) stats ??= other.streams.get(key);
    if (stats !== undefined && !call.streams.has(key)) call.streams.set(key, stats);
    if (stats === undefined) {
      stats = new RtpStreamStats({
        src,
        dst,
        payloadTypes: call.payloadTypes,
        ...(this.#opts.silenceThresholdDbfs === undefined ? {} : { silenceThresholdDbfs: this.#opts.silenceThresholdDbfs }),
        ...this.#senderSdp(call, src, dst),
      });
      call.streams.set(key, stats);
    }
    for (const other of binding.also) if (!other.ended && !other.streams.has(key)) other.streams.set(key, stats);
    let track = this.#ttls.get(stats);
    if (track === undefined) this.#ttls.set(stats, (track = new IpTtlTrack()));
    if (cached === undefined) binding.seen.set(h.ssrc, (cached = []));
    cached.push({ src, dst, stats, ttl: track });
    flow.ssrc = h.ssrc;
    flow.stats = stats;
    flow.ttl = track;
    stats.add(at, h, data);
    track.add(ttl, at);
  }

  /** Counts RTP-looking datagrams outside any SDP, so "RTP but no signaling" can be said. */
  #maybeUnbound(at: number, src: string, dst: string, data: Uint8Array, start: number, end: number): void {
    if (classifyMediaPacket(data, start, end - start) !== 'rtp') return;
    const h = this.#header;
    if (readRtpHeaderInto(data, h, start, end - start) !== undefined) return;
    const key = `${src}>${dst}>${h.ssrc}`;
    const u = this.#unbound.get(key);
    if (u === undefined) {
      if (this.#unbound.size < MAX_UNBOUND) {
        this.#unbound.set(key, { src, dst, ssrc: h.ssrc, payloadType: h.payloadType, packets: 1, inSequence: 0, lastSeq: h.sequenceNumber, firstAt: at, lastAt: at });
      }
      return;
    }
    u.packets++;
    if (((h.sequenceNumber - u.lastSeq) & 0xffff) === 1) u.inSequence++;
    u.lastSeq = h.sequenceNumber;
    u.lastAt = at;
  }

  /** RTP streams no SDP in the capture announced: at least 10 packets, mostly in sequence. */
  unboundStreams(): UnboundRtpStream[] {
    const out: UnboundRtpStream[] = [];
    for (const u of this.#unbound.values()) {
      if (u.packets < 10 || u.inSequence < 0.8 * (u.packets - 1)) continue;
      out.push({ src: u.src, dst: u.dst, ssrc: u.ssrc, payloadType: u.payloadType, packets: u.packets, firstAt: u.firstAt, lastAt: u.lastAt });
    }
    return out.sort((a, b) => b.packets - a.packets);
  }

  /** The address the sender announced in SDP: the call's latest media endpoint other than the receiver's. */
  #senderSdp(call: CallState, src: string, dst: string): { sdpAddress?: string } {
    if (call.media.some((m) => m.key === src)) return { sdpAddress: src };
    for (let i = call.media.length - 1; i >= 0; i--) {
      const m = call.media[i];
      if (m.key !== dst) return { sdpAddress: m.key };
    }
    return {};
  }

  #rtcp(call: CallState, at: number, src: string, dst: string, payload: Uint8Array): void {
    this.rtcpPackets++;
    const r = parseRtcp(payload);
    for (const p of r.packets) {
      if ((p.type === 'SR' || p.type === 'RR') && call.rtcp.length < MAX_RTCP_PER_CALL) {
        call.rtcp.push(rtcpEvidence(p, { at, src, dst }));
      }
    }
  }

  get callCount(): number {
    return this.#calls.size;
  }

  /** The calls in order of their first message. */
  calls(): CaptureCall[] {
    const out: CaptureCall[] = [];
    for (const c of this.#calls.values()) {
      const messages = [...c.messages].sort((a, b) => a.at - b.at);
      const firstRequest = messages.find((m) => m.kind === 'request');
      const snaps = [...c.streams.values()]
        .map((s) => {
          const ttl = this.#ttls.get(s)?.evidence();
          return ttl === undefined ? s.snapshot() : { ...s.snapshot(), ttl };
        })
        .sort((a, b) => a.firstAt - b.firstAt);
      // A capture keeps one stream per SSRC; the SSRC changes of a direction (same source and
      // destination) are then the number of its streams after the first.
      const perDirection = new Map<string, number>();
      for (const s of snaps) perDirection.set(`${s.src}>${s.dst}`, (perDirection.get(`${s.src}>${s.dst}`) ?? 0) + 1);
      const streams = snaps.map((s) => {
        const n = perDirection.get(`${s.src}>${s.dst}`) ?? 1;
        return n > 1 ? { ...s, ssrcChanges: s.ssrcChanges + n - 1 } : s;
      });
      const times = [...messages.map((m) => m.at), ...streams.map((s) => s.lastAt)];
      out.push({
        callId: c.callId,
        source: c.source,
        messages,
        streams,
        ...(this.lastAt === undefined ? {} : { observedUntil: this.lastAt }),
        ...(firstRequest ? { method: firstRequest.method } : messages[0]?.method ? { method: messages[0].method } : {}),
        firstAt: messages[0]?.at ?? 0,
        lastAt: times.reduce((a, b) => (b > a ? b : a), 0),
        participants: c.participants,
        rtcp: c.rtcp,
      });
    }
    return out.sort((a, b) => a.firstAt - b.firstAt);
  }
}

/**
 * SDP may write an IPv6 address in any valid form (upper case, zeros spelled out); packets
 * are named in RFC 5952 form. The WHATWG URL serializer produces exactly that form.
 */
export function canonicalIp(addr: string | undefined): string | undefined {
  if (addr === undefined || !addr.includes(':')) return addr;
  try {
    return new URL(`http://[${addr}]/`).hostname.slice(1, -1);
  } catch {
    return addr;
  }
}
