import { TrunklineError } from '../../core/index.js';
import { parseNameAddr } from '../parser/parse-header.js';
import { parseUri } from '../parser/parse-uri.js';
import { SipHeaders } from './headers.js';
import { reasonPhrase } from './reason-phrases.js';
import type { SipUri } from './uri.js';

export interface SipRequest {
  readonly kind: 'request';
  readonly method: string;
  /** The Request-URI exactly as received. */
  readonly uri: string;
  /** The Request-URI parsed on first use; throws SIP_PARSE_BAD_URI / SIP_PARSE_UNSUPPORTED_URI_SCHEME. */
  readonly requestUri: SipUri;
  /** `SIP/2.0`; anything else is answered 505 by validateIncoming(). */
  readonly version: string;
  readonly headers: SipHeaders;
  /** The body as bytes, never decoded (multipart stays intact, RFC 4475 §3.1.1.11). */
  readonly body: Buffer;
}

export interface SipResponse {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
  readonly version: string;
  readonly headers: SipHeaders;
  readonly body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

class Request implements SipRequest {
  readonly kind = 'request' as const;
  #uri: SipUri | undefined;
  constructor(
    readonly method: string,
    readonly uri: string,
    readonly version: string,
    readonly headers: SipHeaders,
    readonly body: Buffer,
  ) {}

  get requestUri(): SipUri {
    this.#uri ??= parseUri(this.uri);
    return this.#uri;
  }
}

function toHeaders(h: SipHeaders | Iterable<readonly [string, string]> | undefined): SipHeaders {
  return h instanceof SipHeaders ? h : new SipHeaders(h ?? []);
}

export interface RequestInit {
  readonly method: string;
  readonly uri: string;
  readonly headers?: SipHeaders | Iterable<readonly [string, string]>;
  readonly body?: Buffer | Uint8Array | string;
  readonly version?: string;
}

function toBody(body: Buffer | Uint8Array | string | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function createRequest(init: RequestInit): SipRequest {
  return new Request(init.method, init.uri, init.version ?? 'SIP/2.0', toHeaders(init.headers), toBody(init.body));
}

export interface ResponseInit {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: SipHeaders | Iterable<readonly [string, string]>;
  readonly body?: Buffer | Uint8Array | string;
  readonly version?: string;
}

export function createResponseMessage(init: ResponseInit): SipResponse {
  checkStatus(init.status);
  return {
    kind: 'response',
    status: init.status,
    reason: init.reason ?? reasonPhrase(init.status),
    version: init.version ?? 'SIP/2.0',
    headers: toHeaders(init.headers),
    body: toBody(init.body),
  };
}

function checkStatus(status: number): void {
  if (!Number.isInteger(status) || status < 100 || status > 699) {
    throw new TrunklineError('SIP_MESSAGE_INVALID_ARGUMENT', `status ${status} is not in 100–699`, { details: { status } });
  }
}

/** Used by the parser, which has already checked the start line. */
export function newRequest(method: string, uri: string, version: string, headers: SipHeaders, body: Buffer): SipRequest {
  return new Request(method, uri, version, headers, body);
}

export interface ResponseOptions {
  /** RFC 3261 §8.2.6.2: added to To unless To already has one; never on 100 Trying. */
  readonly toTag?: string;
  /** Extra header lines appended after the copied ones (Warning, Allow, Contact, …). */
  readonly headers?: Iterable<readonly [string, string]>;
  readonly body?: Buffer | Uint8Array | string;
}

/**
 * A response to `request` per RFC 3261 §8.2.6: Via (all values, same order), From, To, Call-ID
 * and CSeq copied; To tag added when given; Timestamp copied on 100 (§8.2.6.1). Works on the
 * partial request of a parse error too (values are copied as text, never re-parsed).
 */
export function createResponse(request: SipRequest, status: number, reason?: string, options: ResponseOptions = {}): SipResponse {
  checkStatus(status);
  const src = request.headers;
  const headers = new SipHeaders();
  for (const f of src.fields()) if (f.key === 'via') headers.append('Via', f.value);
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) {
    const field = src.fields().find((f) => f.key === name.toLowerCase());
    if (!field) continue;
    let value = field.value;
    if (name === 'To' && options.toTag && status !== 100 && !hasTag(value)) value = `${value};tag=${options.toTag}`;
    headers.append(name, value);
  }
  if (status === 100) {
    const ts = src.get('Timestamp');
    if (ts !== undefined) headers.append('Timestamp', ts);
  }
  for (const [name, value] of options.headers ?? []) headers.append(name, value);
  const body = toBody(options.body);
  headers.set('Content-Length', String(body.length));
  return { kind: 'response', status, reason: reason ?? reasonPhrase(status), version: 'SIP/2.0', headers, body };
}

function hasTag(to: string): boolean {
  try {
    return parseNameAddr(to, 'To').tag !== null;
  } catch {
    // A malformed To (we may be answering 400 to it) still must not get a second tag.
    return /;\s*tag\s*=/i.test(to);
  }
}
