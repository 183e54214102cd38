import { TrunklineError } from '../../core/index.js';
import type { SipUri } from '../message/uri.js';
import { EMPTY_MAP, isHexColonDot } from './lexer.js';

// This module's own: an imported binding is not a constant to the optimizing compiler (lexer.ts says why).
const charCodeAt = String.prototype.charCodeAt;
const strSlice: (this: string, start?: number, end?: number) => string = String.prototype.slice;
const strIndexOf: (this: string, search: string, position?: number) => number = String.prototype.indexOf;

function badUri(text: string, why: string): TrunklineError {
  return new TrunklineError('SIP_PARSE_BAD_URI', `bad URI "${strSlice.call(text, 0, 120)}": ${why}`, { details: { uri: strSlice.call(text, 0, 200) } });
}

/** Length of the RFC 3261 §25.1 scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )) before ":", or 0. */
function schemeLength(text: string): number {
  const colon = strIndexOf.call(text, ':');
  if (colon <= 0) return 0;
  for (let i = 0; i < colon; i++) {
    const c = charCodeAt.call(text, i) | 0x20;
    const alpha = c >= 97 && c <= 122;
    if (i === 0 ? !alpha : !(alpha || (c >= 48 && c <= 57) || c === 0x2b || c === 0x2d || c === 0x2e)) return 0;
  }
  return colon;
}

/** The lower-cased scheme of a URI, or '' when it has none. */
export function uriScheme(text: string): string {
  const n = schemeLength(text);
  return n === 0 ? '' : strSlice.call(text, 0, n).toLowerCase();
}

/** True when `text` is an absoluteURI as RFC 3261 §25.1 allows on a Request-Line (any scheme). */
export function isAbsoluteUri(text: string): boolean {
  if (schemeLength(text) === 0) return false;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = charCodeAt.call(text, i);
    // No LWS, no controls, no angle brackets or quotes (RFC 4475 §3.1.2.7/§3.1.2.8).
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) return false;
  }
  return true;
}

// Allowed unescaped characters per part (RFC 3261 §25.1), '%' handled separately.
const MARK = "-_.!~*'()";
const USER_CHARS = charSet(`${MARK}&=+$,;?/`);
const PASSWORD_CHARS = charSet(`${MARK}&=+$,`);
const PARAM_CHARS = charSet(`${MARK}[]/:&+$`);
const HEADER_CHARS = charSet(`${MARK}[]/?:+$`);
const TEL_CHARS = charSet('+-.()*#');

