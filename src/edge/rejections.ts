import { causeRow, type EdgeCause } from './causes.js';

/**
 * A refusal as data (CONVENTIONS habit 3): the edge never throws to say no. The B2BUA
 * turns this into a final response; the call record keeps the cause and its finding.
 */
export interface Rejection {
  readonly cause: EdgeCause;
  readonly status: number;
  readonly phrase: string;
  /** Extra headers in order, ready for the response: Reason or Warning, Retry-After, X-Trunkline-*. */
  readonly headers: readonly (readonly [string, string])[];
  readonly findingId: string;
  /** The plain-words explanation, with the detail (header name, offer) when there is one. */
  readonly text: string;
}

export interface RejectionDetail {
  /** Appended to the cause's words: the missing header, the offered codecs, the number. */
  readonly detail?: string;
  /** RFC 3261 §20.33 seconds, for 503. */
  readonly retryAfter?: number;
  /** RFC 3261 §20.43 warn-code; 305 "Incompatible media format" for codec refusals, 399 otherwise. */
  readonly warnCode?: number;
}

/** Quoted-string per RFC 3261 §25.1: escape backslash and double quote, drop CR/LF. */
function quote(text: string): string {
  return `"${text.replace(/[\r\n]+/g, ' ').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

export function reject(cause: EdgeCause, callSid: string, agent: string, opts: RejectionDetail = {}): Rejection {
  const row = causeRow(cause);
  const text = opts.detail ? `${row.text}: ${opts.detail}` : row.text;
  const headers: (readonly [string, string])[] = [];
  if (row.header === 'warning') {
    // RFC 3261 §20.43: warning-value = warn-code SP warn-agent SP warn-text.
    const code = opts.warnCode ?? row.warnCode ?? 399;
    headers.push(['Warning', `${code} ${agent} ${quote(text)}`]);
  }
  // RFC 3326 §2: Reason: SIP ;cause=<status> ;text="…" — on every refusal so a PBX log shows why.
  headers.push(['Reason', `SIP;cause=${row.status};text=${quote(text)}`]);
  if (row.status === 503) headers.push(['Retry-After', String(Math.max(1, Math.ceil(opts.retryAfter ?? 5)))]);
  headers.push(['X-Trunkline-Finding', row.finding]);
  headers.push(['X-Trunkline-Call-Sid', callSid]);
  return { cause, status: row.status, phrase: row.phrase, headers, findingId: row.finding, text };
}
