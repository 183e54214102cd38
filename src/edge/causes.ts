/**
 * Every reason the edge itself ends a call attempt, as data (CONVENTIONS habit 3): the SIP
 * status of SPEC §2, the reason phrase, the words a PBX engineer reads in the Reason or
 * Warning header, and the finding id the diagnosis engine files it under. Codes that the
 * far side sends (486, 600, 603, …) are relayed and never appear here.
 */
export const EDGE_CAUSE_TABLE = {
  'malformed-request': { status: 400, phrase: 'Bad Request', text: 'Malformed request', finding: 'edge.malformed-request', header: 'warning' },
  'malformed-sdp': { status: 400, phrase: 'Bad Request', text: 'SDP could not be parsed', finding: 'edge.malformed-sdp', header: 'warning' },
  'auth-required': { status: 401, phrase: 'Unauthorized', text: 'Trunk requires digest authentication', finding: 'edge.auth-required', header: 'reason' },
  'auth-failed': { status: 401, phrase: 'Unauthorized', text: 'Wrong digest credentials for this trunk', finding: 'edge.auth-failed', header: 'reason' },
  'unknown-domain': { status: 403, phrase: 'Forbidden', text: 'Request-URI domain names no account or trunk', finding: 'edge.unknown-domain', header: 'reason' },
  'ip-not-whitelisted': { status: 403, phrase: 'Forbidden', text: 'Source IP is in no whitelisted range of any trunk of the account', finding: 'edge.ip-not-whitelisted', header: 'reason' },
  'trunk-inactive': { status: 403, phrase: 'Forbidden', text: 'Trunk is inactive', finding: 'edge.trunk-inactive', header: 'reason' },
  'did-not-mapped': { status: 404, phrase: 'Not Found', text: 'Dialled number is not mapped to any trunk', finding: 'edge.did-not-mapped', header: 'reason' },
  'caller-not-mapped': { status: 404, phrase: 'Not Found', text: 'Caller number is not mapped to the trunk and the trunk has no external alias', finding: 'edge.caller-not-mapped', header: 'reason' },
  'destination-timeout': { status: 408, phrase: 'Request Timeout', text: 'No destination URI of the trunk answered', finding: 'edge.destination-timeout', header: 'reason' },
  'did-inactive': { status: 410, phrase: 'Gone', text: 'Dialled number is inactive', finding: 'edge.did-inactive', header: 'reason' },
  'did-removed': { status: 410, phrase: 'Gone', text: 'Dialled number was removed from the trunk', finding: 'edge.did-removed', header: 'reason' },
  'unsupported-body': { status: 415, phrase: 'Unsupported Media Type', text: 'Body is not application/sdp', finding: 'edge.unsupported-body', header: 'warning' },
  'no-destination': { status: 480, phrase: 'Temporarily Unavailable', text: 'Trunk has no reachable destination URI', finding: 'edge.no-destination', header: 'reason' },
  'not-e164': { status: 484, phrase: 'Address Incomplete', text: 'Dialled number is not in E.164 format', finding: 'edge.not-e164', header: 'reason' },
  'no-pcma': { status: 488, phrase: 'Not Acceptable Here', text: 'Offer has no G.711 A-law (PCMA/8000)', finding: 'edge.no-pcma', header: 'warning' },
  'internal-error': { status: 500, phrase: 'Server Internal Error', text: 'Internal fault in the edge', finding: 'edge.internal-error', header: 'reason' },
  'bad-upstream-response': { status: 502, phrase: 'Bad Gateway', text: 'The far side sent an invalid response', finding: 'edge.bad-upstream-response', header: 'reason' },
  'fqdn-unresolvable': { status: 502, phrase: 'Bad Gateway', text: 'Destination FQDN does not resolve', finding: 'edge.fqdn-unresolvable', header: 'reason' },
  'no-carrier': { status: 503, phrase: 'Service Unavailable', text: 'No carrier gateway available', finding: 'edge.no-carrier', header: 'reason' },
  'overload': { status: 503, phrase: 'Service Unavailable', text: 'Edge overloaded', finding: 'edge.overload', header: 'reason' },
  'rate-limited': { status: 503, phrase: 'Service Unavailable', text: 'Trunk call rate limit exceeded', finding: 'edge.rate-limited', header: 'reason' },
  'concurrency-limited': { status: 503, phrase: 'Service Unavailable', text: 'Trunk concurrent call limit reached', finding: 'edge.concurrency-limited', header: 'reason' },
  'carrier-timeout': { status: 504, phrase: 'Server Time-out', text: 'Carrier sent no response in time', finding: 'edge.carrier-timeout', header: 'reason' },
  'srtp-not-allowed': { status: 580, phrase: 'Precondition Failure', text: 'SRTP offered on a trunk without secure trunking', finding: 'edge.srtp-not-allowed', header: 'reason' },
  'srtp-required': { status: 580, phrase: 'Precondition Failure', text: 'Trunk requires SRTP and the offer has none', finding: 'edge.srtp-required', header: 'reason' },
  'preconditions-required': { status: 580, phrase: 'Precondition Failure', text: 'Offer requires preconditions the edge does not support', finding: 'edge.preconditions-required', header: 'reason' },
  'number-not-in-plan': { status: 604, phrase: 'Does Not Exist Anywhere', text: 'Number does not exist in its numbering plan', finding: 'edge.number-not-in-plan', header: 'reason' },
  'no-usable-media': { status: 606, phrase: 'Not Acceptable', text: 'Offer has no usable audio stream', finding: 'edge.no-usable-media', header: 'reason' },
} as const satisfies Record<string, CauseRow>;

export interface CauseRow {
  readonly status: number;
  readonly phrase: string;
  readonly text: string;
  readonly finding: string;
  /** RFC 3326 Reason for most; RFC 3261 §20.43 Warning where the guide asks a header or the offer be named. */
  readonly header: 'reason' | 'warning';
}

export type EdgeCause = keyof typeof EDGE_CAUSE_TABLE;
export const EDGE_CAUSES = Object.keys(EDGE_CAUSE_TABLE) as readonly EdgeCause[];

export function causeRow(cause: EdgeCause): CauseRow {
  return EDGE_CAUSE_TABLE[cause];
}
