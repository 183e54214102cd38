import { payloadsOf, type SdpPayload } from './codecs.js';
import { otherAttributes, parseSdp, type ParsedMedia, type ParsedSdp } from './parse.js';

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Same shape as diagnosis' SdpMediaEvidence (sdp is L1 and cannot import it). */
export interface SdpMediaSummary {
  readonly type: string;
  readonly port: number;
  readonly protocol: string;
  readonly payloads: readonly SdpPayload[];
  readonly connectionAddress?: string;
  readonly direction?: SdpDirection;
  readonly encrypted?: boolean;
}

/** Same shape as diagnosis' SdpEvidence. */
export interface SdpSummary {
  readonly connectionAddress?: string;
  readonly media: readonly SdpMediaSummary[];
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
  const sdp = typeof input === 'string' ? parseSdp(input) : input;
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
