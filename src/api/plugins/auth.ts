import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isTrunklineError } from '../../core/index.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../error-codes.js';
import { ACCOUNT_PATH } from '../request-context.js';

function basic(request: FastifyRequest): { key: string; token: string } | undefined {
  const header = request.headers.authorization;
  const m = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { key: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
}

/**
 * HTTP Basic with the account's api_key:api_token on every /v2/accounts/{sid}/ path
 * (SPEC §1). Credentials of another account are refused like wrong ones, so nothing about
 * the other account is revealed.
 */
export function installAuth(app: FastifyInstance, deps: ApiDeps): void {
  const challenge = { 'www-authenticate': 'Basic realm="trunkline", charset="UTF-8"' };
  app.addHook('onRequest', async (request) => {
    const m = ACCOUNT_PATH.exec(request.url);
    if (!m) return;
    const tokenAuth = request.routeOptions.config.tokenAuth;
    if (tokenAuth) {
      const sid = tokenAuth.verify((request.query as { token?: string }).token);
      const account = sid === decodeURIComponent(m[1]) ? await deps.repos.accounts.findBySid(sid) : undefined;
      if (!account) throw new ApiError('API_UNAUTHORIZED', 'the stream token is missing, wrong or expired; POST …/calls/events/token (with HTTP Basic) for a new one');
      request.account = account;
      return;
    }
    const creds = basic(request);
    if (!creds) throw new ApiError('API_UNAUTHORIZED', 'Authorization failed: HTTP Basic authorization with api_key:api_token is required', { headers: challenge });
    const account = await deps.repos.accounts.verify(creds.key, creds.token);
    if (!account) throw new ApiError('API_UNAUTHORIZED', 'Authorization failed: api_key or api_token is wrong', { headers: challenge });
    if (account.sid !== decodeURIComponent(m[1])) {
      throw new ApiError('API_UNAUTHORIZED', `Authorization failed: these credentials are not those of account ${decodeURIComponent(m[1])}`, { headers: challenge });
    }
    request.account = account;
  });
}

/**
 * Per-account request budget with X-RateLimit-* headers on every answer; over it → 429/1030.
 * When the shared counter (Redis) does not answer, the API stays open without the budget (and
 * without the headers), logged once a minute: the operator needs it most during that outage.
 */
export function installRateLimit(app: FastifyInstance, deps: ApiDeps): void {
  const limit = deps.settings.rateLimitPerMinute;
  let warnedAt = -Infinity;
  app.addHook('onRequest', async (request, reply) => {
    if (!request.account) return;
    let d;
    try {
      d = await deps.rateCounter.hit(`api:${request.account.sid}`, limit, 60_000);
    } catch (err) {
      if (!isTrunklineError(err) || err.code !== 'STORE_COUNTER_UNAVAILABLE') throw err;
      if (Date.now() - warnedAt >= 60_000) request.log.warn({ err: err.message }, 'API rate limit not applied: the shared counter (Redis) does not answer');
      warnedAt = Date.now();
      return;
    }
    const resetSeconds = Math.max(1, Math.ceil(d.resetMs / 1000));
    reply.header('x-ratelimit-limit', String(d.limit));
    reply.header('x-ratelimit-remaining', String(d.remaining));
    // Seconds until the window resets (delta, as in the IETF RateLimit header drafts).
    reply.header('x-ratelimit-reset', String(resetSeconds));
    if (!d.allowed) {
      throw new ApiError('API_RATE_LIMITED', `more than ${limit} requests in a minute for account ${request.account.sid}; retry after ${resetSeconds} s`, {
        headers: { 'retry-after': String(resetSeconds) },
      });
    }
  });
}

/** SPEC §1: POST/PUT bodies are application/json (a charset parameter is fine). */
export function installContentTypeCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST' && request.method !== 'PUT') return;
    if (!ACCOUNT_PATH.test(request.url)) return;
    const type = request.headers['content-type'];
    const media = type?.split(';')[0].trim().toLowerCase();
    if (media !== 'application/json') {
      throw new ApiError('API_UNSUPPORTED_CONTENT_TYPE', type ? `Content-Type '${type}' is not supported; send application/json` : 'the Content-Type header is missing; send application/json');
    }
  });
}
