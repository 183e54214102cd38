import type { AuthValue, CSeq, MediaType, NameAddr, Via } from '../message/header-values.js';
import { EMPTY_MAP, type Params, badHeader, endOfQuoted, trimLws, isDigits, isHexColonDot, isToken, isTokenCode, isWs, paramText, parseParams, skipWs, splitTopLevel, unquote } from './lexer.js';
import { isAbsoluteUri } from './parse-uri.js';

// This module's own: an imported binding is not a constant to the optimizing compiler (lexer.ts says why).
const charCodeAt = String.prototype.charCodeAt;
const strSlice: (this: string, start?: number, end?: number) => string = String.prototype.slice;
const strIndexOf: (this: string, search: string, position?: number) => number = String.prototype.indexOf;
const strStartsWith: (this: string, search: string, position?: number) => boolean = String.prototype.startsWith;

/** Splits a list header value on top-level commas (RFC 3261 §7.3.1); empty elements are errors. */
export function splitList(value: string, header: string): string[] {
  const parts = splitTopLevel(value, 44);
  if (parts === null) throw badHeader(header, 'unterminated quoted string');
  for (const p of parts) if (p.length === 0) throw badHeader(header, 'empty list element');
  return parts;
}

function readToken(text: string, i: number): number {
  const n = text.length;
  while (i < n && isTokenCode(charCodeAt.call(text, i))) i++;
  return i;
}

