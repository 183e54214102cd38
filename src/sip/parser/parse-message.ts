import { TrunklineError, isTrunklineError } from '../../core/index.js';
import type { SipErrorCode } from '../errors.js';
import { wireHeaderKey } from '../message/header-names.js';
import { type HeaderField, SipHeaders } from '../message/headers.js';
import { type SipMessage, newRequest } from '../message/message.js';
import { isToken, isTokenCode, isWs } from './lexer.js';
import { isAbsoluteUri } from './parse-uri.js';

// This module's own: an imported binding is not a constant to the optimizing compiler (lexer.ts says why).
const charCodeAt = String.prototype.charCodeAt;
const strSlice: (this: string, start?: number, end?: number) => string = String.prototype.slice;
const strIndexOf: (this: string, search: string, position?: number) => number = String.prototype.indexOf;

export interface ParseOptions {
  /** Largest message accepted, in octets (default 65 536; RFC 3261 §18.1.1 sizes aside, a DoS bound). */
  readonly maxBytes?: number;
  /** Most header lines accepted (default 256). */
  readonly maxHeaders?: number;
  /**
   * 'datagram' (default): a missing Content-Length means "the rest of the datagram" (RFC 3261
   * §18.3) and octets after the body are ignored (RFC 4475 §3.1.1.8). 'stream': Content-Length
   * is mandatory.
   */
  readonly transport?: 'datagram' | 'stream';
  /**
   * When true (default) the headers every element relies on — Via, From, To, Call-ID, CSeq,
   * Max-Forwards — are present and parsed at once, so a message that gets past parseMessage can
   * be answered and matched to a transaction. Other headers are parsed on first use.
   */
  readonly strict?: boolean;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 65_536;
export const DEFAULT_MAX_HEADERS = 256;

const VERSION = /^SIP\/[0-9]{1,3}\.[0-9]{1,3}$/i;
const REQUIRED = ['Via', 'From', 'To', 'Call-ID', 'CSeq'] as const;

type Kind = 'request' | 'response' | undefined;

function fail(code: SipErrorCode, message: string, details: Record<string, unknown>, cause?: unknown): TrunklineError {
  return new TrunklineError(code, message, { details, cause });
}

/**
 * The message a parse error was found in, as far as it could be read (start line and header
 * lines split, nothing else trusted): enough for createResponse() to answer 400 (RFC 3261
 * §8.2) when the Via, From, To, Call-ID and CSeq lines are present.
 */
export function partialMessageOf(err: unknown): SipMessage | undefined {
  if (!isTrunklineError(err)) return undefined;
  const partial = err.details['partial'];
  return partial !== null && typeof partial === 'object' && 'kind' in partial ? (partial as SipMessage) : undefined;
}

/**
 * Splits the header section into the start line and header fields, working on indices of the
 * one decoded string (no per-line copies: this runs for every line of every message). Header
 * lines are read even after a bad one, so that a 400 can still be built from the rest.
 */
function readHeaderLines(text: string, byteStart: number, kind: Kind, maxHeaders: number): { first: string; fields: HeaderField[]; headerError?: TrunklineError } {
  const n = text.length;
  const offsetAt = (i: number): number => byteStart + Buffer.byteLength(strSlice.call(text, 0, i), 'utf8');
  let nl = strIndexOf.call(text, '\n');
  if (nl < 0) nl = n;
  const first = strSlice.call(text, 0, nl > 0 && charCodeAt.call(text, nl - 1) === 13 ? nl - 1 : nl);
  const fields: HeaderField[] = [];
  let headerError: TrunklineError | undefined;
  let count = 0;
  for (let pos = nl + 1; pos < n; pos = nl + 1) {
    nl = strIndexOf.call(text, '\n', pos);
    if (nl < 0) nl = n;
    let end = nl > pos && charCodeAt.call(text, nl - 1) === 13 ? nl - 1 : nl;
    if (++count > maxHeaders) {
      // Keep the lines read so far: with the Via among them the sender still gets its 400.
      headerError ??= fail('SIP_PARSE_TOO_MANY_HEADERS', `more than ${maxHeaders} header lines`, { kind, limit: maxHeaders, offset: offsetAt(pos) });
      break;
    }
    const c0 = charCodeAt.call(text, pos);
    if (c0 === 32 || c0 === 9) {
      // RFC 3261 §7.3.1: a line starting with whitespace continues the previous header value.
      const prev = fields.pop();
      if (!prev) {
        headerError ??= fail('SIP_PARSE_BAD_HEADER_LINE', 'continuation line before any header', { kind, offset: offsetAt(pos) });
        continue;
      }
      let vs = pos;
      while (vs < end && isWs(charCodeAt.call(text, vs))) vs++;
      while (end > vs && isWs(charCodeAt.call(text, end - 1))) end--;
      const more = strSlice.call(text, vs, end);
      fields.push({ name: prev.name, key: prev.key, value: prev.value === '' ? more : more === '' ? prev.value : `${prev.value} ${more}` });
      continue;
    }
    // header-name HCOLON value (RFC 3261 §7.3.1: whitespace allowed before the colon).
    const colon = strIndexOf.call(text, ':', pos);
    const hasColon = colon >= 0 && colon < end;
    let nameEnd = hasColon ? colon : pos;
    while (nameEnd > pos && isWs(charCodeAt.call(text, nameEnd - 1))) nameEnd--;
    const name = strSlice.call(text, pos, nameEnd);
    const key = hasColon ? wireHeaderKey(name) : undefined;
    if (key === undefined) {
      headerError ??= fail('SIP_PARSE_BAD_HEADER_LINE', `bad header line "${strSlice.call(text, pos, Math.min(end, pos + 60))}"`, { kind, offset: offsetAt(pos), header: name || undefined });
      continue;
    }
    let vs = colon + 1;
    while (vs < end && isWs(charCodeAt.call(text, vs))) vs++;
    while (end > vs && isWs(charCodeAt.call(text, end - 1))) end--;
    fields.push({ name, key, value: strSlice.call(text, vs, end) });
  }
  return { first, fields, headerError };
}

/**
 * Parses one SIP message (RFC 3261 §7) from bytes. Throws TrunklineError SIP_PARSE_* with
 * details {header?, offset?, kind?, partial?}; validateIncoming() turns such an error into the
 * answer an element owes (400 + Warning, 513, or a silent drop for responses).
 */
export function parseMessage(bytes: Buffer | Uint8Array, opts: ParseOptions = {}): SipMessage {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  // RFC 3261 §7.5: CRLFs before the start line are ignored.
  let start = 0;
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  const kind: Kind =
    buf.length - start >= 4 && buf[start] === 0x53 && buf[start + 1] === 0x49 && buf[start + 2] === 0x50 && buf[start + 3] === 0x2f
      ? 'response'
      : buf.length > start && isTokenCode(buf[start])
        ? 'request'
        : undefined;
  if (buf.length > maxBytes) {
    // RFC 3261 §18.1.1 / §21.5.14: answer 513, which needs the head of the message.
    let partial: SipMessage | undefined;
    const headEnd = buf.subarray(0, maxBytes).indexOf('\r\n\r\n');
    if (headEnd >= 0) {
      try {
        partial = parseMessage(buf.subarray(0, headEnd + 4), { ...opts, strict: false, transport: 'datagram' });
      } catch (err) {
        partial = partialMessageOf(err);
      }
    }
    throw fail('SIP_PARSE_TOO_LARGE', `message of ${buf.length} octets exceeds ${maxBytes}`, { kind, limit: maxBytes, partial });
  }
  if (start >= buf.length) throw fail('SIP_PARSE_EMPTY', 'no SIP message in the bytes', { offset: 0 });

  let headEnd = buf.indexOf('\r\n\r\n', start);
  let bodyStart: number;
  if (headEnd >= 0) bodyStart = headEnd + 4;
  else {
    // Robustness beyond RFC 3261: bare-LF messages from broken stacks, and a datagram whose
    // header section ends at the end of the datagram without the empty line.
    headEnd = buf.indexOf('\n\n', start);
    if (headEnd >= 0) bodyStart = headEnd + 2;
    else if (opts.transport !== 'stream' && buf[buf.length - 1] === 10) {
      headEnd = buf.length;
      bodyStart = buf.length;
    } else throw fail('SIP_PARSE_NO_HEADER_END', 'header section not terminated by an empty line', { kind, offset: buf.length });
  }
  const text = buf.toString('utf8', start, headEnd);
  const { first, fields, headerError } = readHeaderLines(text, start, kind, opts.maxHeaders ?? DEFAULT_MAX_HEADERS);
  const headers = SipHeaders.fromFields(fields);

  // Body, framed by Content-Length (RFC 3261 §18.3).
  const available = buf.length - bodyStart;
  let bodyLength = available;
  let bodyError: TrunklineError | undefined;
  let declared: string | undefined;
  for (const f of fields) {
    if (f.key !== 'content-length') continue;
    if (declared !== undefined && declared !== f.value) {
      bodyError = fail('SIP_PARSE_BAD_CONTENT_LENGTH', 'Content-Length appears twice with different values', { kind, header: 'Content-Length' });
    }
    declared ??= f.value;
  }
  if (!bodyError) {
    if (declared === undefined) {
      if (opts.transport === 'stream') bodyError = fail('SIP_PARSE_MISSING_CONTENT_LENGTH', 'no Content-Length on a stream transport', { kind, header: 'Content-Length' });
    } else if (!/^[0-9]{1,9}$/.test(declared)) {
      bodyError = fail('SIP_PARSE_BAD_CONTENT_LENGTH', `Content-Length "${strSlice.call(declared, 0, 20)}" is not a non-negative integer`, { kind, header: 'Content-Length' });
    } else if (Number(declared) > available) {
      bodyError = fail('SIP_PARSE_BODY_TRUNCATED', `Content-Length ${declared} but only ${available} octets follow`, { kind, header: 'Content-Length', offset: bodyStart });
    } else bodyLength = Number(declared);
  }
  const body = buf.subarray(bodyStart, bodyStart + (bodyError ? Math.min(available, bodyLength) : bodyLength));

  // Start line (RFC 3261 §7.1 Request-Line, §7.2 Status-Line): single SPs, no other LWS.
  let msg: SipMessage;
  let startError: TrunklineError | undefined;
  if (kind === 'response') {
    const sp1 = strIndexOf.call(first, ' ');
    const version = sp1 < 0 ? first : strSlice.call(first, 0, sp1);
    const code = sp1 < 0 ? '' : strSlice.call(first, sp1 + 1, sp1 + 4);
    const after = charCodeAt.call(first, sp1 + 4);
    const reason = strSlice.call(first, sp1 + 5);
    const status = /^[1-6][0-9][0-9]$/.test(code) && (Number.isNaN(after) || after === 32) ? Number(code) : 0;
    if (!VERSION.test(version)) startError = fail('SIP_PARSE_BAD_VERSION', `bad SIP-Version "${strSlice.call(version, 0, 20)}"`, { kind, offset: start });
    else if (status === 0) startError = fail('SIP_PARSE_BAD_STATUS', `bad Status-Code in "${strSlice.call(first, 0, 60)}"`, { kind, offset: start });
    msg = { kind: 'response', status, reason, version, headers, body };
  } else {
    // Request-Line = Method SP Request-URI SP SIP-Version CRLF: exactly two SPs (RFC 4475
    // §3.1.2.8–10 put LWS in the URI, several SPs, trailing SP).
    const sp1 = strIndexOf.call(first, ' ');
    const sp2 = sp1 < 0 ? -1 : strIndexOf.call(first, ' ', sp1 + 1);
    const lastSp = first.lastIndexOf(' ');
    const method = sp1 < 0 ? first : strSlice.call(first, 0, sp1);
    const uri = sp1 < 0 ? '' : strSlice.call(first, sp1 + 1, lastSp > sp1 ? lastSp : first.length);
    const version = lastSp > sp1 ? strSlice.call(first, lastSp + 1) : '';
    if (sp2 < 0 || sp2 !== lastSp || !isToken(method)) startError = fail('SIP_PARSE_BAD_START_LINE', `bad Request-Line "${strSlice.call(first, 0, 80)}"`, { kind, offset: start });
    else if (!isAbsoluteUri(uri)) startError = fail('SIP_PARSE_BAD_REQUEST_URI', `bad Request-URI "${strSlice.call(uri, 0, 80)}"`, { kind, offset: start, header: 'Request-URI' });
    else if (!VERSION.test(version)) startError = fail('SIP_PARSE_BAD_VERSION', `bad SIP-Version "${strSlice.call(version, 0, 20)}"`, { kind, offset: start });
    msg = newRequest(method, uri, version, headers, body);
  }
  const firstError = startError ?? headerError ?? bodyError;
  if (firstError) throw withPartial(firstError, kind === undefined && startError ? undefined : msg, kind);
  if (opts.strict !== false) {
    try {
      checkCoreHeaders(msg);
    } catch (err) {
      throw withPartial(err, msg, kind);
    }
  }
  return msg;
}

function withPartial(err: unknown, msg: SipMessage | undefined, kind: Kind): TrunklineError {
  if (!isTrunklineError(err)) return fail('SIP_PARSE_BAD_HEADER', 'header parse failed', { kind, partial: msg }, err);
  return new TrunklineError(err.code, err.message, { details: { ...err.details, kind, partial: msg }, cause: err.cause });
}

function checkCoreHeaders(msg: SipMessage): void {
  const h = msg.headers;
  // RFC 3261 §8.1.1: To, From, CSeq, Call-ID, Max-Forwards and Via are mandatory; Max-Forwards is
  // not required of what we receive, since RFC 2543 elements omit it (RFC 4475 §3.4.1).
  const present = [h.via().length > 0, h.from() !== undefined, h.to() !== undefined, h.callId() !== undefined, h.cseq() !== undefined];
  const missing = present.indexOf(false);
  if (missing >= 0) throw fail('SIP_PARSE_MISSING_HEADER', `no ${REQUIRED[missing]} header`, { header: REQUIRED[missing] });
  h.maxForwards();
}
