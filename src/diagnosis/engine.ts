import { summarizeCall } from './call-facts.js';
import type { CallEvidence } from './evidence.js';
import { SEVERITIES, type Finding } from './finding.js';
import { aclRule } from './rules/acl-rule.js';
import { authRule } from './rules/auth-rule.js';
import { codecRule } from './rules/codec-rule.js';
import { codesRule } from './rules/codes-rule.js';
import { edgeCauseRule } from './rules/edge-cause-rule.js';
import { mediaQualityRule } from './rules/media-quality-rule.js';
import { mediaRule } from './rules/media-rule.js';
import { capturePointRule } from './rules/capture-point-rule.js';
import { reachabilityRule } from './rules/reachability-rule.js';
import { trunkRule } from './rules/trunk-rule.js';
import { DEFAULT_THRESHOLDS, type DiagnosisThresholds, type Rule } from './rules/rule.js';

/** Every rule, most specific first: when two file the same code, the earlier wins the merge. */
export const RULES: readonly Rule[] = [edgeCauseRule, trunkRule, codecRule, authRule, aclRule, reachabilityRule, mediaRule, mediaQualityRule, capturePointRule, codesRule];

export interface DiagnoseOptions {
  readonly thresholds?: Partial<DiagnosisThresholds>;
}

const GENERIC = /^sip\.\d{3}$/;

/**
 * Readings of a response code itself, not of a cause: the edge's own 503 for overload or a trunk
 * limit carries Retry-After too, and "the carrier is unavailable" would then send the reader to
 * the wrong side.
 */
const CODE_READINGS: ReadonlySet<string> = new Set(['sip.503.retry-after']);

/** 0: the guide's row for the code; 1: what the code and its headers say; 2: a finding naming a cause. */
function sharpness(id: string): number {
  return GENERIC.test(id) ? 0 : CODE_READINGS.has(id) ? 1 : 2;
}

/**
 * Findings for one call, most severe first. Pure: the same evidence gives the same findings,
 * whether it came from a capture, the edge's call record or the media relay.
 */
export function diagnoseCall(evidence: CallEvidence, options: DiagnoseOptions = {}): Finding[] {
  const thresholds: DiagnosisThresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const summary = summarizeCall(evidence);
  const byId = new Map<string, Finding>();
  for (const rule of RULES) {
    for (const f of rule({ evidence, summary, thresholds })) {
      const prior = byId.get(f.id);
      // Two sources for one finding (the edge's cause and the messages): keep one, with all the evidence.
      byId.set(f.id, prior ? { ...prior, evidence: [...new Set([...prior.evidence, ...f.evidence])] } : f);
    }
  }
  const all = [...byId.values()];
  // The guide's generic row for a code yields to any sharper finding about the same code, and
  // what the code alone says (a 503's Retry-After) yields to a finding that names the cause.
  const kept = all.filter((f) => !all.some((g) => g !== f && g.code === f.code && sharpness(g.id) > sharpness(f.id)));
  const rank = (f: Finding) => SEVERITIES.indexOf(f.severity);
  return kept.map((f, i) => ({ f, i })).sort((a, b) => rank(b.f) - rank(a.f) || a.i - b.i).map(({ f }) => f);
}
