import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { isIPv6 } from 'node:net';
import type { Logger } from '../core/index.js';
import { isWildcard, type SipMessageEvent } from '../sip/index.js';
import { encodeHep3 } from '../capture/index.js';
import type { CallObserver } from '../edge/index.js';
import { rtcpChannel, type RtcpMessage } from '../media/index.js';
import { parseRtcp, type RtcpReportBlock } from '../rtp/index.js';
import type { CallRecord, TraceEntry } from '../store/index.js';

/**
 * serve --hep HOST:PORT (issue 15): every SIP message the edge's SIP endpoint receives or sends,
 * as bytes on the wire — both legs of every call, the transaction layer's retransmissions, the
 * stack's own answers (OPTIONS, stateless refusals), REGISTERs, out-of-call requests — goes to a
 * Homer / heplify-server capture node as HEP3 over UDP, each once, from the endpoint's transport
 * tap. Correlation id (chunk 17): the call sid when the Call-ID is one of a call the edge carries
 * (learnt from the edge's trace, kept until a grace period after the call ends), else the Call-ID
 * itself; the node id is the capture agent name (chunk 19). Quality goes as RTCP reports in JSON
 * (HEP protocol type 5, the form rtpengine and heplify send): each SR/RR a call's peer sends
 * through the relay (published on `trunkline:media:rtcp`), and at the end of the call one report
 * per RTP stream computed by the relay as a receiver report would be (RFC 3550 §6.4.1).
 * Sending never blocks or fails a call: a datagram that cannot go is counted and dropped.
 */
export interface HepTarget {
  readonly host: string;
  readonly port: number;
}

/** HEP3 chunk 11 protocol types (HEP3 spec): 1 SIP, 5 RTCP (JSON). */
const HEP_SIP = 1;
const HEP_RTCP_JSON = 5;
/** Chunk 12: heplify's default capture id is 2001; several nodes are told apart by the agent name. */
const CAPTURE_ID = 2001;
/** HEP3's length field is 16 bits. */
const HEP_MAX = 65_535;
/**
 * A message whose Call-ID the edge has not named yet waits this long for it before going out
 * under its Call-ID: the transport sees a new INVITE before the edge gives its call a sid.
 */
const HOLD_MS = 250;
/** Messages waiting so at most; beyond, they go at once under their Call-ID. */
const MAX_HELD = 10_000;
/** Call-IDs remembered (least recently seen forgotten first), so a call that never ends cannot grow the map. */
const MAX_CALL_IDS = 100_000;
/** A call's Call-IDs outlive it by 64×T1, the longest a late retransmission of its BYE or 2xx can come. */
const GRACE_MS = 32_000;

interface StreamLike {
  readonly src: string;
  readonly dst: string;
  readonly ssrc: number;
  readonly packets: number;
  readonly lost: number;
  readonly jitterMs: number;
  readonly lastAt: number;
}

export class HepExporter implements CallObserver {
  readonly #socket: Socket;
  readonly #target: HepTarget;
  readonly #agent: string;
  readonly #log: Logger;
  readonly #onRtcp = (message: unknown): void => this.#peerRtcp(message as RtcpMessage);
  #dropped = 0;
  /** Call-ID → call sid, least recently used first. */
  readonly #sids = new Map<string, string>();
  /** Call-IDs of ended calls and when to forget them (in end order: the grace is one length). */
  readonly #retiring: { readonly at: number; readonly callIds: readonly string[]; readonly sid: string }[] = [];
  /** Messages waiting for their Call-ID's sid, by Call-ID, oldest first. */
  readonly #held = new Map<string, { readonly since: number; readonly events: SipMessageEvent[] }>();
  #heldCount = 0;
  #closed = false;
  /** A listener on 0.0.0.0 / :: reports that as its address: the one packets to the peer leave from is put instead. */
  localFor: ((remote: string) => string) | undefined;
  #holdTimer: NodeJS.Timeout | undefined;

