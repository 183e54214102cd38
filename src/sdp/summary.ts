import { payloadsOf, type SdpPayload } from './codecs.js';
import { otherAttributes, parseSdpShared, type ParsedMedia, type ParsedSdp } from './parse.js';

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/**
 * One m= line as evidence: diagnosis reads this type itself (its SdpMediaEvidence), so it is
 * declared once, here, where SDP is understood.
 */
export interface SdpMediaSummary {
  readonly type: string; // audio, video, image, …
  readonly port: number;
  readonly protocol: string; // RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF, udptl, …
  /** In m= line order: the first is the offerer's preference. Static PTs have their encoding filled in. */
  readonly payloads: readonly SdpPayload[];
  /** Media-level c= when present, else the session-level one. */
  readonly connectionAddress?: string;
  readonly direction?: SdpDirection;
  /** a=crypto or a=fingerprint present, or a secure profile (SDES / DTLS-SRTP). */
  readonly encrypted?: boolean;
}

/** An SDP body as evidence (diagnosis' SdpEvidence). */
export interface SdpSummary {
  readonly connectionAddress?: string;
  readonly media: readonly SdpMediaSummary[];
  /** a=curr/des/conf preconditions (RFC 3312) asked for. */
  readonly preconditions?: boolean;
}

/** RFC 3312 §5: a=curr / a=des / a=conf carry preconditions. */
const PRECONDITION = /^(curr|des|conf):/;

export function mediaConnection(sdp: ParsedSdp, media: ParsedMedia): string | undefined {
  return media.connection?.ip ?? sdp.connection?.ip;
}

/** RFC 4566 §6: a media-level direction attribute overrides the session-level one; default sendrecv. */
export function mediaDirection(sdp: ParsedSdp, media: ParsedMedia): SdpDirection {
  return media.direction ?? sdp.direction ?? 'sendrecv';
}

export function isEncrypted(media: ParsedMedia, sdp?: ParsedSdp): boolean {
  // SDES (RFC 4568 a=crypto) or DTLS-SRTP (RFC 5763 a=fingerprint, also valid at session level),
  // or a secure profile (RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVP[F]).
  return /SAVP/i.test(media.protocol) || (media.crypto?.length ?? 0) > 0 || media.fingerprint !== undefined || sdp?.fingerprint !== undefined;
}

export function hasPreconditions(sdp: ParsedSdp): boolean {
  const session = otherAttributes(sdp as { invalid?: { value: string }[] });
  if (session.some((a) => PRECONDITION.test(a))) return true;
  return sdp.media.some((m) => otherAttributes(m).some((a) => PRECONDITION.test(a)));
}

/** Summarises an SDP body (or a parsed one) into the evidence shape the diagnosis rules read. */
export function summariseSdp(input: string | ParsedSdp): SdpSummary {
  const sdp = typeof input === 'string' ? parseSdpShared(input) : input;
  // Each shape is a literal of its own, keys in the stored order: a conditional spread between
  // fixed keys made V8 build a new hidden class for every summary (Map::CopyWithField under
  // DefineNamedOwnIC_Slow: 1.3 % of serve's SIP thread in perf, summarised for every traced SDP).
  const media = sdp.media.map((m): SdpMediaSummary => {
    const address = mediaConnection(sdp, m);
    const payloads = payloadsOf(m);
    const direction = mediaDirection(sdp, m);
    const encrypted = isEncrypted(m, sdp);
    return address === undefined
      ? { type: m.type, port: m.port, protocol: m.protocol, payloads, direction, encrypted }
      : { type: m.type, port: m.port, protocol: m.protocol, payloads, connectionAddress: address, direction, encrypted };
  });
  const preconditions = hasPreconditions(sdp);
  return sdp.connection ? { connectionAddress: sdp.connection.ip, media, preconditions } : { media, preconditions };
}
