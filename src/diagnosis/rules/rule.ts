import type { CallSummary } from '../call-facts.js';
import type { CallEvidence } from '../evidence.js';
import type { Finding } from '../finding.js';

/** Limits the rules judge by; the media relay and the analyzer may pass their own. */
export interface DiagnosisThresholds {
  /** A call answered for less than this shows no media verdict (RTP may not have started). */
  readonly minMediaWindowMs: number;
  /** RTP quiet this long before the call ended (or observation stopped) has stopped mid-call. */
  readonly rtpStopMs: number;
  /** Common firewall / NAT UDP idle or session timeouts, in seconds. */
  readonly firewallTimeoutsS: readonly number[];
  /** How close (seconds) a drop must be to one of them to be said to match. */
  readonly firewallToleranceS: number;
  /** Decoded silence (or comfort noise only) this long inside flowing RTP is silent RTP. */
  readonly silenceMs: number;
  /** Sequence loss above this fraction of expected packets is reported. */
  readonly lossRatio: number;
  /** A 403 this soon after the INVITE, before any ringing, is an ACL refusal. */
  readonly aclWindowMs: number;
}

export const DEFAULT_THRESHOLDS: DiagnosisThresholds = Object.freeze({
  minMediaWindowMs: 2000,
  rtpStopMs: 5000,
  firewallTimeoutsS: Object.freeze([30, 60, 120, 180]),
  firewallToleranceS: 3,
  silenceMs: 10_000,
  lossRatio: 0.05,
  aclWindowMs: 2000,
});

export interface RuleContext {
  readonly evidence: CallEvidence;
  readonly summary: CallSummary;
  readonly thresholds: DiagnosisThresholds;
}

/** A rule is a small pure function: evidence in, findings out; it never throws on odd evidence. */
export type Rule = (ctx: RuleContext) => readonly Finding[];
