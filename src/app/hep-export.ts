import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { isIPv6 } from 'node:net';
import type { Logger } from '../core/index.js';
import { encodeHep3 } from '../capture/index.js';
import type { CallObserver } from '../edge/index.js';
import type { CallRecord, TraceEntry } from '../store/index.js';

/**
 * serve --hep HOST:PORT (issue 15): every SIP message the edge traces, both legs, goes to a
 * Homer / heplify-server capture node as HEP3 over UDP, with the call sid as correlation id
 * (chunk 17) and the node id as capture agent name (chunk 19); at the end of a call each RTP
 * stream's quality goes as an RTCP report in JSON (HEP protocol type 5, the form rtpengine and
 * heplify send), computed by the relay as a receiver report would be (RFC 3550 §6.4.1).
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
  #dropped = 0;

  private constructor(socket: Socket, target: HepTarget, agent: string, log: Logger) {
    this.#socket = socket;
    this.#target = target;
    this.#agent = agent;
    this.#log = log;
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
      const report = {
        // RFC 3550 §6.4.2: a receiver report (201) about the stream, from the relay that received it.
        type: 201,
        ssrc: 0,
        report_count: 1,
        report_blocks: [{
          source_ssrc: s.ssrc,
          // RFC 3550 §6.4.1: fraction lost in 1/256 units, cumulative lost, jitter in timestamp units (8 kHz for G.711).
          fraction_lost: expected > 0 ? Math.min(255, Math.floor((s.lost * 256) / expected)) : 0,
          packets_lost: s.lost,
          highest_seq_no: 0,
          ia_jitter: Math.round(s.jitterMs * 8),
          lsr: 0,
          dlsr: 0,
        }],
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
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}

/** "ip:port" or "[v6]:port" of a trace entry. */
function splitAddress(a: string): { ip: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(a) ?? /^([^:]+):(\d+)$/.exec(a);
  return m ? { ip: m[1], port: Number(m[2]) } : undefined;
}
