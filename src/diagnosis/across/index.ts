// Causes across dialogs and signals of many dialogs: evidence of all the calls of a capture → findings.
import type { CallSummary } from '../call-facts.js';
import type { CallEvidence } from '../evidence.js';
import { runAcross, type AcrossResult, type AcrossRule } from './across.js';
import { peerDownRule } from './peer-down-rule.js';
import { registrationRule } from './registration-rule.js';
import { securityRule } from './security-rule.js';
import { legsRule } from './legs.js';
import { floodRule } from './flood-rule.js';
import { reinviteStormRule } from './reinvite-storm-rule.js';

export type { AcrossContext, AcrossFinding, AcrossResult, AcrossRule } from './across.js';
export { uriUser } from './across.js';
export { highCostNumber } from './security-rule.js';
export { linkLegs, type LegGroup, type LegLink } from './legs.js';

export const ACROSS_RULES: readonly AcrossRule[] = [securityRule, floodRule, registrationRule, peerDownRule, reinviteStormRule, legsRule];

/** Findings across the dialogs of one capture: per call (a cause found in another dialog) and for the capture. */
export function diagnoseAcross(calls: readonly CallEvidence[], summaries?: readonly CallSummary[]): AcrossResult {
  return runAcross(calls, ACROSS_RULES, summaries);
}
