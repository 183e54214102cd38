// diagnosis: evidence of a call → findings, pure; the guide and the IANA registry as data.
export { FAULT_DOMAINS, SEVERITIES, type FaultDomain, type Severity, type Finding } from './finding.js';
export type {
  CallEvidence,
  SipEventEvidence,
  SdpEvidence,
  SdpMediaEvidence,
  SdpPayloadEvidence,
  RtpStreamEvidence,
  TrunkEvidence,
} from './evidence.js';
