// edge: the B2BUA — identify the trunk, authenticate, apply policy, refuse as data, route, record every call.
export { EDGE_CAUSE_TABLE, EDGE_CAUSES, causeRow, type EdgeCause, type CauseRow } from './causes.js';
export { reject, type Rejection, type RejectionDetail } from './rejections.js';
export { checkNumber, isE164, normaliseDialled, type NumberVerdict } from './number-policy.js';
export { SlidingWindowLimiter, type RateDecision } from './rate-limiter.js';
export { orderTargets, shouldFailover, DEFAULT_FAILOVER_CODES, type RouteTarget, type AttemptOutcome } from './route.js';
export { CallRecorder, renderLadder, type CallStart } from './call-record.js';
export { EdgeErrorCodes, type EdgeErrorCode } from './errors.js';
export type { EdgeDirectory, TrunkView, NumberView, CredentialView, DestinationView, AuthMode } from './directory.js';
export { identifyTrunk, matchPrefix, needsDigest, type Identification } from './identify-trunk.js';
export { checkInviteBody, mediaTypeOf, type OfferVerdict } from './offer-policy.js';
export { checkCaller, type CallerVerdict } from './caller-policy.js';
