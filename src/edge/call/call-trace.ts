import { sharedHostPort, type Clock } from '../../core/index.js';
import { familyOf, wireText, wireTextOf, type SipRequest, type SipResponse } from '../../sip/index.js';
import { onTheWireAt, type TraceEntry } from '../../store/index.js';
import type { CallRecorder } from '../record/call-record.js';
import type { MediaAnchor, RecordingInfo } from '../ports/media-anchor.js';
import type { Hop, LocalAddress, Role } from './leg.js';
import type { QueueWait } from './call.js';

/**
 * A call's SIP as it crosses the edge: every message of both legs goes to the record's trace
 * and, once the call is recorded, into its pcap beside the relay's RTP and RTCP.
 */
export class CallTrace {
  /** The call's media anchor: the pcap is the relay's. Call.setMedia replaces it once the call is admitted. */
  media: MediaAnchor;
  readonly #recorder: CallRecorder;
  readonly #clock: Clock;
  readonly #queueWait: QueueWait | undefined;
  #recording = false;

  constructor(recorder: CallRecorder, clock: Clock, media: MediaAnchor, queueWait?: QueueWait) {
    this.#recorder = recorder;
    this.#clock = clock;
    this.media = media;
    this.#queueWait = queueWait;
  }

  received(role: Role, msg: SipRequest | SipResponse, hop: Hop, local: LocalAddress): void {
    this.#trace(entryOf(role, 'in', hop.protocol, sharedHostPort(hop.address, hop.port), sharedHostPort(local.address, local.port), wireTextOf(msg), this.#queued(hop, local)), msg);
  }

  sent(role: Role, msg: SipRequest | SipResponse, hop: Hop, local: LocalAddress): void {
    this.#trace(entryOf(role, 'out', hop.protocol, sharedHostPort(local.address, local.port), sharedHostPort(hop.address, hop.port), wireTextOf(msg), 0), msg);
  }

  /** A message the stack received or sent on its own for the call (a retransmission), as its wire bytes. */
  wire(role: Role, direction: 'in' | 'out', bytes: Uint8Array, hop: Hop, local: LocalAddress): void {
    const far = sharedHostPort(hop.address, hop.port);
    const near = sharedHostPort(local.address, local.port);
    this.#trace(entryOf(role, direction, hop.protocol, direction === 'in' ? far : near, direction === 'in' ? near : far, wireText(bytes), direction === 'in' ? this.#queued(hop, local) : 0));
  }

  /**
   * A received message's wait in serve's UDP receive queue, when there was one worth noting: the
   * message reached the host that much before the stack read it (and traced it). Stream transports
   * are read as they come (their queue is the peer's send buffer, not measured).
   */
  #queued(hop: Hop, local: LocalAddress): number {
    if (hop.protocol !== 'udp' || this.#queueWait === undefined) return 0;
    // The socket it was read on: its own queue (a dual-stack serve has one per family).
    return Math.round(this.#queueWait({ family: familyOf(hop.address), port: local.port }));
  }

  #trace(entry: Omit<TraceEntry, 'at' | 'summary'>, msg?: SipRequest | SipResponse): void {
    this.#recorder.trace(entry, msg);
    if (this.#recording) this.#recordSip(entry, this.#clock.now() - (entry.queued_ms ?? 0));
  }

  #recordSip(entry: Omit<TraceEntry, 'at' | 'summary'>, at: number): void {
    const src = splitAddr(entry.src);
    const dst = splitAddr(entry.dst);
    if (!src || !dst) return;
    this.media.recordSip?.({ at, srcIp: src.ip, srcPort: src.port, dstIp: dst.ip, dstPort: dst.port, data: Buffer.from(entry.message, 'latin1') });
  }

  get recording(): boolean {
    return this.#recording;
  }

  /**
   * Starts the pcap; the SIP traced so far is written first with its own times, so the file
   * opens with the INVITE even when recording starts later. False without a relay (no media to
   * record). Idempotent.
   */
  start(): boolean {
    if (this.#recording) return true;
    if (!this.media.startRecording) return false;
    this.media.startRecording(this.#clock.now());
    this.#recording = true;
    for (const t of this.#recorder.traceEntries) this.#recordSip(t, onTheWireAt(t));
    this.#recorder.event('recording', 'pcap recording started (both legs, RTP/RTCP and SIP)');
    return true;
  }

  info(): Promise<RecordingInfo | undefined> {
    return this.media.recording?.() ?? Promise.resolve(undefined);
  }
}

/** "ip:port" or "[v6]:port" (the trace's form) back to its parts. */
function splitAddr(a: string): { ip: string; port: number } | undefined {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(a);
  return m ? { ip: m[1], port: Number(m[2]) } : undefined;
}

/** A trace entry with its keys in the stored order; `queuedMs` below 1 is not noted. */
function entryOf(leg: Role, direction: 'in' | 'out', transport: string, src: string, dst: string, message: string, queuedMs: number): Omit<TraceEntry, 'at' | 'summary'> {
  return queuedMs >= 1 ? { leg, direction, transport, src, dst, message, queued_ms: queuedMs } : { leg, direction, transport, src, dst, message };
}
