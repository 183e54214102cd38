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
  const media = sdp.media.map((m): SdpMediaSummary => {
    const address = mediaConnection(sdp, m);
    return {
      type: m.type,
      port: m.port,
      protocol: m.protocol,
      payloads: payloadsOf(m),
      ...(address === undefined ? {} : { connectionAddress: address }),
      direction: mediaDirection(sdp, m),
      encrypted: isEncrypted(m, sdp),
    };
  });
  return {
    ...(sdp.connection ? { connectionAddress: sdp.connection.ip } : {}),
    media,
    preconditions: hasPreconditions(sdp),
  };
}
