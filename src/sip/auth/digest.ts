import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import { TrunklineError } from '../../core/index.js';
import { computeHa1, digestHash, DIGEST_ALGORITHMS, type DigestAlgorithm } from './ha1.js';
import type { AuthValue } from '../message/header-values.js';
import { quote } from '../parser/lexer.js';
import { parseAuthValue } from '../parser/parse-header.js';
import type { SipAuthErrorCode } from './errors.js';

/**
 * RFC 7616 Digest for SIP (RFC 3261 §22), server and client side.
 *
 * The server keeps no per-nonce state: a nonce is `timestamp . random . HMAC(secret, timestamp .
 * random . realm)`, so any edge holding the secret can tell a nonce it issued from a forged one
 * and an expired one (→ `stale=true`, RFC 7616 §3.3) from a wrong password.
 */
export type DigestVerdict =
  | { readonly ok: true; readonly username: string; readonly realm: string; readonly algorithm: DigestAlgorithm }
  | { readonly ok: false; readonly reason: DigestFailure; readonly stale: boolean; readonly username?: string };

export type DigestFailure =
  | 'malformed' // not a Digest credentials value, or a mandatory parameter is missing
  | 'unsupported_algorithm'
  | 'wrong_realm'
  | 'bad_nonce' // not issued by us (signature does not verify)
  | 'unknown_user' // no HA1 for this user
  | 'bad_response' // wrong password (or a wrong HA1)
  | 'stale' // the response is right but the nonce expired: RFC 7616 §3.3 stale=true
  | 'replay' // the nonce count did not increase
  | 'uri_mismatch';

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly algorithm: DigestAlgorithm;
  readonly qop: 'auth';
  readonly stale: boolean;
  readonly opaque?: string;
}

/**
 * Where nonce counts live when several edges accept one another's nonces: RFC 7616 §3.4's replay
 * check only holds across a cluster if every node sees every count (serve --redis).
 */
export interface NonceCounts {
  /** Records `nc` for `nonce` when it is higher than any recorded (atomically), kept `ttlMs`; false for a replay. */
  advance(nonce: string, nc: number, ttlMs: number): Promise<boolean>;
}

export interface DigestServerOptions {
  /** HMAC key for nonces; share it between edges that serve the same realm. */
  readonly secret: string | Buffer;
  readonly clock: Clock;
  /** How long a nonce is accepted before it turns stale; default 5 minutes. */
  readonly nonceTtlMs?: number;
  /** How many nonces' counts to remember for replay checks (bounded, oldest dropped). */
  readonly ncMemory?: number;
  /** Nonce counts shared with the other nodes, used by verifyCounted() instead of this process's memory. */
  readonly counts?: NonceCounts;
}

const SIG_BYTES = 16;

export class DigestServer {
  readonly #secret: Buffer;
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #ncMemory: number;
  readonly #lastNc = new Map<string, number>();
  readonly #counts: NonceCounts | undefined;

  constructor(options: DigestServerOptions) {
    this.#secret = Buffer.isBuffer(options.secret) ? options.secret : Buffer.from(options.secret, 'utf8');
    this.#clock = options.clock;
    this.#ttl = options.nonceTtlMs ?? 300_000;
    this.#ncMemory = options.ncMemory ?? 10_000;
    this.#counts = options.counts;
  }

