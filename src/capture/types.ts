// The plain objects the capture layer produces. Their parts are the evidence types themselves,
// owned below both capture and diagnosis (sip's SipEvent, sdp's summary, rtp's stream and RTCP
// evidence); a call is CallEvidence's few fields plus the ladder's, and the analyzer (L3)
// passes it on as it is, TypeScript's structural typing checking the fit there.
import type { TrunklineError } from '../core/index.js';
import type { IpTtlEvidence, RtcpEvidence, RtpStreamSnapshot } from '../rtp/index.js';
import type { SdpSummary } from '../sdp/index.js';
import type { SipEvent } from '../sip/index.js';

/** A SIP message as evidence (sip's SipEvent, the shape diagnosis reads), plus what a ladder needs. */
export interface CaptureSipEvent extends SipEvent<SdpSummary> {
  // Beyond the evidence contract:
  /** 1-based frame number in its file (as tshark numbers them), or line number for text logs. */
  readonly frame: number;
  /** Index into CaptureSummary.files of the file it came from. */
  readonly file: number;
  /** IPv4 TTL / IPv6 hop limit of the packet that carried it (absent for HEP and text logs): how far its sender is from the capture point. */
  readonly ttl?: number;
  /** The message as captured (first 64 KiB). */
  readonly raw: string;
  /** The parser found the message damaged (e.g. a body cut by the snap length); what it could read is here. */
  readonly parseError?: string;
}

/** An RTP stream as the capture measured it, with the IP TTLs its packets reached the capture point with. */
export interface CaptureRtpStream extends RtpStreamSnapshot {
  readonly ttl?: IpTtlEvidence;
}

/** CallEvidence as it is (see analyzer's toEvidence), plus what the analyzer needs for a call list and a ladder. */
export interface CaptureCall {
  readonly callId: string;
  readonly source: 'capture' | 'log';
  readonly messages: readonly CaptureSipEvent[];
  readonly streams: readonly CaptureRtpStream[];
  readonly observedUntil?: number;
  // Beyond the evidence contract:
  /** Method of the first request (INVITE, REGISTER, OPTIONS, …). */
  readonly method?: string;
  readonly firstAt: number;
  readonly lastAt: number;
  /** Every "ip:port" that sent or received a message of the call, in order of appearance. */
  readonly participants: readonly string[];
  readonly rtcp: readonly RtcpEvidence[];
}

export interface UnreadableCount {
  /** 'TLS', 'unknown link type', 'IPsec ESP (encrypted)', 'incomplete IP fragments', … */
  readonly reason: string;
  readonly count: number;
  readonly detail?: string;
}

/** An RTP flow that no SDP announced. */
export interface UnboundRtpStream {
  readonly src: string;
  readonly dst: string;
  readonly ssrc: number;
  readonly payloadType: number;
  readonly packets: number;
  readonly firstAt: number;
  readonly lastAt: number;
}

export interface TcpGap {
  /** Index into CaptureSummary.files. */
  readonly file: number;
  readonly src: string;
  readonly dst: string;
  /** Time and frame of the first segment after the hole. */
  readonly at: number;
  readonly frame: number;
  readonly bytes: number;
  /** Time of the last bytes captured before the hole (absent when the stream opened with it). */
  readonly since?: number;
}

export interface CaptureFileSummary {
  readonly name: string;
  readonly format: 'pcap' | 'pcapng' | 'hep' | 'text' | 'unknown';
  readonly bytesRead: number;
  readonly packets: number;
  readonly sipMessages: number;
  readonly rtpPackets: number;
  readonly linkTypes: readonly number[];
  /** pcapng only, when the file holds interface statistics: packets the capture itself dropped (interface + OS). */
  readonly droppedByCapture?: number;
  /** Set when the file could not be read to its end; everything before details.offset was read. */
  readonly error?: { readonly code: string; readonly message: string; readonly offset?: number };
}

export interface CaptureSummary {
  readonly packets: number;
  readonly bytes: number;
  readonly sipMessages: number;
  readonly rtpPackets: number;
  readonly rtcpPackets: number;
  readonly calls: number;
  readonly firstAt?: number;
  readonly lastAt?: number;
  readonly unreadable: readonly UnreadableCount[];
  /**
   * RTP streams (≥ 10 packets, sequence numbers mostly consecutive) that no SIP SDP in the
   * capture announced: the signaling is missing from the capture, encrypted, or not SIP.
   * Not counted in rtpPackets. At most 20, largest first.
   */
  readonly rtpWithoutSignaling: {
    readonly streams: number;
    readonly packets: number;
    readonly largest: readonly UnboundRtpStream[];
  };
  readonly files: readonly CaptureFileSummary[];
  readonly tcp: { readonly segments: number; readonly retransmitted: number; readonly outOfOrder: number; readonly gaps: number };
  /**
   * Holes in captured TCP streams (at most 1000): bytes whose sequence numbers the capture skipped
   * and no retransmission filled — the endpoints had them, the capture did not (a capture artefact).
   */
  readonly tcpGaps?: readonly TcpGap[];
  readonly ipFragments: { readonly fragments: number; readonly reassembled: number; readonly incomplete: number };
}

export interface CaptureResult {
  readonly calls: readonly CaptureCall[];
  readonly summary: CaptureSummary;
  /** Errors that stopped a file early (CAP_*, details.offset); the result still holds what was read. */
  readonly errors: readonly TrunklineError[];
}
