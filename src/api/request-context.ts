import type { Account } from '../store/index.js';

// What the hooks attach to a request for the handlers after them.
declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on /v2/accounts/{sid}/… */
    account: Account | null;
    /** The body as received, for the Idempotency-Key fingerprint. */
    rawBody: string;
    idempotency: { readonly key: string; readonly hash: string } | null;
  }
  interface FastifyContextConfig {
    /**
     * A route that a browser opens without headers (the call event stream) names the verifier
     * of its `?token=`; the auth hook then takes the token instead of HTTP Basic.
     */
    tokenAuth?: { verify(token: string | undefined): string | undefined };
  }
}

export const ACCOUNT_PATH = /^\/v2\/accounts\/([^/?]+)(?:[/?]|$)/;
