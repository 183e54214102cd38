import { isToken } from '../parser/lexer.js';

/**
 * Header names: compact forms (RFC 3261 §7.3.3 and the IANA SIP parameters registry), the
 * spelling we write, and which headers are comma-separated lists (RFC 3261 §7.3.1).
 */

/** Compact form → lower-case full name. */
export const COMPACT_FORMS: Readonly<Record<string, string>> = Object.freeze({
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
});

const SPELLING: Readonly<Record<string, string>> = Object.freeze({
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'rack': 'RAck',
  'rseq': 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
  identity: 'Identity',
});

/**
 * Headers whose ABNF is `x *(COMMA x)`: several values may share one line. Everything else,
 * notably WWW-Authenticate, Authorization, Proxy-Authenticate, Proxy-Authorization and Date,
 * holds commas inside ONE value and is never split. Unknown headers are not split either:
 * we cannot know their grammar (RFC 4475 §3.1.1.1 UnknownHeaderWithUnusualValue).
 */
const LIST_HEADERS = new Set([
  'accept', 'accept-contact', 'accept-encoding', 'accept-language', 'alert-info', 'allow', 'allow-events',
  'call-info', 'contact', 'content-encoding', 'content-language', 'error-info', 'history-info', 'in-reply-to',
  'p-asserted-identity', 'p-associated-uri', 'p-preferred-identity', 'path', 'proxy-require', 'reason',
  'record-route', 'reject-contact', 'require', 'route', 'security-client', 'security-server',
  'security-verify', 'service-route', 'supported', 'unsupported', 'via', 'warning',
]);

const keyCache = new Map<string, string>();

/** Lower-case full name of a header name as received ("V" → "via", "CALL-ID" → "call-id"). */
export function headerKey(name: string): string {
  let key = keyCache.get(name);
  if (key === undefined) {
    const lower = name.toLowerCase();
    key = lower.length === 1 ? (COMPACT_FORMS[lower] ?? lower) : lower;
    if (keyCache.size < 4096) keyCache.set(name, key);
  }
  return key;
}

/** The spelling we write for a full header name ("call-id" → "Call-ID", "x-foo" → "X-Foo"). */
/**
 * headerKey for a name read off the wire, or undefined when the name is not a token
 * (RFC 3261 §7.3.1). Names seen before skip the token check: the cache only holds valid ones.
 */
export function wireHeaderKey(name: string): string | undefined {
  // The spellings RFC 3261 examples and most stacks send: a switch on short strings is cheaper
  // than hashing a fresh slice for the Map.
  switch (name) {
    case 'Via':
      return 'via';
    case 'From':
      return 'from';
    case 'To':
      return 'to';
    case 'Call-ID':
      return 'call-id';
    case 'CSeq':
      return 'cseq';
    case 'Contact':
      return 'contact';
    case 'Max-Forwards':
      return 'max-forwards';
    case 'Content-Type':
      return 'content-type';
    case 'Content-Length':
      return 'content-length';
  }
  const cached = keyCache.get(name);
  if (cached !== undefined) return cached;
  return isToken(name) ? headerKey(name) : undefined;
}

const spellingCache = new Map<string, string>();

export function canonicalName(name: string): string {
  // Every header the edge builds or relays is spelt here (issue 13: a regex replace each time).
  let spelt = spellingCache.get(name);
  if (spelt === undefined) {
    const key = headerKey(name);
    spelt = SPELLING[key] ?? key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
    if (spellingCache.size < 4096) spellingCache.set(name, spelt);
  }
  return spelt;
}

export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}