  private constructor(socket: Socket, target: HepTarget, agent: string, log: Logger) {
    this.#socket = socket;
    this.#target = target;
    this.#agent = agent;
    this.#log = log;
    subscribe(rtcpChannel.name, this.#onRtcp);
  }

  static async open(target: HepTarget, agent: string, log: Logger): Promise<HepExporter> {
    const socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
    socket.on('error', (err) => log.warn({ err }, 'HEP socket error'));
    socket.bind(0);
    await once(socket, 'listening');
    socket.unref();
    return new HepExporter(socket, target, agent, log.child({ part: 'hep' }));
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** The edge's trace of a call's message: teaches which call its Call-ID belongs to (the message itself comes from the tap). */
  trace(entry: TraceEntry, callSid: string): void {
    const callId = callIdIn(entry.message);
    if (callId === undefined) return;
    if (this.#sids.get(callId) !== callSid) {
      this.#sids.delete(callId);
      if (this.#sids.size >= MAX_CALL_IDS) this.#sids.delete(this.#sids.keys().next().value!);
      this.#sids.set(callId, callSid);
    }
    const held = this.#held.get(callId);
    if (!held) return;
    this.#held.delete(callId);
    this.#heldCount -= held.events.length;
    for (const e of held.events) this.#sendSip(e, callSid);
  }

  /** The endpoint's tap: every SIP message in and out, once. */
  message(e: SipMessageEvent): void {
    if (this.#closed) return;
    this.#retire(e.at);
    const callId = callIdIn(e.bytes.toString('latin1', 0, headEnd(e.bytes)));
    if (callId === undefined) return this.#sendSip(e, undefined);
    const sid = this.#sids.get(callId);
    if (sid !== undefined) {
      // Least recently used last: a long call's Call-ID is not the first forgotten.
      this.#sids.delete(callId);
      this.#sids.set(callId, sid);
      return this.#sendSip(e, sid);
    }
    const held = this.#held.get(callId);
    if (held) held.events.push(e);
    else if (this.#heldCount >= MAX_HELD) return this.#sendSip(e, callId);
    else this.#held.set(callId, { since: Date.now(), events: [e] });
    this.#heldCount++;
    this.#holdTimer ??= setTimeout(() => this.#release(false), HOLD_MS).unref();
  }

  /** Held messages whose wait is over go out under their Call-ID (all of them when closing). */
  #release(all: boolean): void {
    this.#holdTimer = undefined;
    const now = Date.now();
    for (const [callId, held] of this.#held) {
      if (!all && held.since + HOLD_MS > now) break;
      this.#held.delete(callId);
      this.#heldCount -= held.events.length;
      for (const e of held.events) this.#sendSip(e, callId);
    }
    if (this.#held.size > 0) this.#holdTimer = setTimeout(() => this.#release(false), HOLD_MS).unref();
  }

  #retire(now: number): void {
    while (this.#retiring.length > 0 && this.#retiring[0].at <= now) {
      const { callIds, sid } = this.#retiring.shift()!;
      for (const id of callIds) if (this.#sids.get(id) === sid) this.#sids.delete(id);
    }
  }

  #sendSip(e: SipMessageEvent, correlationId: string | undefined): void {
    const local = this.localFor && isWildcard(e.local.address) ? this.localFor(e.remote.address) : e.local.address;
    const [src, srcPort, dst, dstPort] = e.direction === 'in' ? [e.remote.address, e.remote.port, local, e.local.port] : [local, e.local.port, e.remote.address, e.remote.port];
    this.#send({
      src, srcPort, dst, dstPort,
      ipProtocol: e.protocol === 'udp' ? 17 : 6, at: e.at, payloadType: HEP_SIP, payload: e.bytes,
      ...(correlationId === undefined ? {} : { correlationId }),
    });
  }

  /** One RTCP-style report per RTP stream the relay measured, when the call ends. */
  ended(record: CallRecord): void {
    const callIds = new Set([record.sip_call_id]);
    for (const t of record.trace) {
      const id = callIdIn(t.message);
      if (id !== undefined) callIds.add(id);
    }
    this.#retiring.push({ at: Date.now() + GRACE_MS, callIds: [...callIds], sid: record.call_sid });
    const streams = (record.media as { streams?: readonly StreamLike[] } | null)?.streams ?? [];
    for (const s of streams) {
      const src = splitAddress(s.src);
      const dst = splitAddress(s.dst);
      if (!src || !dst || s.packets === 0) continue;
      const expected = s.packets + s.lost;
      // RFC 3550 §6.4.2: a receiver report (201) about the stream, from the relay that received it;
      // jitter in timestamp units (8 kHz for G.711).
      const report = {
        ...rtcpJson(201, 0, [{
          ssrc: s.ssrc, fractionLost: expected > 0 ? s.lost / expected : 0, cumulativeLost: s.lost,
          extendedHighestSequence: 0, jitter: Math.round(s.jitterMs * 8), lastSr: 0, delaySinceLastSr: 0,
        }]),
        call_sid: record.call_sid,
        packets: s.packets,
        jitter_ms: s.jitterMs,
      };
      // RTCP goes between the RTP ports + 1 (RFC 3550 §11).
      this.#send({
        src: dst.ip, srcPort: dst.port + 1, dst: src.ip, dstPort: src.port + 1, ipProtocol: 17,
        at: s.lastAt || Date.now(), payloadType: HEP_RTCP_JSON, payload: Buffer.from(JSON.stringify(report)), correlationId: record.call_sid,
      });
    }
  }

