import { EDGE_CAUSES as DIAG_EDGE_CAUSES, findingSpec } from '../diagnosis/index.js';

/**
 * Every reason the edge itself ends a call attempt. The table lives in the diagnosis engine
 * (diagnosis/edge-causes: status, phrase, Reason or Warning, finding id), so the edge's
 * refusals and the engine's findings cannot drift apart; the edge only names the causes it
 * produces, as a closed union the compiler checks. Codes relayed from the far side
 * (486, 600, 603, …) never appear here.
 */
export const EDGE_CAUSES = [
  'malformed-request', 'malformed-sdp', 'auth-required', 'auth-failed', 'unknown-domain', 'ip-not-whitelisted',
  'trunk-inactive', 'did-not-mapped', 'caller-not-mapped', 'destination-timeout', 'did-inactive', 'did-removed',
  'unsupported-body', 'no-destination', 'destination-unreachable', 'not-e164', 'no-pcma', 'internal-error',
  'bad-upstream-response', 'fqdn-unresolvable', 'no-carrier', 'overload', 'rate-limited', 'concurrency-limited',
  'carrier-timeout', 'srtp-not-allowed', 'srtp-required', 'preconditions-required', 'number-not-in-plan',
  'no-usable-media', 'rtp-timeout', 'too-many-hops', 'registration-disabled', 'registration-not-allowed', 'interval-too-brief', 'too-many-contacts',
  'no-registered-contact', 'counters-unavailable',
] as const;

export type EdgeCause = (typeof EDGE_CAUSES)[number];

export interface CauseRow {
  readonly status: number;
  readonly phrase: string;
  readonly text: string;
  readonly finding: string;
  /** RFC 3326 Reason for most; RFC 3261 §20.43 Warning where a header or the offer must be named. */
  readonly header: 'reason' | 'warning';
  readonly warnCode?: number;
}

/** RFC 3261 §16.3 / §8.2: Max-Forwards exhausted is a loop guard, not a trunk rule, so the engine has no cause for it. */
const LOCAL: Readonly<Record<string, CauseRow>> = {
  'too-many-hops': { status: 483, phrase: 'Too Many Hops', text: 'Max-Forwards reached zero (routing loop?)', finding: findingSpec('sip.483') ? 'sip.483' : 'edge.malformed-request', header: 'reason' },
};

export function causeRow(cause: EdgeCause): CauseRow {
  const e = DIAG_EDGE_CAUSES[cause];
  if (e) return { status: e.status, phrase: e.phrase, text: e.text, finding: e.findingId, header: e.header, ...(e.warnCode ? { warnCode: e.warnCode } : {}) };
  const local = LOCAL[cause];
  if (!local) throw new Error(`edge cause ${cause} has no row`);
  return local;
}
