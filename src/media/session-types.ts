import type { RtpStreamSnapshot } from '../rtp/index.js';
import type { DropCounters, LegInfo, LegName, RtcpSummary } from './media-leg.js';

// The plain-object shapes a MediaSession hands out: statistics, events, and what it is told.

export type MediaDirection = 'aToB' | 'bToA';

/** Where a leg's peer wants media (from its SDP: sdp's mediaEndpoint() fits). */
export interface RemoteEndpoint {
  readonly address: string;
  readonly rtpPort: number;
  /** Default rtpPort + 1 (RFC 3550 §11). */
  readonly rtcpPort?: number;
}

export interface SipRecord {
  /** Wall-clock ms; default now. */
  readonly at?: number;
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly data: string | Uint8Array;
}

export interface DirectionStats {
  readonly direction: MediaDirection;
  /** The leg whose peer sends this direction. */
  readonly from: LegName;
  readonly stream: RtpStreamSnapshot;
  readonly forwardedPackets: number;
  readonly forwardedBytes: number;
  readonly drops: Readonly<DropCounters>;
  readonly rtcp: Readonly<RtcpSummary>;
  /** The source the relay latched to, "ip:port". */
  readonly source?: string;
  readonly sdpAddress?: string;
  /** Times the latch was taken (1 = once; more = re-latched on an SSRC change or re-INVITE). */
  readonly latches: number;
  /**
   * Native engine: packets relayed while its buffer for JS was full (JS stalled for hundreds of ms),
   * so the statistics above never saw them and count them as lost. Absent when 0.
   */
  readonly unmeasured?: number;
}

export interface MediaSessionStats {
  readonly callSid: string;
  readonly echo: boolean;
  readonly held: boolean;
  readonly timedOut: boolean;
  readonly createdAt: number;
  readonly closedAt?: number;
  readonly closeReason?: string;
  readonly legs: { readonly A: LegInfo; readonly B: LegInfo };
  readonly directions: { readonly aToB: DirectionStats; readonly bToA: DirectionStats };
  /** Directions that carried RTP: their snapshots are CallEvidence.streams as they are (rtp owns the type). */
  readonly streams: readonly RtpStreamSnapshot[];
  /** bytes: whole pcap records already in the file (absent from relays that do not know). */
  readonly recording?: { readonly path: string; readonly packets: number; readonly bytes?: number };
}

export interface LatchEvent { readonly leg: LegName; readonly source: string; readonly ssrc: number; readonly sdpAddress?: string; readonly matchesSdp: boolean }
export interface FlowEvent { readonly direction: MediaDirection; readonly at: number; readonly resumed: boolean }
export interface DropEvent { readonly direction: MediaDirection; readonly lastAt: number; readonly silentMs: number; readonly at: number }
export interface TimeoutEvent { readonly silentMs: number; readonly lastAt: { readonly aToB?: number; readonly bToA?: number }; readonly at: number }

export interface MediaSessionEvents {
  latch: [LatchEvent];
  flow: [FlowEvent];
  drop: [DropEvent];
  timeout: [TimeoutEvent];
  closed: [{ readonly reason: string }];
  /** The pcap is complete and closed. */
  recorded: [{ readonly path: string; readonly packets: number }];
}
