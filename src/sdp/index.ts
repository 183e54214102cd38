// sdp: offer/answer over sdp-transform — the trunk's PCMA rule, codec reduction, address rewrite for the relay, hold detection.
export { SdpErrorCodes, type SdpErrorCode } from './errors.js';
export { parseSdp, parseSdpShared, parseSdpToChange, shareParsedSdp, writeSdp, type ParsedSdp, type ParsedMedia } from './parse.js';
export { payloadsOf, isPcma, isAuxiliary, describePayload, type SdpPayload } from './codecs.js';
export { summariseSdp, mediaDirection, isEncrypted, type SdpSummary, type SdpMediaSummary, type SdpDirection } from './summary.js';
export { checkOffer, type OfferCheck, type OfferAccepted, type OfferRefusal, type OfferWarning, type OfferPolicy } from './pcma-rule.js';
export { reduceCodecs, reduceCodecsInPlace } from './reduce.js';
export { rewriteForRelay, rewriteForRelayInPlace, isUnspecifiedAddress, type RewriteTarget, type RelayPorts } from './rewrite.js';
export { holdState, mediaEndpoint, type HoldState, type MediaEndpoint } from './hold.js';
export { buildAnswer, answerDirection, OriginKeeper, type AnswerOptions, type SdpOrigin } from './answer.js';
