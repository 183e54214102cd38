import { isTrunklineError } from '../../core/index.js';
import { partialMessageOf } from '../parser/parse-message.js';
import { uriScheme } from '../parser/parse-uri.js';
import type { SipMessage, SipRequest } from './message.js';

/** What an element must do with a received message (or with the error parseMessage threw). */
export type IncomingVerdict =
  | { readonly action: 'accept'; readonly message: SipMessage }
  | {
      readonly action: 'respond';
      readonly status: number;
      readonly reason: string;
      /** A Warning header value naming the fault (RFC 3261 §20.43, code 399), when there is one. */
      readonly warning?: string;
      /** The request to answer (for a parse error: the partial request, enough for createResponse). */
      readonly request: SipRequest;
      /** The error code behind the answer, for logs and findings. */
      readonly code: string;
    }
  | { readonly action: 'drop'; readonly why: string };

export interface ValidateOptions {
  /** warn-agent of the Warning header (RFC 3261 §20.43); default "trunkline". */
  readonly agent?: string;
  /**
   * 'ua' (default): a response must carry exactly one Via (RFC 3261 §18.1.2 — more means it was
   * not meant for us, RFC 4475 §3.3.10). 'proxy': any number of Vias.
   */
  readonly role?: 'ua' | 'proxy';
}

function warning(agent: string, text: string): string {
  return `399 ${agent} "${text.replace(/["\\]/g, '')}"`;
}

const FAULT_TEXT: Readonly<Record<string, string>> = {
  SIP_PARSE_BAD_START_LINE: 'Malformed Request-Line',
  SIP_PARSE_BAD_REQUEST_URI: 'Malformed Request-URI',
  SIP_PARSE_BAD_VERSION: 'Malformed SIP-Version',
  SIP_PARSE_BAD_HEADER_LINE: 'Malformed header line',
  SIP_PARSE_NO_HEADER_END: 'Header section not terminated',
  SIP_PARSE_BODY_TRUNCATED: 'Content-Length larger than the message body',
  SIP_PARSE_MISSING_CONTENT_LENGTH: 'Missing Content-Length on a stream transport',
  SIP_PARSE_TOO_MANY_HEADERS: 'Too many header fields',
};

function faultText(code: string, header: string | undefined): string {
  if (code === 'SIP_PARSE_MISSING_HEADER' && header) return `Missing ${header} header`;
  if (code === 'SIP_PARSE_DUPLICATE_HEADER' && header) return `Multiple ${header} headers`;
  if (FAULT_TEXT[code] !== undefined && code !== 'SIP_PARSE_BAD_HEADER_LINE') return FAULT_TEXT[code];
  if (header === 'Request-URI') return 'Malformed Request-URI';
  if (header) return `Malformed ${header} header`;
  return FAULT_TEXT[code] ?? 'Malformed message';
}

/**
 * Decides what to do with a received message or parse error (RFC 3261 §8.2, §16.3, §18.1.2;
 * RFC 4475): accept it; answer 400 with a Warning naming the bad header, 505 for a SIP-Version
 * other than 2.0, 416 for a Request-URI scheme other than sip/sips/tel, 513 when too large; or
 * drop it (any broken response, any request too broken to answer). Application-level answers
 * (420, 415, 483, 501, …) belong to the element that knows its extensions and methods.
 */
