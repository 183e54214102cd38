// edge: the B2BUA — identify the trunk, authenticate, apply policy, refuse as data, route, record every call.
// Grouped by stage: admission/ (identify, authenticate, limits, policy), call/ (the call's FSM, legs, routing),
// record/ (call records, live refresh, refusal records), registrar/, ports/ (directory, SIP and media ports and adapters).
export { EDGE_CAUSES, causeRow, type EdgeCause, type CauseRow } from './causes.js';
export { reject, type Rejection, type RejectionDetail } from './rejections.js';
export { checkNumber, isE164, normaliseDialled, numberVerdictsKept, VERDICTS_KEPT, type NumberVerdict } from './admission/number-policy.js';
export { SlidingWindowLimiter, type RateDecision } from './admission/rate-limiter.js';
export { orderTargets, shouldFailover, DEFAULT_FAILOVER_CODES, type RouteTarget, type AttemptOutcome } from './call/route.js';
export { CallRecorder, renderLadder, tracedEvidence, type CallStart } from './record/call-record.js';
export { EdgeErrorCodes, type EdgeErrorCode } from './errors.js';
export type { EdgeDirectory, TrunkView, NumberView, CredentialView, DestinationView, AuthMode } from './ports/directory.js';
export { identifyTrunk, matchPrefix, needsDigest, type Identification } from './admission/identify-trunk.js';
export { checkInviteBody, mediaTypeOf, type OfferVerdict } from './admission/offer-policy.js';
export { checkCaller, callerE164, type CallerVerdict } from './admission/caller-policy.js';
export { Authenticator, type AuthVerdict } from './admission/authenticate.js';
export { createEdgeMetrics, noEdgeMetrics, type EdgeMetrics } from './metrics.js';
export { B2bua, type B2buaOptions, type CallObserver } from './b2bua.js';
export { Call, type Role, type CallTarget, type QueueWait } from './call/call.js';
export { Leg, type Hop, type SipProtocol, type LocalAddress } from './call/leg.js';
export type { EdgeSipPort, EdgeRequestHandler, ServerTx, ClientTx, ClientTxEvents, RequestSource } from './ports/sip-port.js';
export { passThroughMedia, passThroughAnchor, type MediaAnchor, type MediaAnchorFactory, type CallSide, type AnchorOptions, type RecordingInfo, type SipDatagram } from './ports/media-anchor.js';
export { resolveTarget, hopFromUri } from './call/targets.js';
export { TransactionLayerPort, edgeTransactionUser, edgeSipHandler, toSource } from './ports/sip-adapter.js';
export { StoreDirectory } from './ports/store-directory.js';
export { CachedDirectory } from './ports/cached-directory.js';
export { RelayAnchor, relayMedia } from './ports/relay-anchor.js';
export { StackRefusals, type StackRefusalOptions } from './record/stack-refusals.js';
export { LocalCallSlots } from './admission/admission.js';
export { NodeReaper, lostRecord, type ClusterNodes, type LostCallStore, type NodeReaperOptions } from './record/node-lost.js';
export { Registrar, type BindingStore, type RegistrarOptions } from './registrar/registrar.js';
export { DEFAULT_REGISTRAR_LIMITS, readContacts, planBindings, contactKey, canonicalAor, type RegistrarLimits } from './registrar/registrar-rules.js';
export { AccountLocator } from './admission/account-locator.js';
export { OverloadGuard, DEFAULT_OVERLOAD, type LoadGauge, type OverloadSettings, type OverloadVerdict } from './admission/overload-guard.js';
