// diagnosis: evidence of a call → findings, pure; the guide and the IANA registry as data.
export { FAULT_DOMAINS, FAULT_DOMAIN_WORDS, SEVERITIES, type FaultDomain, type Severity, type Finding } from './finding.js';
export type {
  CallEvidence,
  SipEventEvidence,
  SdpEvidence,
  SdpMediaEvidence,
  SdpPayloadEvidence,
  RtpStreamEvidence,
  StreamEvidence,
  IpTtlEvidence,
  RtcpEvidence,
  TrunkEvidence,
  EdgeCauseDetails,
} from './evidence.js';
export { DiagnosisErrorCodes, type DiagnosisErrorCode } from './errors.js';
// The engine
export { diagnoseCall, RULES, type DiagnoseOptions } from './engine.js';
export { DEFAULT_THRESHOLDS, type DiagnosisThresholds, type Rule, type RuleContext } from './rules/rule.js';
export { callState, summarizeCall, TIMER_B_MS, type CallState, type CallSummary } from './call-facts.js';
export { callQuality, dtmfDigit, type CallQuality, type DtmfDigit, type Hangup, type HangupHow } from './call-quality.js';
export { streamQuality, mosFromR, burstRatio, codecImpairment, delayImpairment, effectiveEquipmentImpairment, rttFromRtcp, type StreamQuality } from './e-model.js';
export { classifyStreams, type ClassifiedStream, type Side } from './media-facts.js';
export { parseReason, describeReason, Q850_CAUSES, type ReasonValue } from './reason.js';
export { hopsFromTtl, streamPosition, describePosition, type StreamPosition } from './capture-position.js';
export { privateRange, isPrivateAddress, parseEndpoint, inCidr, type Endpoint } from './address.js';
// Findings and edge causes
export { FINDING_CATALOGUE, findingSpec, makeFinding, type FindingSpec } from './catalogue.js';
export { EDGE_CAUSES, edgeCause, edgeCauseText, edgeCauseHeader, type EdgeCauseEntry } from './edge-causes.js';
export { renderFindingsMarkdown } from './findings-doc.js';
// Across dialogs
export { diagnoseAcross, ACROSS_RULES, uriUser, highCostNumber, linkLegs, type LegGroup, type LegLink, type AcrossContext, type AcrossFinding, type AcrossResult, type AcrossRule } from './across/index.js';
// The knowledge base
export { explain, lookup, durationInQuery, type ExplainEntry, type ExplainKind, type ExplainCause } from './explain.js';
export { CALL_SYMPTOMS, type CallSymptom, type SymptomCause } from './kb/call-symptoms.js';
export { SIP_CODES, sipCodeEntry, sipCodeOrClass } from './kb/sip-codes.js';
export { GUIDE_SIP_ROWS } from './kb/guide-sip.js';
export { SIP_REGISTRY } from './kb/sip-registry.js';
export { MEDIA_SYMPTOMS, CODEC_RULE } from './kb/guide-media.js';
export { API_ERRORS, SUPPORT_CHECKLIST, TICKET_FIELDS, SUPPORT_CONTACT } from './kb/guide-api.js';
export type { GuideSipRow, SipCodeEntry, MediaSymptom, CodecRule, ApiErrorEntry, ChecklistItem, TicketField } from './kb/types.js';