/** One via-parm (RFC 3261 §25.1): sent-protocol LWS sent-by *( SEMI via-params ), SWS around "/". */
export function parseVia(raw: string): Via {
  const t = raw;
  const n = t.length;
  let i = skipWs(t, 0);
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport, SWS around the slashes.
  let protocol: string;
  let transport: string;
  if (strStartsWith.call(t, 'SIP/2.0/', i) && isTokenCode(charCodeAt.call(t, i + 8))) {
    // The form everyone sends: no case folding, no LWS.
    protocol = 'SIP/2.0';
    const end = readToken(t, i + 8);
    transport = strSlice.call(t, i + 8, end);
    if (transport !== 'UDP' && transport !== 'TCP' && transport !== 'TLS') transport = transport.toUpperCase();
    i = end;
  } else {
    const parts: string[] = [];
    for (let k = 0; k < 3; k++) {
      const end = readToken(t, i);
      if (end === i) throw badHeader('Via', 'bad sent-protocol');
      parts.push(strSlice.call(t, i, end));
      i = skipWs(t, end);
      if (k < 2) {
        if (charCodeAt.call(t, i) !== 47) throw badHeader('Via', 'bad sent-protocol');
        i = skipWs(t, i + 1);
      }
    }
    protocol = `${parts[0].toUpperCase()}/${parts[1]}`;
    transport = parts[2].toUpperCase();
  }
  // sent-by follows after LWS (RFC 3261 §25.1 via-parm = sent-protocol LWS sent-by).
  if (!isWs(charCodeAt.call(t, i)) && !isWs(charCodeAt.call(t, i - 1))) throw badHeader('Via', 'no LWS between sent-protocol and sent-by');
  i = skipWs(t, i);
  let host: string;
  if (charCodeAt.call(t, i) === 91) {
    const close = strIndexOf.call(t, ']', i);
    if (close < 0 || !isHexColonDot(strSlice.call(t, i + 1, close))) throw badHeader('Via', 'bad IPv6 reference in sent-by');
    host = strSlice.call(t, i + 1, close).replace(':::', '::');
    i = close + 1;
  } else {
    const start = i;
    while (i < n) {
      const c = charCodeAt.call(t, i);
      // Beyond RFC 3261 hostname: "_" is accepted, as deployed equipment uses it in host names.
      if (!((c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 45 || c === 46 || c === 95)) break;
      i++;
    }
    host = strSlice.call(t, start, i);
    if (host === '') throw badHeader('Via', 'missing sent-by host');
  }
  i = skipWs(t, i);
  let port: number | null = null;
  if (charCodeAt.call(t, i) === 58) {
    i = skipWs(t, i + 1);
    const start = i;
    while (i < n && charCodeAt.call(t, i) >= 48 && charCodeAt.call(t, i) <= 57) i++;
    const digits = strSlice.call(t, start, i);
    if (digits === '' || digits.length > 5 || Number(digits) > 65535) throw badHeader('Via', 'bad sent-by port');
    port = Number(digits);
    i = skipWs(t, i);
  }
  let params: Params = EMPTY_MAP;
  if (i < n) {
    if (charCodeAt.call(t, i) !== 59) throw badHeader('Via', 'junk after sent-by');
    params = parseParams(strSlice.call(t, i + 1), 'Via');
  }
  const text = (name: string): string | null => paramText(params.get(name));
  let received = text('received');
  if (received !== null && strStartsWith.call(received, '[')) received = strSlice.call(received, 1, -1);
  const rportRaw = params.get('rport');
  let rport: true | number | null = null;
  if (rportRaw === null) rport = true;
  else if (rportRaw !== undefined) {
    if (!isDigits(rportRaw) || Number(rportRaw) > 65535) throw badHeader('Via', 'bad rport');
    rport = Number(rportRaw);
  }
  const ttlRaw = text('ttl');
  let ttl: number | null = null;
  if (ttlRaw !== null) {
    if (!isDigits(ttlRaw) || Number(ttlRaw) > 255) throw badHeader('Via', 'bad ttl');
    ttl = Number(ttlRaw);
  }
  const branch = params.has('branch') ? text('branch') : null;
  if (params.has('branch') && (branch === null || branch === '')) throw badHeader('Via', 'empty branch');
  return {
    protocol,
    transport,
    host,
    port,
    branch,
    received,
    rport,
    maddr: text('maddr'),
    ttl,
    params,
    raw,
  };
}

export function parseViaList(value: string): Via[] {
  return splitList(value, 'Via').map(parseVia);
}

function checkUnquotedDisplayName(text: string, header: string): void {
  // display-name = *(token LWS) / quoted-string (RFC 3261 §25.1); RFC 4475 §3.1.2.15 baddn.
  for (let i = 0, n = text.length; i < n; i++) {
    const c = charCodeAt.call(text, i);
    if (!isTokenCode(c) && !isWs(c)) throw badHeader(header, 'display name must be tokens or a quoted string');
  }
}

function checkUri(uri: string, header: string): void {
  if (!isAbsoluteUri(uri)) throw badHeader(header, `bad URI "${strSlice.call(uri, 0, 80)}"`);
}

/** name-addr / addr-spec followed by header parameters (RFC 3261 §20.10). */
export function parseNameAddr(raw: string, header: string): NameAddr {
  const t = trimLws(raw);
  let displayName: string | null = null;
  let uri: string;
  let rest: string;
  let i = 0;
  if (charCodeAt.call(t, 0) === 34) {
    const end = endOfQuoted(t, 0);
    if (end < 0) throw badHeader(header, 'unterminated quoted display name');
    displayName = unquote(strSlice.call(t, 0, end));
    i = skipWs(t, end);
    if (charCodeAt.call(t, i) !== 60) throw badHeader(header, 'quoted display name not followed by <URI>');
  }
  const lt = strIndexOf.call(t, '<', i);
  const semi = strIndexOf.call(t, ';', i);
  if (lt >= 0 && (semi < 0 || lt < semi || displayName !== null)) {
    if (displayName === null) {
      const dn = trimLws(strSlice.call(t, 0, lt));
      checkUnquotedDisplayName(dn, header);
      displayName = dn === '' ? null : dn;
    }
    const gt = strIndexOf.call(t, '>', lt);
    if (gt < 0) throw badHeader(header, 'missing ">"');
    uri = strSlice.call(t, lt + 1, gt);
    // LAQUOT/RAQUOT carry no LWS inside the brackets (RFC 4475 §3.1.2.14 badaspec).
    checkUri(uri, header);
    rest = trimLws(strSlice.call(t, gt + 1));
  } else {
    // addr-spec: the URI may not contain ",", "?" or ";" here (RFC 3261 §20.10, RFC 4475 §3.1.2.13).
    uri = trimLws(semi < 0 ? t : strSlice.call(t, 0, semi));
    rest = semi < 0 ? '' : strSlice.call(t, semi);
    if (uri.includes('?') || uri.includes(',')) throw badHeader(header, 'URI with "?" or "," must be enclosed in <>');
    checkUri(uri, header);
  }
  let params: Params = EMPTY_MAP;
  if (rest !== '') {
    if (charCodeAt.call(rest, 0) !== 59) throw badHeader(header, 'junk after URI');
    params = parseParams(strSlice.call(rest, 1), header);
  }
  const tag = paramText(params.get('tag'));
  return { displayName, uri, tag, params, raw };
}

export function parseNameAddrList(value: string, header: string): NameAddr[] {
  return splitList(value, header).map((v) => parseNameAddr(v, header));
}

/** RFC 3261 §8.1.1.5: the sequence number MUST be expressible as a 32-bit unsigned integer (and < 2**31). */
export function parseCSeq(value: string): CSeq {
  const t = trimLws(value);
  let i = 0;
  while (i < t.length && charCodeAt.call(t, i) >= 48 && charCodeAt.call(t, i) <= 57) i++;
  const digits = strSlice.call(t, 0, i);
  if (digits === '' || !isWs(charCodeAt.call(t, i))) throw badHeader('CSeq', 'expected "number method"');
  const seq = Number(digits);
  if (digits.length > 10 || seq >= 2 ** 31) throw badHeader('CSeq', 'sequence number out of range');
  const method = strSlice.call(t, skipWs(t, i));
  if (!isToken(method)) throw badHeader('CSeq', 'bad method');
  return { seq, method };
}

/** RFC 3261 §20.22: Max-Forwards is an integer 0–255 (RFC 4475 §3.1.2.4 sends 300). */
export function parseMaxForwards(value: string): number {
  const t = trimLws(value);
  if (!isDigits(t) || t.length > 6 || Number(t) > 255) throw badHeader('Max-Forwards', 'not an integer in 0–255');
  return Number(t);
}

/** A credentials or challenge value: auth-scheme LWS auth-param *(COMMA auth-param). */
export function parseAuthValue(raw: string, header: string): AuthValue {
  const t = trimLws(raw);
  const sp = readToken(t, 0);
  if (sp === 0) throw badHeader(header, 'missing auth scheme');
  const scheme = strSlice.call(t, 0, sp);
  const params = new Map<string, string>();
  const rest = trimLws(strSlice.call(t, sp));
  if (rest !== '') {
    if (!isWs(charCodeAt.call(t, sp))) throw badHeader(header, 'bad auth scheme');
    const parts = splitTopLevel(rest, 44);
    if (parts === null) throw badHeader(header, 'unterminated quoted string');
    for (const part of parts) {
      if (part === '') continue;
      const eq = strIndexOf.call(part, '=');
      const name = eq < 0 ? '' : trimLws(strSlice.call(part, 0, eq));
      const v = eq < 0 ? '' : trimLws(strSlice.call(part, eq + 1));
      if (!isToken(name) || v === '') throw badHeader(header, `bad auth-param "${strSlice.call(part, 0, 40)}"`);
      if (charCodeAt.call(v, 0) === 34) {
        if (endOfQuoted(v, 0) !== v.length) throw badHeader(header, 'bad quoted auth-param');
        params.set(name.toLowerCase(), unquote(v));
      } else {
        if (!isToken(v.replace(/[/:=]/g, '_'))) throw badHeader(header, `bad auth-param value for ${name}`);
        params.set(name.toLowerCase(), v);
      }
    }
  }
  return { scheme, params, raw };
}

/** media-type = m-type SLASH m-subtype *(SEMI m-parameter). */
export function parseMediaType(value: string, header: string): MediaType {
  const t = trimLws(value);
  const semi = strIndexOf.call(t, ';');
  const type = (semi < 0 ? t : strSlice.call(t, 0, semi)).replace(/\s+/g, '');
  const slash = strIndexOf.call(type, '/');
  if (slash <= 0 || !isToken(strSlice.call(type, 0, slash)) || !isToken(strSlice.call(type, slash + 1))) throw badHeader(header, 'bad media type');
  const params = semi < 0 ? EMPTY_MAP : parseParams(strSlice.call(t, semi + 1), header);
  return { type: type.toLowerCase(), params };
}
