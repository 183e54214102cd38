import { TrunklineError, isTrunklineError } from '../../core/index.js';
import type { SipErrorCode } from '../errors.js';
import { wireHeaderKey } from '../message/header-names.js';
import { type HeaderField, SipHeaders } from '../message/headers.js';
import { type SipMessage, newRequest } from '../message/message.js';
import { isToken, isTokenCode, isWs, trimLws } from './lexer.js';
import { isAbsoluteUri } from './parse-uri.js';

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

/** Start line + header lines; returns the index in `text` where they end. */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    lines.push(text.slice(pos, end));
    pos = nl + 1;
  }
  return lines;
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
  const lines = splitLines(buf.toString('utf8', start, headEnd));
  const maxHeaders = opts.maxHeaders ?? DEFAULT_MAX_HEADERS;
  if (lines.length - 1 > maxHeaders) {
    throw fail('SIP_PARSE_TOO_MANY_HEADERS', `more than ${maxHeaders} header lines`, { kind, limit: maxHeaders });
  }

  // Header lines first, so that even a bad start line leaves a partial message to answer.
  const fields: HeaderField[] = [];
  let headerError: TrunklineError | undefined;
  // Byte offset of line n, computed only when an error needs it.
  const offsetOf = (n: number): number => {
    let o = start;
    for (let k = 0; k < n; k++) o += Buffer.byteLength(lines[k], 'utf8') + 2;
    return o;
  };
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n];
    const c0 = line.charCodeAt(0);
    if (c0 === 32 || c0 === 9) {
      // RFC 3261 §7.3.1: a line starting with whitespace continues the previous header value.
      const prev = fields.pop();
      if (!prev) {
        headerError ??= fail('SIP_PARSE_BAD_HEADER_LINE', 'continuation line before any header', { kind, offset: offsetOf(n) });
        continue;
      }
      const more = trimLws(line);
      fields.push({ name: prev.name, key: prev.key, value: prev.value === '' ? more : more === '' ? prev.value : `${prev.value} ${more}` });
      continue;
    }
    // header-name HCOLON value: index arithmetic rather than slice+trim, this runs per line.
    const colon = line.indexOf(':');
    let nameEnd = colon;
    while (nameEnd > 0 && isWs(line.charCodeAt(nameEnd - 1))) nameEnd--;
    const name = colon < 0 ? '' : line.slice(0, nameEnd);
    const key = colon < 0 ? undefined : wireHeaderKey(name);
    if (key === undefined) {
      headerError ??= fail('SIP_PARSE_BAD_HEADER_LINE', `bad header line "${line.slice(0, 60)}"`, { kind, offset: offsetOf(n), header: name || undefined });
      continue;
    }
    let vs = colon + 1;
    let ve = line.length;
    while (vs < ve && isWs(line.charCodeAt(vs))) vs++;
    while (ve > vs && isWs(line.charCodeAt(ve - 1))) ve--;
    fields.push({ name, key, value: line.slice(vs, ve) });
  }
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
      bodyError = fail('SIP_PARSE_BAD_CONTENT_LENGTH', `Content-Length "${declared.slice(0, 20)}" is not a non-negative integer`, { kind, header: 'Content-Length' });
    } else if (Number(declared) > available) {
      bodyError = fail('SIP_PARSE_BODY_TRUNCATED', `Content-Length ${declared} but only ${available} octets follow`, { kind, header: 'Content-Length', offset: bodyStart });
    } else bodyLength = Number(declared);
  }
  const body = buf.subarray(bodyStart, bodyStart + (bodyError ? Math.min(available, bodyLength) : bodyLength));

  // Start line (RFC 3261 §7.1 Request-Line, §7.2 Status-Line): single SPs, no other LWS.
  const first = lines[0];
  let msg: SipMessage;
  let startError: TrunklineError | undefined;
  if (kind === 'response') {
    const sp1 = first.indexOf(' ');
    const version = sp1 < 0 ? first : first.slice(0, sp1);
    const code = sp1 < 0 ? '' : first.slice(sp1 + 1, sp1 + 4);
    const after = first.charCodeAt(sp1 + 4);
    const reason = first.slice(sp1 + 5);
    const status = /^[1-6][0-9][0-9]$/.test(code) && (Number.isNaN(after) || after === 32) ? Number(code) : 0;
    if (!VERSION.test(version)) startError = fail('SIP_PARSE_BAD_VERSION', `bad SIP-Version "${version.slice(0, 20)}"`, { kind, offset: start });
    else if (status === 0) startError = fail('SIP_PARSE_BAD_STATUS', `bad Status-Code in "${first.slice(0, 60)}"`, { kind, offset: start });
    msg = { kind: 'response', status, reason, version, headers, body };
  } else {
    const parts = first.split(' ');
    const [method = '', uri = '', version = ''] = parts;
    if (parts.length !== 3 || !isToken(method)) startError = fail('SIP_PARSE_BAD_START_LINE', `bad Request-Line "${first.slice(0, 80)}"`, { kind, offset: start });
    else if (!isAbsoluteUri(uri)) startError = fail('SIP_PARSE_BAD_REQUEST_URI', `bad Request-URI "${uri.slice(0, 80)}"`, { kind, offset: start, header: 'Request-URI' });
    else if (!VERSION.test(version)) startError = fail('SIP_PARSE_BAD_VERSION', `bad SIP-Version "${version.slice(0, 20)}"`, { kind, offset: start });
    msg = newRequest(parts.length >= 1 ? method : '', parts.length === 3 ? uri : parts.slice(1, -1).join(' '), parts.length >= 2 ? parts[parts.length - 1] : '', headers, body);
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
