import { FINDING_CATALOGUE } from './catalogue.js';
import type { EdgeCauseDetails } from './evidence.js';
import type { FaultDomain } from './finding.js';

/**
 * Why the edge itself ends a call attempt (SPEC §2), as data: the status, the phrase, the plain
 * words for the Reason (RFC 3326) or Warning (RFC 3261 §20.43) header, and the finding it is filed
 * under. The cause ids are the ones the edge records in `evidence.edgeCause`.
 */
export interface EdgeCauseEntry {
  readonly cause: string;
  /** The final response the edge sends; for `rtp-timeout` the cause= of the BYE's Reason. */
  readonly status: number;
  readonly phrase: string;
  /** What the edge sends: a final response, or (RTP timeout) a BYE to both sides. */
  readonly sends: 'response' | 'bye';
  readonly header: 'reason' | 'warning';
  /** RFC 3261 §20.43 warn-code when header is warning: 305 incompatible media format, 399 miscellaneous. */
  readonly warnCode?: number;
  /** Plain words, always valid without details. */
  readonly text: string;
  /** The same words with {placeholders} filled from the details when all are present. */
  readonly template?: string;
  readonly findingId: string;
  readonly title: string;
  readonly fault_domain: FaultDomain;
  readonly checks: readonly string[];
  readonly fix: string;
}

type Row = [status: number, phrase: string, header: 'reason' | 'warning', finding: string, text: string, template?: string];

const ROWS: Readonly<Record<string, Row>> = {
  'malformed-request': [400, 'Bad Request', 'warning', 'edge.malformed-request', 'Malformed request', 'Malformed request: bad or missing {header} header'],
  'malformed-sdp': [400, 'Bad Request', 'warning', 'edge.malformed-sdp', 'SDP could not be parsed', 'SDP could not be parsed: {error}'],
  'auth-required': [401, 'Unauthorized', 'reason', 'auth.credentials-required', 'Trunk requires digest authentication'],
  'auth-failed': [401, 'Unauthorized', 'reason', 'auth.wrong-credentials', 'Wrong digest credentials for this trunk', 'Wrong digest credentials for user {user} on this trunk'],
  'unknown-domain': [403, 'Forbidden', 'reason', 'acl.unknown-domain', 'Request-URI domain names no account or trunk', 'Request-URI domain {domain} names no account or trunk'],
  'ip-not-whitelisted': [403, 'Forbidden', 'reason', 'acl.not-whitelisted', 'Source IP is in no whitelisted range of any trunk of the account', 'Source IP {source} is in no whitelisted range of any trunk of the account'],
  'trunk-inactive': [403, 'Forbidden', 'reason', 'trunk.inactive', 'Trunk is inactive'],
  'did-not-mapped': [404, 'Not Found', 'reason', 'routing.did-not-mapped', 'Dialled number is not mapped to any trunk', 'Dialled number {number} is not mapped to any trunk'],
  'caller-not-mapped': [404, 'Not Found', 'reason', 'routing.caller-not-mapped', 'Caller number is not mapped to the trunk and the trunk has no external alias', 'Caller number {caller} is not mapped to the trunk and the trunk has no external alias'],
  'destination-timeout': [408, 'Request Timeout', 'reason', 'reachability.destination-timeout', 'No destination URI of the trunk answered'],
  'did-inactive': [410, 'Gone', 'reason', 'routing.did-inactive', 'Dialled number is inactive', 'Dialled number {number} is inactive'],
  'did-removed': [410, 'Gone', 'reason', 'routing.did-removed', 'Dialled number was removed from the trunk', 'Dialled number {number} was removed from the trunk'],
  'unsupported-body': [415, 'Unsupported Media Type', 'warning', 'sip.415.not-sdp', 'Body is not application/sdp', 'Body is {contentType}, not application/sdp'],
  'no-destination': [480, 'Temporarily Unavailable', 'reason', 'routing.no-destination-uri', 'Trunk has no destination URI'],
  'destination-unreachable': [480, 'Temporarily Unavailable', 'reason', 'reachability.destination-unreachable', 'No destination URI of the trunk can be reached'],
  'not-e164': [484, 'Address Incomplete', 'reason', 'number.not-e164', 'Dialled number is not in E.164 format', 'Dialled number {number} is not in E.164 format'],
  'no-pcma': [488, 'Not Acceptable Here', 'warning', 'sip.488.no-pcma', 'Offer has no G.711 A-law (PCMA/8000)', 'Offer has no G.711 A-law (PCMA/8000); offered {offered}'],
  'internal-error': [500, 'Server Internal Error', 'reason', 'edge.internal-fault', 'Internal fault in the edge'],
  'bad-upstream-response': [502, 'Bad Gateway', 'reason', 'carrier.invalid-response', 'The far side sent an invalid response'],
  'fqdn-unresolvable': [502, 'Bad Gateway', 'reason', 'routing.fqdn-not-resolving', 'Destination FQDN does not resolve', 'Destination FQDN {host} does not resolve'],
  'no-carrier': [503, 'Service Unavailable', 'reason', 'carrier.unavailable', 'No carrier gateway available'],
  overload: [503, 'Service Unavailable', 'reason', 'edge.overload', 'Edge overloaded'],
  // Issue 15: a node of a cluster fails closed when Redis does not answer (limits it cannot count are not admitted uncounted).
  'counters-unavailable': [503, 'Service Unavailable', 'reason', 'edge.counters-unavailable', 'The cluster\'s shared counters (Redis) do not answer'],
  'rate-limited': [503, 'Service Unavailable', 'reason', 'trunk.rate-limited', 'Trunk call rate limit exceeded', 'Trunk call rate limit of {limit} calls per minute exceeded'],
  'concurrency-limited': [503, 'Service Unavailable', 'reason', 'trunk.concurrency-limited', 'Trunk concurrent call limit reached', 'Trunk concurrent call limit of {limit} reached'],
  'carrier-timeout': [504, 'Server Time-out', 'reason', 'carrier.no-response', 'Carrier sent no response in time'],
  'srtp-not-allowed': [580, 'Precondition Failure', 'reason', 'sip.580.srtp', 'SRTP offered on a trunk without secure trunking'],
  'srtp-required': [580, 'Precondition Failure', 'reason', 'sip.580.srtp-required', 'Trunk requires SRTP and the offer has none'],
  'preconditions-required': [580, 'Precondition Failure', 'reason', 'sip.580.preconditions', 'Offer requires preconditions the edge does not support'],
  'number-not-in-plan': [604, 'Does Not Exist Anywhere', 'reason', 'number.not-in-plan', 'Number does not exist in its numbering plan', 'Number {number} does not exist in its numbering plan'],
  'no-usable-media': [606, 'Not Acceptable', 'reason', 'sip.606.no-usable-media', 'Offer has no usable audio stream'],
  // Issue 11 item 2, the registrar: a REGISTER the edge will not bind (never a bare 405), RFC 3261 §10.3.
  'registration-disabled': [403, 'Forbidden', 'warning', 'trunk.registration-disabled', 'This trunk does not take registrations'],
  'registration-not-allowed': [403, 'Forbidden', 'warning', 'auth.aor-not-allowed', 'The credential may not register this address-of-record'],
  // Beyond RFC 3261 (which sets no limit): every inbound call tries each contact in turn, so their number is bounded.
  'too-many-contacts': [403, 'Forbidden', 'warning', 'trunk.too-many-contacts', 'Too many contacts for this address-of-record'],
  // RFC 3261 §10.3 step 7 / §21.4.17: an expiry below the registrar's minimum; the response carries Min-Expires.
  'interval-too-brief': [423, 'Interval Too Brief', 'reason', 'sip.423', 'Registration expiry is shorter than the edge allows'],
  'no-registered-contact': [480, 'Temporarily Unavailable', 'reason', 'routing.no-registered-contact', 'No PBX is registered on the trunk and it has no destination URI'],
  // RFC 3261 §16.3 step 3: Max-Forwards exhausted, a routing loop guard (beyond SPEC §2's table).
  'too-many-hops': [483, 'Too Many Hops', 'reason', 'sip.483', 'Max-Forwards reached zero (routing loop?)'],
  // RFC 3326 Reason in the BYE: we use cause=408 (a timeout) — SIP has no code for media inactivity.
  'rtp-timeout': [408, 'RTP timeout', 'reason', 'media.rtp-timeout', 'RTP timeout', 'RTP timeout: no media for {timeoutMs} ms'],
};

