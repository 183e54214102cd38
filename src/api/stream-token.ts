import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/index.js';

/**
 * Short-lived signed tokens for the call event stream. A browser's EventSource cannot send an
 * Authorization header, and the api_token must never appear in a URL (logs, history, Referer),
 * so the console trades its Basic credentials for a token that only opens this account's
 * event stream and expires within a minute: `base64url({a, e}).hmac`. The key is per process,
 * or in a cluster on Redis one shared by every node.
 */
export class StreamTokens {
  readonly #key: Buffer;
  readonly #clock: Clock;
  readonly ttlMs: number;

  /** `key`: the cluster's shared one (a token from any node opens the stream on any); default a key of this process. */
  constructor(clock: Clock, ttlMs = 60_000, key: Buffer = randomBytes(32)) {
    this.#clock = clock;
    this.ttlMs = ttlMs;
    this.#key = key;
  }

  issue(accountSid: string): { token: string; expiresAt: number } {
    const expiresAt = this.#clock.now() + this.ttlMs;
    // A random nonce: two tokens issued in the same millisecond still differ.
    const body = Buffer.from(JSON.stringify({ a: accountSid, e: expiresAt, n: randomBytes(6).toString('hex') })).toString('base64url');
    return { token: `${body}.${this.#sign(body)}`, expiresAt };
  }

  /** The account the token was issued to, or undefined when it is malformed, forged or expired. */
  verify(token: string | undefined): string | undefined {
    if (!token || token.length > 512) return undefined;
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const body = token.slice(0, dot);
    // Compared as text: base64url has several spellings of the same bytes (the last
    // character's unused bits), and only the one this server wrote is the token.
    const sig = Buffer.from(token.slice(dot + 1));
    const want = Buffer.from(this.#sign(body));
    if (sig.length !== want.length || !timingSafeEqual(sig, want)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { a?: unknown; e?: unknown };
      if (typeof claims.a !== 'string' || typeof claims.e !== 'number' || claims.e < this.#clock.now()) return undefined;
      return claims.a;
    } catch {
      return undefined;
    }
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}
