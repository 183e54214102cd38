import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { isIPv6 } from 'node:net';
import type { Logger } from '../core/index.js';
import { encodeHep3 } from '../capture/index.js';
import type { CallObserver } from '../edge/index.js';
import { rtcpChannel, type RtcpMessage } from '../media/index.js';
import { parseRtcp, type RtcpReportBlock } from '../rtp/index.js';
import type { CallRecord, TraceEntry } from '../store/index.js';

/**
 * serve --hep HOST:PORT (issue 15): every SIP message the edge traces, both legs, goes to a
 * Homer / heplify-server capture node as HEP3 over UDP, with the call sid as correlation id
 * (chunk 17) and the node id as capture agent name (chunk 19). Quality goes as RTCP reports in
 * JSON (HEP protocol type 5, the form rtpengine and heplify send): each SR/RR a call's peer sends
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

  trace(entry: TraceEntry, callSid: string): void {
    const src = splitAddress(entry.src);
    const dst = splitAddress(entry.dst);
    if (!src || !dst) return;
    this.#send({
      ...{ src: src.ip, srcPort: src.port, dst: dst.ip, dstPort: dst.port },
      ipProtocol: entry.transport === 'udp' ? 17 : 6,
      at: Date.parse(entry.at),
      payloadType: HEP_SIP,
      payload: Buffer.from(entry.message, 'latin1'),
      correlationId: callSid,
    });
  }

  /** One RTCP-style report per RTP stream the relay measured, when the call ends. */
  ended(record: CallRecord): void {
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
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
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
