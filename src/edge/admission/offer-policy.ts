import { checkOffer, type OfferWarning } from '../../sdp/index.js';
import type { EdgeCause } from '../causes.js';

/**
 * The media rule applied to an INVITE's body (SPEC §2): a body that is not application/sdp is
 * 415; SDP that does not parse is 400; then the trunk's PCMA rule from sdp/ decides 606, 580
 * or 488 (with Warning 305 listing the offer).
 */
export type OfferVerdict =
  | { readonly ok: true; readonly audioIndex: number; readonly warnings: readonly OfferWarning[] }
  | { readonly ok: false; readonly cause: EdgeCause; readonly detail?: string };

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
}

export function checkInviteBody(contentType: string | undefined, body: string, secureTrunking: boolean): OfferVerdict {
  if (body.length === 0) {
    // RFC 3261 §13.2.1 allows an offer in the ACK, but the edge must see the offer to apply the
    // codec rule and anchor media before it routes, so a late offer is refused as a media-type fault.
    return { ok: false, cause: 'unsupported-body', detail: 'INVITE without an SDP offer (late offer is not supported)' };
  }
  const type = mediaTypeOf(contentType);
  if (type !== 'application/sdp') return { ok: false, cause: 'unsupported-body', detail: `Content-Type ${type || '(none)'}` };
  const check = checkOffer(body, { secureTrunking });
  if (check.ok) return { ok: true, audioIndex: check.audioIndex, warnings: check.warnings };
  switch (check.cause) {
    case 'not-sdp':
      return { ok: false, cause: 'malformed-sdp', detail: 'body labelled application/sdp is not SDP' };
    case 'no-audio':
      return { ok: false, cause: 'no-usable-media' };
    case 'srtp-not-allowed':
      return { ok: false, cause: 'srtp-not-allowed' };
    case 'srtp-required':
      return { ok: false, cause: 'srtp-required' };
    case 'preconditions':
      return { ok: false, cause: 'preconditions-required' };
    case 'no-pcma':
      return { ok: false, cause: 'no-pcma', detail: `offered ${check.offered.join(', ') || 'nothing'}` };
  }
}