function charSet(extra: string): Uint8Array {
  const set = new Uint8Array(128);
  for (let c = 48; c <= 57; c++) set[c] = 1;
  for (let c = 65; c <= 90; c++) set[c] = 1;
  for (let c = 97; c <= 122; c++) set[c] = 1;
  for (const ch of extra) set[ch.charCodeAt(0)] = 1;
  return set;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** %-decodes `text` after checking every character against `allowed` (RFC 3261 §19.1.2 escaping). */
function decodePart(text: string, allowed: Uint8Array, all: string, what: string): string {
  let hasEscape = false;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = charCodeAt.call(text, i);
    if (c === 37) {
      if (i + 2 >= text.length) throw badUri(all, `truncated %-escape in ${what}`);
      if (!isHex(charCodeAt.call(text, i + 1)) || !isHex(charCodeAt.call(text, i + 2))) throw badUri(all, `bad %-escape in ${what}`);
      hasEscape = true;
      i += 2;
    } else if (c >= 128 || allowed[c] !== 1) throw badUri(all, `character "${text[i]}" not allowed in ${what}`);
  }
  if (!hasEscape) return text;
  // Decode to octets first: %00 (RFC 4475 §3.1.1.4) and partial UTF-8 must survive.
  const bytes: number[] = [];
  for (let i = 0, n = text.length; i < n; i++) {
    const c = charCodeAt.call(text, i);
    if (c === 37) {
      bytes.push(parseInt(strSlice.call(text, i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c);
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseHost(hostport: string, all: string): { host: string; port: number | null } {
  let host: string;
  let rest: string;
  if (charCodeAt.call(hostport, 0) === 91) {
    const close = strIndexOf.call(hostport, ']');
    if (close < 0) throw badUri(all, 'unterminated IPv6 reference');
    host = strSlice.call(hostport, 1, close);
    if (!isHexColonDot(host)) throw badUri(all, 'bad IPv6 reference');
    // RFC 5118 §4.10: tolerate the 3-colon form the RFC 3261 ABNF allowed; normalise to "::".
    host = host.replace(':::', '::');
    rest = strSlice.call(hostport, close + 1);
  } else {
    const colon = strIndexOf.call(hostport, ':');
    host = colon < 0 ? hostport : strSlice.call(hostport, 0, colon);
    rest = colon < 0 ? '' : strSlice.call(hostport, colon);
    if (host.length === 0) throw badUri(all, 'empty host');
    for (let i = 0, n = host.length; i < n; i++) {
      const c = charCodeAt.call(host, i);
      // hostname / IPv4address (RFC 3261 §25.1), plus "_" which deployed equipment uses in host names.
      const ok = (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 45 || c === 46 || c === 95;
      if (!ok) throw badUri(all, `character "${host[i]}" not allowed in host`);
    }
  }
  if (rest === '') return { host, port: null };
  if (charCodeAt.call(rest, 0) !== 58) throw badUri(all, 'junk after host');
  const digits = strSlice.call(rest, 1);
  if (digits.length === 0 || digits.length > 5 || !/^[0-9]+$/.test(digits)) throw badUri(all, 'bad port');
  const port = Number(digits);
  if (port > 65535) throw badUri(all, 'port out of range');
  return { host, port };
}

function parseUriParams(text: string, all: string): ReadonlyMap<string, string | null> {
  if (text === '') return EMPTY_MAP;
  const params = new Map<string, string | null>();
  for (const part of text.split(';')) {
    if (part === '') throw badUri(all, 'empty uri-parameter');
    const eq = strIndexOf.call(part, '=');
    const name = decodePart(eq < 0 ? part : strSlice.call(part, 0, eq), PARAM_CHARS, all, 'uri-parameter').toLowerCase();
    if (name === '') throw badUri(all, 'empty uri-parameter name');
    params.set(name, eq < 0 ? null : decodePart(strSlice.call(part, eq + 1), PARAM_CHARS, all, 'uri-parameter'));
  }
  return params;
}

function parseUriHeaders(text: string, all: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const part of text.split('&')) {
    const eq = strIndexOf.call(part, '=');
    if (eq <= 0) throw badUri(all, 'bad URI header');
    headers.set(decodePart(strSlice.call(part, 0, eq), HEADER_CHARS, all, 'URI header'), decodePart(strSlice.call(part, eq + 1), HEADER_CHARS, all, 'URI header'));
  }
  return headers;
}

/**
 * Parses a sip:, sips: (RFC 3261 §19.1.1) or tel: (RFC 3966) URI. Throws TrunklineError
 * SIP_PARSE_UNSUPPORTED_URI_SCHEME for any other scheme (a UAS answers 416, RFC 3261 §8.2.2.1)
 * and SIP_PARSE_BAD_URI for a malformed one.
 */
export function parseUri(text: string): SipUri {
  const scheme = uriScheme(text);
  if (scheme === '') throw badUri(text, 'no scheme');
  if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') {
    throw new TrunklineError('SIP_PARSE_UNSUPPORTED_URI_SCHEME', `unsupported URI scheme "${scheme}"`, { details: { scheme } });
  }
  for (let i = 0, n = text.length; i < n; i++) {
    const c = charCodeAt.call(text, i);
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) throw badUri(text, 'whitespace, control, quote or angle bracket in URI');
  }
  const body = strSlice.call(text, scheme.length + 1);
  if (scheme === 'tel') {
    const semi = body.indexOf(';');
    const number = semi < 0 ? body : body.slice(0, semi);
    if (number === '') throw badUri(text, 'empty telephone number');
    for (let i = 0, n = number.length; i < n; i++) {
      const c = charCodeAt.call(number, i);
      if (c >= 128 || (TEL_CHARS[c] !== 1 && !isHex(c))) throw badUri(text, 'bad character in telephone number');
    }
    const params = parseUriParams(semi < 0 ? '' : body.slice(semi + 1), text);
    return { scheme, user: number, password: null, host: '', port: null, params, headers: EMPTY_MAP, raw: text };
  }
  // userinfo ends at the first "@" (user may contain ";" "?" "/" — RFC 4475 §3.1.1.2, §3.1.1.9).
  const at = body.indexOf('@');
  let user: string | null = null;
  let password: string | null = null;
  let hostPart = body;
  if (at >= 0) {
    const userinfo = body.slice(0, at);
    const colon = strIndexOf.call(userinfo, ':');
    const userText = colon < 0 ? userinfo : strSlice.call(userinfo, 0, colon);
    if (userText === '') throw badUri(text, 'empty user');
    user = decodePart(userText, USER_CHARS, text, 'user');
    if (colon >= 0) password = decodePart(strSlice.call(userinfo, colon + 1), PASSWORD_CHARS, text, 'password');
    hostPart = body.slice(at + 1);
  }
  const q = strIndexOf.call(hostPart, '?');
  const beforeHeaders = q < 0 ? hostPart : strSlice.call(hostPart, 0, q);
  const semi = charCodeAt.call(beforeHeaders, 0) === 91 ? strIndexOf.call(beforeHeaders, ';', strIndexOf.call(beforeHeaders, ']')) : strIndexOf.call(beforeHeaders, ';');
  const hostport = semi < 0 ? beforeHeaders : strSlice.call(beforeHeaders, 0, semi);
  const { host, port } = parseHost(hostport, text);
  const params = parseUriParams(semi < 0 ? '' : strSlice.call(beforeHeaders, semi + 1), text);
  const headers = q < 0 ? EMPTY_MAP : parseUriHeaders(strSlice.call(hostPart, q + 1), text);
  return { scheme, user, password, host, port, params, headers, raw: text };
}
