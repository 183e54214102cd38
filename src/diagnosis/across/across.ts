/**
 * Causes across dialogs: a call's failure explained by another dialog of the same capture (the
 * callee's REGISTER, the peer's OPTIONS keep-alives), and signals only many dialogs together show
 * (a scanner, a password-guessing run). Pure, like the per-call engine; each rule indexes the
 * dialogs once, so a capture of 10 000 calls costs a few passes, not a product.
 */
import { summarizeCall, type CallSummary } from '../call-facts.js';
import type { CallEvidence } from '../evidence.js';
import type { Finding } from '../finding.js';
import type { LegGroup } from './legs.js';

export interface AcrossContext {
  readonly calls: readonly CallEvidence[];
  /** summarizeCall of each call, same order. */
  readonly summaries: readonly CallSummary[];
}

/** A finding that rests on several dialogs at once (the capture's, not one call's). */
export interface AcrossFinding {
  readonly finding: Finding;
  readonly callIds: readonly string[];
}

export interface AcrossResult {
  /** Findings to add to a call, by Call-ID. */
  readonly perCall: ReadonlyMap<string, readonly Finding[]>;
  readonly capture: readonly AcrossFinding[];
  /** Dialogs that are attack traffic (a scan, an enumeration, a guessing run): their own findings describe the attack, not a fault. */
  readonly attack: ReadonlySet<string>;
  /** Legs of one call through a B2BUA/SBC (different Call-IDs), and which leg failed first. */
  readonly groups: readonly LegGroup[];
}

export interface AcrossRuleResult {
  readonly perCall?: readonly (readonly [string, Finding])[];
  readonly capture?: readonly AcrossFinding[];
  readonly attack?: readonly string[];
  readonly groups?: readonly LegGroup[];
}

export type AcrossRule = (ctx: AcrossContext) => AcrossRuleResult;

/** The user part of a SIP/tel URI ("sip:1001@pbx" → "1001"), or undefined. */
export function uriUser(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  const m = /^(?:sips?|tel):([^@;?]+)/i.exec(uri.replace(/^.*</, '').trim());
  return m ? decodeURIComponent(m[1]).toLowerCase() : undefined;
}

export function runAcross(calls: readonly CallEvidence[], rules: readonly AcrossRule[], summaries?: readonly CallSummary[]): AcrossResult {
  const ctx: AcrossContext = { calls, summaries: summaries ?? calls.map((c) => summarizeCall(c)) };
  const perCall = new Map<string, Finding[]>();
  const capture: AcrossFinding[] = [];
  const attack = new Set<string>();
  const groups: LegGroup[] = [];
  for (const rule of rules) {
    const r = rule(ctx);
    for (const [id, f] of r.perCall ?? []) {
      const list = perCall.get(id);
      if (list) list.push(f);
      else perCall.set(id, [f]);
    }
    capture.push(...(r.capture ?? []));
    for (const id of r.attack ?? []) attack.add(id);
    groups.push(...(r.groups ?? []));
  }
  return { perCall, capture, attack, groups };
}