function entry(cause: string, [status, phrase, header, findingId, text, template]: Row): EdgeCauseEntry {
  const spec = FINDING_CATALOGUE.get(findingId);
  if (!spec) throw new Error(`edge cause ${cause} names unknown finding ${findingId}`);
  return Object.freeze({
    cause,
    status,
    phrase,
    sends: cause === 'rtp-timeout' ? 'bye' : 'response',
    header,
    // RFC 3261 §20.43: 305 "Incompatible media format" for codec refusals, 399 "Miscellaneous warning" otherwise.
    ...(header === 'warning' ? { warnCode: findingId === 'sip.488.no-pcma' || findingId === 'sip.415.not-sdp' ? 305 : 399 } : {}),
    text,
    ...(template ? { template } : {}),
    findingId,
    title: spec.title,
    fault_domain: spec.fault_domain,
    checks: spec.checks,
    fix: spec.fix,
  });
}

/** Every cause the edge may record, keyed by cause id. */
export const EDGE_CAUSES: Readonly<Record<string, EdgeCauseEntry>> = Object.freeze(
  Object.fromEntries(Object.entries(ROWS).map(([cause, row]) => [cause, entry(cause, row)])),
);

export function edgeCause(cause: string): EdgeCauseEntry | undefined {
  return Object.hasOwn(EDGE_CAUSES, cause) ? EDGE_CAUSES[cause] : undefined;
}

export function detailText(value: string | number | boolean | readonly string[]): string {
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** The plain words for the header: the template filled from details, else the fixed text. */
export function edgeCauseText(cause: string, details: EdgeCauseDetails = {}): string {
  const e = edgeCause(cause);
  if (!e) return cause;
  if (!e.template) return e.text;
  let complete = true;
  const filled = e.template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const v = details[key];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) complete = false;
    return v === undefined ? '' : detailText(v);
  });
  return complete ? filled : e.text;
}

/** Quoted-string of RFC 3261 §25.1: backslash and double quote escaped, no CR/LF. */
function quoted(text: string): string {
  return `"${text.replace(/[\r\n]+/g, ' ').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The header the edge adds for a cause: `Reason: SIP;cause=403;text="…"` or `Warning: 305 agent "…"`. */
export function edgeCauseHeader(cause: string, details: EdgeCauseDetails = {}, agent = 'trunkline'): { readonly name: 'Reason' | 'Warning'; readonly value: string } | undefined {
  const e = edgeCause(cause);
  if (!e) return undefined;
  const text = edgeCauseText(cause, details);
  return e.header === 'warning'
    ? { name: 'Warning', value: `${e.warnCode} ${agent} ${quoted(text)}` }
    : { name: 'Reason', value: `SIP;cause=${e.status};text=${quoted(text)}` };
}
