import { formatChallenge, usernameOf, type DigestAlgorithm, type DigestServer } from '../../sip/index.js';
import type { EdgeCause } from '../causes.js';
import type { TrunkView } from '../ports/directory.js';

/**
 * Digest authentication of a customer request (RFC 3261 §22, RFC 7616): realm = the trunk's
 * domain_name, HA1 kept per algorithm, challenges offered for SHA-256 then MD5 (RFC 8760 §2.4:
 * the UAC picks the first it supports). An expired nonce with the right password is answered
 * with a fresh challenge carrying stale=true, so the PBX retries without asking its user.
 */
export type AuthVerdict =
  | { readonly ok: true; readonly trunk: TrunkView; readonly username: string }
  | { readonly ok: false; readonly cause: Extract<EdgeCause, 'auth-required' | 'auth-failed'>; readonly challenges: readonly string[]; readonly detail: string };

export class Authenticator {
  readonly #server: DigestServer;
  readonly #offered: readonly DigestAlgorithm[];

  /**
   * `offered`: the challenges sent, in order of preference (serve --digest-algorithms). Whatever
   * is offered, a response with either algorithm verifies. Offering MD5 alone is for UAs that
   * give up when they meet a challenge they do not know — baresip 1.0 (libre) fails its
   * REGISTER with ENOSYS on a SHA-256 challenge even when an MD5 one comes with it.
   */
  constructor(server: DigestServer, offered: readonly DigestAlgorithm[] = ['SHA-256', 'MD5']) {
    this.#server = server;
    this.#offered = offered.length ? offered : ['SHA-256', 'MD5'];
  }

  /** `candidates`: the trunk found by IP, or the digest-only trunks of the account. */
  async verify(candidates: readonly TrunkView[], authorization: string | undefined, method: string, requestUri: string): Promise<AuthVerdict> {
    const realm = candidates[0].domainName;
    if (!authorization) return this.#refuse(realm, 'auth-required', false, 'no Authorization header');
    const username = usernameOf(authorization);
    const trunk = candidates.find((t) => t.credentials.some((c) => c.username === username));
    const cred = trunk?.credentials.find((c) => c.username === username);
    const algorithm = /algorithm\s*=\s*"?SHA-256/i.test(authorization) ? 'SHA-256' : 'MD5';
    const ha1 = cred ? (algorithm === 'SHA-256' ? cred.ha1Sha256 : cred.ha1Md5) : undefined;
    const verdict = await this.#server.verifyCounted(authorization, method, trunk?.domainName ?? realm, ha1, requestUri);
    if (verdict.ok && trunk) return { ok: true, trunk, username: verdict.username };
    if (!verdict.ok && verdict.stale) return this.#refuse(realm, 'auth-required', true, 'nonce expired (stale=true)');
    const reason = verdict.ok ? 'unknown user' : verdict.reason.replace(/_/g, ' ');
    return this.#refuse(realm, 'auth-failed', false, `${reason} for user "${username ?? '?'}"`);
  }

  #refuse(realm: string, cause: 'auth-required' | 'auth-failed', stale: boolean, detail: string): AuthVerdict {
    const challenges = this.#offered.map((alg) => formatChallenge(this.#server.challenge(realm, alg, stale)));
    return { ok: false, cause, challenges, detail };
  }
}
