import { reduceCodecs } from '../../sdp/index.js';

/**
 * The B2BUA's view of a call's media: every SDP one side sends passes through `rewrite` on
 * its way to the other side. With the relay (media/), the SDP is pointed at the relay's ports
 * and the sender's address is remembered for latching; without it, only the codec list is
 * reduced to what the trunk carries.
 */
export type CallSide = 'a' | 'b';

export interface MediaAnchor {
  /** SDP that side `from` sent, as the other side must receive it. */
  rewrite(from: CallSide, sdp: string, kind: 'offer' | 'answer'): string;
  /**
   * The peer side `side`'s SIP comes from or goes to: the SDP sent to that side carries the
   * relay's address facing it (issue 11: per-leg addressing; optional, absent without a relay).
   */
  facing?(side: CallSide, peer: string): void;
  /** Called once when the call is answered (starts RTP timeout supervision). */
  answered(): void;
  /** Releases ports; returns the stats to keep in the call record. */
  close(): unknown;
  /**
   * Starts the call's pcap (both legs' RTP/RTCP, issue 7 item 7); `at` is wall-clock ms.
   * Idempotent; absent without a relay (there is no media to record).
   */
  startRecording?(at: number): void;
  /** One SIP message of the call into the pcap, once recording (see Call.startRecording). */
  recordSip?(message: SipDatagram): void;
  /** The recording so far, or undefined when the call is not recorded. */
  recording?(): Promise<RecordingInfo | undefined>;
  /**
   * The statistics so far, in the shape close() returns, while the call is up (the live
   * record); absent without a relay. Asynchronous: a relay in worker threads or a native
   * engine answers later.
   */
  live?(): Promise<unknown>;
  /** Calls `listener` on the relay's media events (a latch, a direction starting, stopping, the RTP timeout). */
  onMediaEvent?(listener: (kind: MediaEventKind) => void): void;
}

export type MediaEventKind = 'latch' | 'flow' | 'drop' | 'timeout';

/** A SIP message as the pcap keeps it: a UDP datagram between the real addresses. */
export interface SipDatagram {
  /** Wall-clock ms. */
  readonly at: number;
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly data: Uint8Array;
}

export interface RecordingInfo {
  /** The pcap file. */
  readonly path: string;
  /** Wall-clock ms. */
  readonly startedAt: number;
  /** Packets written so far (RTP, RTCP and SIP). */
  readonly packets: number;
  /** Bytes of the file that are complete pcap records (a reader may stop there while the call is up). */
  readonly bytes: number;
  /** false once the call ended and the file is closed. */
  readonly active: boolean;
}

/** Per-call choices the edge makes from the trunk's settings. */
export interface AnchorOptions {
  /** The trunk's rtp_timeout (0 = off), overriding the relay's default. */
  readonly rtpTimeoutMs?: number;
}

export interface MediaAnchorFactory {
  /** `aRole`: who sent the INVITE (customer for outbound calls), so the relay knows which leg faces whom. */
  create(callSid: string, aRole: 'customer' | 'carrier', onTimeout: (detail: string) => void, options?: AnchorOptions): Promise<MediaAnchor>;
}

/** No relay: SDP passes with the codec list reduced (offers only; an answer is the callee's choice). */
export const passThroughMedia: MediaAnchorFactory = {
  create: async () => passThroughAnchor(),
};

export function passThroughAnchor(): MediaAnchor {
  return {
    rewrite: (_from, sdp, kind) => (kind === 'offer' ? safeReduce(sdp) : sdp),
    answered: () => {},
    close: () => null,
  };
}

function safeReduce(sdp: string): string {
  try {
    return reduceCodecs(sdp);
  } catch {
    return sdp;
  }
}
