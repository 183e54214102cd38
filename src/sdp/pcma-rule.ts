import { describePayload, isAuxiliary, isPcma, payloadsOf } from './codecs.js';
import { parseSdpShared, otherAttributes, type ParsedSdp } from './parse.js';
import { isEncrypted } from './summary.js';
import { isTrunklineError } from '../core/index.js';

/** Why an offer breaks the trunk's media rule; the edge maps each to its SIP code (SPEC §2). */
export type OfferRefusal =
  | { readonly ok: false; readonly cause: 'not-sdp' } // 415 (or 400 when Content-Type says SDP)
  | { readonly ok: false; readonly cause: 'no-audio' } // 606
  | { readonly ok: false; readonly cause: 'srtp-not-allowed' } // 580
  | { readonly ok: false; readonly cause: 'srtp-required' } // 580
  | { readonly ok: false; readonly cause: 'preconditions' } // 580
  | { readonly ok: false; readonly cause: 'no-pcma'; readonly offered: readonly string[] }; // 488 + Warning 305

export interface OfferWarning {
  /** The guide: "no other codec is forced ahead of" G.711 A-law. */
  readonly cause: 'codec-ahead-of-pcma';
  /** The codecs listed before PCMA, as "pt NAME/rate". */
  readonly ahead: readonly string[];
}

export interface OfferAccepted {
  readonly ok: true;
  /** Index of the m= line that carries the call's audio (the first active audio stream with PCMA). */
  readonly audioIndex: number;
  readonly warnings: readonly OfferWarning[];
}

export type OfferCheck = OfferAccepted | OfferRefusal;

export interface OfferPolicy {
  /** The trunk's secure_trunking: SRTP is then required; without it SRTP profiles are refused. */
  readonly secureTrunking?: boolean;
}

/**
 * The trunk's codec rule (the guide, "codec requirements"): G.711 A-law must be offered; nothing
 * else is supported, and nothing should be forced ahead of it. Checks run in the order a PBX
 * engineer would want them reported: not SDP, no audio, SRTP, preconditions, then codecs.
 */
export function checkOffer(input: string | ParsedSdp, policy: OfferPolicy = {}): OfferCheck {
  let sdp: ParsedSdp;
  try {
    sdp = typeof input === 'string' ? parseSdpShared(input) : input;
  } catch (err) {
    if (isTrunklineError(err, 'SDP_UNPARSEABLE')) return { ok: false, cause: 'not-sdp' };
    throw err;
  }
  // RFC 3264 §6: a port of 0 rejects (or in an offer, disables) the stream.
  const audio = sdp.media.map((m, index) => ({ m, index })).filter(({ m }) => m.type === 'audio' && m.port !== 0);
  if (audio.length === 0) return { ok: false, cause: 'no-audio' };

  const secureProfile = audio.map(({ m }) => /SAVP/i.test(m.protocol));
  if (!policy.secureTrunking && secureProfile.every(Boolean)) return { ok: false, cause: 'srtp-not-allowed' };
  // A plain RTP/AVP line with a=crypto is best-effort SRTP; on a secure trunk it is acceptable.
  if (policy.secureTrunking && !audio.some(({ m }) => isEncrypted(m, sdp))) return { ok: false, cause: 'srtp-required' };

  // RFC 3312 §5.1: a mandatory strength on a desired-status line means the offerer will not
  // alert until QoS is confirmed, which a trunk without resource reservation cannot do.
  const mandatory = (attrs: string[]) => attrs.some((a) => /^des:\S+\s+mandatory\b/i.test(a));
  if (mandatory(otherAttributes(sdp as { invalid?: { value: string }[] })) || audio.some(({ m }) => mandatory(otherAttributes(m)))) {
    return { ok: false, cause: 'preconditions' };
  }

  const usable = audio.filter(({ m }, i) => (policy.secureTrunking ? isEncrypted(m, sdp) : !secureProfile[i]));
  for (const { m, index } of usable) {
    const payloads = payloadsOf(m);
    const at = payloads.findIndex(isPcma);
    if (at < 0) continue;
    const ahead = payloads.slice(0, at).filter((p) => !isAuxiliary(p)).map(describePayload);
    return { ok: true, audioIndex: index, warnings: ahead.length ? [{ cause: 'codec-ahead-of-pcma', ahead }] : [] };
  }
  const offered = usable.flatMap(({ m }) => payloadsOf(m).map(describePayload));
  return { ok: false, cause: 'no-pcma', offered };
}