  /** A peer's SR/RR as it crossed the relay: one HEP type 5 per report, as heplify sends what it captures. */
  #peerRtcp(m: RtcpMessage): void {
    const parsed = parseRtcp(m.bytes);
    for (const p of parsed.packets) {
      if (p.type !== 'SR' && p.type !== 'RR') continue;
      const json = rtcpJson(p.type === 'SR' ? 200 : 201, p.ssrc, p.reports, p.type === 'SR'
        ? { ntp_timestamp_sec: p.ntpSeconds, ntp_timestamp_usec: Math.floor((p.ntpFraction / 2 ** 32) * 1e6), rtp_timestamp: p.rtpTimestamp, packets: p.packetCount, octets: p.octetCount }
        : undefined);
      this.#send({
        src: m.src, srcPort: m.srcPort, dst: m.dst, dstPort: m.dstPort, ipProtocol: 17, at: m.at,
        payloadType: HEP_RTCP_JSON, payload: Buffer.from(JSON.stringify(json)), correlationId: m.callSid,
      });
    }
  }

  #send(p: Omit<Parameters<typeof encodeHep3>[0], 'captureId' | 'agentName'>): void {
    if (p.payload.length > HEP_MAX - 256) {
      this.#dropped++;
      return;
    }
    const packet = encodeHep3({ ...p, captureId: CAPTURE_ID, agentName: this.#agent });
    this.#socket.send(packet, this.#target.port, this.#target.host, (err) => {
      if (!err) return;
      if (this.#dropped++ === 0) this.#log.warn({ err }, 'HEP datagram not sent (further ones are only counted)');
    });
  }

  async close(): Promise<void> {
    unsubscribe(rtcpChannel.name, this.#onRtcp);
    clearTimeout(this.#holdTimer);
    this.#release(true);
    this.#closed = true;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}

/** The Call-ID header's value (compact form i too, RFC 3261 §7.3.3) in a message head. */
function callIdIn(text: string): string | undefined {
  return /\r\n(?:call-id|i)[ \t]*:[ \t]*([^\r\n]*[^\s])/i.exec(text)?.[1];
}

/** Where a message's head ends (the whole message when it has no blank line). */
function headEnd(bytes: Buffer): number {
  const end = bytes.indexOf('\r\n\r\n');
  return end < 0 ? bytes.length : end + 2;
}

/** "ip:port" or "[v6]:port" of a trace entry. */
function splitAddress(a: string): { ip: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(a) ?? /^([^:]+):(\d+)$/.exec(a);
  return m ? { ip: m[1], port: Number(m[2]) } : undefined;
}

/** An RTCP SR/RR as the JSON heplify-server and Homer read (rtpengine's shape): RFC 3550 §6.4.1 fields by name. */
function rtcpJson(type: 200 | 201, ssrc: number, blocks: readonly RtcpReportBlock[], sender?: Record<string, number>): Record<string, unknown> {
  return {
    type, ssrc, report_count: blocks.length,
    ...(sender ? { sender_information: sender } : {}),
    report_blocks: blocks.map((b) => ({
      source_ssrc: b.ssrc,
      // Fraction lost on the wire is 8 bits (n/256).
      fraction_lost: Math.min(255, Math.floor(b.fractionLost * 256)),
      packets_lost: b.cumulativeLost,
      highest_seq_no: b.extendedHighestSequence,
      ia_jitter: b.jitter,
      lsr: b.lastSr,
      dlsr: b.delaySinceLastSr,
    })),
  };
}
