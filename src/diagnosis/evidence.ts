/**
 * Evidence: what was seen of one call, independent of where it was seen. The capture
 * analyzer, the edge's call records and the media relay each produce this shape, and the
 * same rules turn it into findings. Addresses are "ip:port" strings ("[v6]:port" for IPv6).
 *
 * The parts are owned by the layer that sees them, below every producer: a SIP message is
 * sip/'s SipEvent, its SDP is sdp/'s summary, an RTP stream and an RTCP report are rtp/'s.
 * Capture, media and the edge emit those types, so nothing is copied field by field into
 * diagnosis' names; these are the names the rules read them by.
 */
import type { SipEvent } from '../sip/index.js';
import type { SdpMediaSummary, SdpPayload, SdpSummary } from '../sdp/index.js';
import type { IpTtlEvidence, RtcpEvidence, RtpStreamEvidence } from '../rtp/index.js';

export type { IpTtlEvidence, RtcpEvidence, RtpStreamEvidence };

/**
 * An RTP stream as evidence, with the IP TTLs its packets reached the observer with when the
 * source saw their IP headers (a capture; not the relay or the edge, which are an endpoint).
 */
export type StreamEvidence = RtpStreamEvidence & { readonly ttl?: IpTtlEvidence };

export type SdpPayloadEvidence = SdpPayload;
export type SdpMediaEvidence = SdpMediaSummary;
export type SdpEvidence = SdpSummary;
export type SipEventEvidence = SipEvent<SdpEvidence>;

/** The trunk's configuration, when the evidence comes from the edge (or is given). */
export interface TrunkEvidence {
  readonly trunkSid: string;
  readonly status?: 'active' | 'inactive';
  readonly secureTrunking?: boolean;
  readonly authMode?: string;
  readonly whitelistedCidrs?: readonly string[];
  readonly destinationUris?: readonly string[];
  readonly hasCredentials?: boolean;
  /** The trunk transcodes media (the guide recommends it off). */
  readonly transcoding?: boolean;
}

/** Facts that go with an edge cause: the header that failed, the codecs offered, the source address, … */
export type EdgeCauseDetails = Readonly<Record<string, string | number | boolean | readonly string[]>>;

export interface CallEvidence {
  readonly callId: string;
  readonly source: 'capture' | 'edge' | 'log';
  readonly direction?: 'inbound' | 'outbound';
  /** Every SIP message of the call, in time order. */
  readonly messages: readonly SipEventEvidence[];
  readonly streams: readonly StreamEvidence[];
  /** RTCP reports seen with the call's media, when the source saw them. */
  readonly rtcp?: readonly RtcpEvidence[];
  readonly trunk?: TrunkEvidence;
  /** When observation ended (end of capture, or now for a live call): a call still open then is in progress, not failed. */
  readonly observedUntil?: number;
  /** Edge-side facts the messages cannot show (the refusal cause, ACL result, RTP timeout). */
  readonly edgeCause?: string;
  /** Values that go with edgeCause (keys: header, offered, source, number, caller, did, retryAfter, uri, host, afterMs, timeoutMs, error). */
  readonly edgeCauseDetails?: EdgeCauseDetails;
  /**
   * False when the source could not see RTP at all (a signaling-only log, a HEP feed without
   * media): rules about missing RTP stay silent then. Absent means RTP was observable.
   */
  readonly mediaObserved?: boolean;
  /**
   * Holes in the captured signaling of this call (TCP bytes the capture never saw, in words): a
   * message may be missing from the capture, not from the call, so a request without an answer is
   * not timed out and a 2xx without an ACK is not a lost ACK. Set by a source that saw the holes.
   */
  readonly signalingGaps?: readonly string[];
  /**
   * The same source address had a request accepted (2xx) by the same server earlier in the
   * observation, in words ("REGISTER from … answered 200 by … at …"): the server's ACL let it
   * through then, so a 403 to it now is not an ACL miss. Set by whoever sees more than one call.
   */
  readonly sourceAcceptedBefore?: string;
}