  /** A fresh challenge; RFC 7616 §3.3: qop="auth", stale=true when the old nonce expired. */
  challenge(realm: string, algorithm: DigestAlgorithm = 'MD5', stale = false): DigestChallenge {
    return { realm, nonce: this.#newNonce(realm), algorithm, qop: 'auth', stale };
  }

  /**
   * Verify an Authorization / Proxy-Authorization value for `method` (RFC 3261 §22.4). `ha1`
   * is the stored H(username:realm:password) for the credentials' algorithm, looked up by the
   * caller from `usernameOf(value)`; undefined means no such user.
   */
  verify(value: string | AuthValue, method: string, realm: string, ha1: string | undefined, requestUri?: string): DigestVerdict {
    const v = this.#check(value, method, realm, ha1, requestUri);
    if (!('count' in v)) return v;
    return this.#countIsFresh(v.count.nonce, v.count.nc) ? v.verdict : fail('replay', v.verdict.username);
  }

  /** verify(), with the nonce count checked against the shared counts when there are some (a cluster). */
  async verifyCounted(value: string | AuthValue, method: string, realm: string, ha1: string | undefined, requestUri?: string): Promise<DigestVerdict> {
    const v = this.#check(value, method, realm, ha1, requestUri);
    if (!('count' in v)) return v;
    // A nonce is accepted for the TTL after it was issued, so its count need not be kept longer.
    const fresh = this.#counts ? await this.#counts.advance(v.count.nonce, v.count.nc, this.#ttl) : this.#countIsFresh(v.count.nonce, v.count.nc);
    return fresh ? v.verdict : fail('replay', v.verdict.username);
  }

  /** The verdict, or a good response whose nonce count is still to be checked. */
  #check(value: string | AuthValue, method: string, realm: string, ha1: string | undefined, requestUri?: string): DigestVerdict | { readonly verdict: Extract<DigestVerdict, { ok: true }>; readonly count: { readonly nonce: string; readonly nc: number } } {
    const parsed = digestParams(value, 'Authorization');
    if (!parsed || parsed.scheme.toLowerCase() !== 'digest') return fail('malformed');
    const p = parsed.params;
    const { username, nonce, uri, response } = p;
    if (username === undefined || nonce === undefined || uri === undefined || response === undefined || p.realm === undefined) {
      return fail('malformed', username);
    }
    const alg = splitAlgorithm(p.algorithm ?? 'MD5');
    if (!alg) return fail('unsupported_algorithm', username);
    if (p.realm !== realm) return fail('wrong_realm', username);
    // RFC 3261 §22.4: the digest-uri should match the Request-URI; compared loosely (case of scheme/host).
    if (requestUri !== undefined && uri.toLowerCase() !== requestUri.toLowerCase()) return fail('uri_mismatch', username);
    const age = this.#nonceAge(nonce, realm);
    if (age === undefined) return fail('bad_nonce', username);
    if (ha1 === undefined) return fail('unknown_user', username);
    const qop = p.qop;
    if (qop !== undefined && qop !== 'auth') return fail('malformed', username);
    if (qop === 'auth' && (p.nc === undefined || p.cnonce === undefined || !/^[0-9a-fA-F]{8}$/.test(p.nc))) return fail('malformed', username);
    const expected = computeResponse({ algorithm: alg.algorithm, sess: alg.sess, ha1, nonce, cnonce: p.cnonce, nc: p.nc, qop, method, uri });
    if (!safeEqualHex(expected, response.toLowerCase())) return fail('bad_response', username);
    // RFC 7616 §3.3: a correct response with an expired nonce is answered with stale=true.
    if (age > this.#ttl) return { ok: false, reason: 'stale', stale: true, username };
    const verdict = { ok: true, username, realm, algorithm: alg.algorithm } as const;
    return qop === 'auth' && p.nc !== undefined ? { verdict, count: { nonce, nc: parseInt(p.nc, 16) } } : verdict;
  }

  #newNonce(realm: string): string {
    const head = Buffer.alloc(16);
    head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.#clock.now()))), 0);
    randomBytes(8).copy(head, 8);
    return Buffer.concat([head, this.#sign(head, realm)]).toString('base64url');
  }

  #sign(head: Buffer, realm: string): Buffer {
    return createHmac('sha256', this.#secret).update(head).update(realm, 'utf8').digest().subarray(0, SIG_BYTES);
  }

  /** Age in ms of a nonce we issued for this realm, or undefined when we did not issue it. */
  #nonceAge(nonce: string, realm: string): number | undefined {
    if (!/^[A-Za-z0-9_-]+$/.test(nonce)) return undefined;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 16 + SIG_BYTES) return undefined;
    const head = raw.subarray(0, 16);
    if (!timingSafeEqual(raw.subarray(16), this.#sign(head, realm))) return undefined;
    return this.#clock.now() - Number(head.readBigUInt64BE(0));
  }

  /** RFC 7616 §3.4: the server should check the nonce count increases; memory is bounded. */
  #countIsFresh(nonce: string, nc: number): boolean {
    const last = this.#lastNc.get(nonce);
    if (last !== undefined && nc <= last) return false;
    this.#lastNc.delete(nonce);
    this.#lastNc.set(nonce, nc);
    if (this.#lastNc.size > this.#ncMemory) this.#lastNc.delete(this.#lastNc.keys().next().value as string);
    return true;
  }
}

/** An Authorization / WWW-Authenticate value (text or already parsed) as scheme + params; undefined when malformed. */
function digestParams(value: string | AuthValue, header: string): { scheme: string; params: Readonly<Record<string, string>> } | undefined {
  try {
    const parsed = typeof value === 'string' ? parseAuthValue(value, header) : value;
    return { scheme: parsed.scheme, params: Object.fromEntries(parsed.params) };
  } catch {
    return undefined;
  }
}

function fail(reason: DigestFailure, username?: string): DigestVerdict {
  return username === undefined ? { ok: false, reason, stale: false } : { ok: false, reason, stale: false, username };
}

/** The header value of a challenge: `Digest realm="…", nonce="…", algorithm=…, qop="auth"`. */
export function formatChallenge(ch: DigestChallenge): string {
  const parts = [`realm=${quote(ch.realm)}`, `nonce=${quote(ch.nonce)}`, `algorithm=${ch.algorithm}`, `qop="auth"`];
  if (ch.opaque !== undefined) parts.push(`opaque=${quote(ch.opaque)}`);
  if (ch.stale) parts.push('stale=true');
  return `Digest ${parts.join(', ')}`;
}

/** The username of Digest credentials, so the caller can look up the HA1; undefined if malformed. */
export function usernameOf(value: string | AuthValue): string | undefined {
  const parsed = digestParams(value, 'Authorization');
  return parsed && parsed.scheme.toLowerCase() === 'digest' ? parsed.params.username : undefined;
}

function splitAlgorithm(value: string): { algorithm: DigestAlgorithm; sess: boolean } | undefined {
  const upper = value.toUpperCase();
  const sess = upper.endsWith('-SESS');
  const base = sess ? upper.slice(0, -5) : upper;
  const algorithm = DIGEST_ALGORITHMS.find((a) => a === base);
  return algorithm ? { algorithm, sess } : undefined;
}

interface ResponseInput {
  readonly algorithm: DigestAlgorithm;
  readonly sess: boolean;
  readonly ha1: string;
  readonly nonce: string;
  readonly cnonce?: string;
  readonly nc?: string;
  readonly qop?: string;
  readonly method: string;
  readonly uri: string;
}

/** RFC 7616 §3.4.1 (and RFC 2617 §3.2.2.1 without qop). */
function computeResponse(r: ResponseInput): string {
  const H = (s: string) => digestHash(r.algorithm, s);
  // RFC 7616 §3.4.2: for -sess, A1 = H(user:realm:pass) ":" nonce ":" cnonce.
  const ha1 = r.sess ? H(`${r.ha1}:${r.nonce}:${r.cnonce ?? ''}`) : r.ha1;
  const ha2 = H(`${r.method}:${r.uri}`);
  return r.qop ? H(`${ha1}:${r.nonce}:${r.nc}:${r.cnonce}:${r.qop}:${ha2}`) : H(`${ha1}:${r.nonce}:${ha2}`);
}

function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface DigestClientCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Client side (RFC 3261 §22.2 / RFC 7616 §3.4): the Authorization (or Proxy-Authorization) value
 * answering a WWW-Authenticate (or Proxy-Authenticate) value, for `method` on `uri`.
 */
export function answerChallenge(
  challengeValue: string | AuthValue,
  credentials: DigestClientCredentials,
  method: string,
  uri: string,
  options: { readonly nc?: number; readonly cnonce?: string } = {},
): string {
  const parsed = digestParams(challengeValue, 'WWW-Authenticate');
  if (!parsed || parsed.scheme.toLowerCase() !== 'digest' || parsed.params.realm === undefined || parsed.params.nonce === undefined) {
    throw new TrunklineError<SipAuthErrorCode>('SIP_AUTH_BAD_CHALLENGE', 'not a Digest challenge with realm and nonce', { details: { challenge: typeof challengeValue === 'string' ? challengeValue : challengeValue.raw } });
  }
  const { realm, nonce, opaque } = parsed.params;
  const algName = parsed.params.algorithm ?? 'MD5';
  const alg = splitAlgorithm(algName);
  if (!alg) throw new TrunklineError<SipAuthErrorCode>('SIP_AUTH_UNSUPPORTED_ALGORITHM', `unsupported digest algorithm ${algName}`, { details: { algorithm: algName } });
  // RFC 7616 §3.3: qop is a list; we speak "auth" only.
  const offersAuth = parsed.params.qop?.split(',').some((q) => q.trim() === 'auth') ?? false;
  const cnonce = options.cnonce ?? randomBytes(8).toString('hex');
  const nc = (options.nc ?? 1).toString(16).padStart(8, '0');
  const ha1 = computeHa1(alg.algorithm, credentials.username, realm, credentials.password);
  const response = computeResponse({ algorithm: alg.algorithm, sess: alg.sess, ha1, nonce, method, uri, ...(offersAuth ? { qop: 'auth', nc, cnonce } : { cnonce }) });
  const parts = [`username=${quote(credentials.username)}`, `realm=${quote(realm)}`, `nonce=${quote(nonce)}`, `uri=${quote(uri)}`, `response=${quote(response)}`, `algorithm=${algName}`];
  if (offersAuth) parts.push(`qop=auth`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  if (opaque !== undefined) parts.push(`opaque=${quote(opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