export function validateIncoming(input: SipMessage | unknown, opts: ValidateOptions = {}): IncomingVerdict {
  const agent = opts.agent ?? 'trunkline';
  if (!isMessage(input)) {
    if (!isTrunklineError(input) || !input.code.startsWith('SIP_PARSE_')) return { action: 'drop', why: 'not a SIP parse result' };
    const partial = partialMessageOf(input);
    // RFC 3261 §18.1.2 / RFC 4475 §3.1.2.5, §3.1.2.19: a malformed response is discarded.
    if (!partial || partial.kind !== 'request') return { action: 'drop', why: `unparseable ${partial?.kind ?? 'message'}: ${input.code}` };
    // No Via means no place to send an answer (RFC 3261 §18.2.2).
    if (!partial.headers.has('Via')) return { action: 'drop', why: `unanswerable request without Via: ${input.code}` };
    const header = typeof input.details['header'] === 'string' ? input.details['header'] : undefined;
    if (input.code === 'SIP_PARSE_TOO_LARGE') return respond(partial, 513, 'Message Too Large', input.code);
    if (input.code === 'SIP_PARSE_BAD_VERSION' || (partial.version !== '' && !/^SIP\/2\.0$/i.test(partial.version) && /^SIP\/\d+\.\d+$/i.test(partial.version))) {
      return respond(partial, 505, 'Version Not Supported', input.code);
    }
    return respond(partial, 400, 'Bad Request', input.code, warning(agent, faultText(input.code, header)));
  }
  if (input.kind === 'response') {
    if (input.version.toUpperCase() !== 'SIP/2.0') return { action: 'drop', why: 'response with a SIP-Version other than 2.0' };
    if ((opts.role ?? 'ua') === 'ua' && input.headers.via().length !== 1) {
      return { action: 'drop', why: 'response with more than one Via (RFC 3261 §18.1.2)' };
    }
    return { action: 'accept', message: input };
  }
  const req = input;
  // RFC 3261 §8.2.2 / RFC 4475 §3.1.2.16: a UAS answers 505 to a version it does not speak.
  if (req.version.toUpperCase() !== 'SIP/2.0') return respond(req, 505, 'Version Not Supported', 'SIP_PARSE_BAD_VERSION');
  let ruri;
  try {
    ruri = req.requestUri;
  } catch (err) {
    if (isTrunklineError(err, 'SIP_PARSE_UNSUPPORTED_URI_SCHEME')) {
      // RFC 3261 §8.2.2.1 / RFC 4475 §3.3.2, §3.3.3.
      return respond(req, 416, 'Unsupported URI Scheme', 'SIP_PARSE_UNSUPPORTED_URI_SCHEME');
    }
    return respond(req, 400, 'Bad Request', 'SIP_PARSE_BAD_URI', warning(agent, 'Malformed Request-URI'));
  }
  // RFC 3261 §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11 escruri).
  if (ruri.headers.size > 0) return respond(req, 400, 'Bad Request', 'SIP_PARSE_BAD_URI', warning(agent, 'Request-URI must not contain headers'));
  // RFC 3261 §8.1.1.5 / RFC 4475 §3.1.2.17–18: the CSeq method matches the request method.
  let cseq;
  try {
    cseq = req.headers.cseq();
  } catch (err) {
    const code = isTrunklineError(err) ? err.code : 'SIP_PARSE_BAD_HEADER';
    return respond(req, 400, 'Bad Request', code, warning(agent, faultText(code, 'CSeq')));
  }
  if (cseq && cseq.method !== req.method) {
    return respond(req, 400, 'Bad Request', 'SIP_PARSE_BAD_HEADER', warning(agent, 'CSeq method does not match the Request-Line'));
  }
  const h = req.headers;
  const checks: ReadonlyArray<readonly [string, () => unknown]> = [
    ['Via', () => h.via()], ['From', () => h.from()], ['To', () => h.to()], ['Call-ID', () => h.callId()],
    ['Max-Forwards', () => h.maxForwards()], ['Contact', () => h.contacts()], ['Route', () => h.routes()],
    ['Record-Route', () => h.recordRoutes()], ['Content-Type', () => h.contentType()],
  ];
  for (const [name, check] of checks) {
    try {
      check();
    } catch (err) {
      const code = isTrunklineError(err) ? err.code : 'SIP_PARSE_BAD_HEADER';
      const header = isTrunklineError(err) && typeof err.details['header'] === 'string' ? err.details['header'] : name;
      return respond(req, 400, 'Bad Request', code, warning(agent, faultText(code, header)));
    }
  }
  // RFC 3261 §10.2: the To of a REGISTER is the address-of-record, a SIP or SIPS URI
  // (RFC 4475 §3.3.4 unksm2: a registrar answers 400).
  if (req.method === 'REGISTER') {
    const scheme = uriScheme(h.to()?.uri ?? '');
    if (scheme !== 'sip' && scheme !== 'sips') {
      return respond(req, 400, 'Bad Request', 'SIP_PARSE_BAD_URI', warning(agent, 'To of a REGISTER must be a SIP or SIPS URI'));
    }
  }
  return { action: 'accept', message: req };
}

/** validateIncoming for the request side: what a UAS or proxy owes a received request. */
export function validateRequest(input: SipRequest | unknown, opts: ValidateOptions = {}): IncomingVerdict {
  return validateIncoming(input, opts);
}

function respond(request: SipRequest, status: number, reason: string, code: string, warningValue?: string): IncomingVerdict {
  // RFC 3261 §17.1.1.3 / §8.2: an ACK is never answered, not even a broken one.
  if (request.method === 'ACK') return { action: 'drop', why: `ACK that would have been answered ${status}: ${code}` };
  return warningValue === undefined
    ? { action: 'respond', status, reason, request, code }
    : { action: 'respond', status, reason, warning: warningValue, request, code };
}

function isMessage(x: unknown): x is SipMessage {
  return typeof x === 'object' && x !== null && !(x instanceof Error) && 'kind' in x && 'headers' in x;
}
