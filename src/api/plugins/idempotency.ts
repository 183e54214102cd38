import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../error-codes.js';

const WRITES = new Set(['POST', 'PUT', 'DELETE']);

/**
 * `Idempotency-Key` on every write (SPEC §1, beyond Exotel): the same key with the same
 * request replays the first answer byte for byte; the same key with another request is a
 * 1002. The key is reserved before the write runs, so two concurrent requests with one key
 * write once; the answer is stored before it is sent, so an acknowledged write is replayable.
 */
export function installIdempotency(app: FastifyInstance, deps: ApiDeps): void {
  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (!request.account || !WRITES.has(request.method) || key === undefined) return;
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
      throw new ApiError('API_INVALID_PARAMETER', 'Idempotency-Key: must be 1–255 characters');
    }
    const hash = createHash('sha256').update(`${request.method} ${request.url}\n`).update(request.rawBody).digest('hex');
    const r = await deps.repos.idempotency.reserve(request.account.sid, key, hash);
    if (r.kind === 'reserved') {
      request.idempotency = { key, hash };
      return;
    }
    const storedHash = r.kind === 'pending' ? r.request_hash : r.answer.request_hash;
    if (storedHash !== hash) {
      throw new ApiError('API_INVALID_PARAMETER', `Idempotency-Key '${key}' was already used with a different request; use a new key for a new request`);
    }
    if (r.kind === 'pending') {
      throw new ApiError('API_IDEMPOTENCY_IN_PROGRESS', `the first request with Idempotency-Key '${key}' is still running; retry to get its answer`, { headers: { 'retry-after': '1' } });
    }
    reply.header('idempotent-replayed', 'true');
    return reply.code(r.answer.status_code).type('application/json; charset=utf-8').send(r.answer.response_body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const idem = request.idempotency;
    if (!idem || !request.account) return payload;
    // Faults and throttling are not answers to the request: free the key for a retry.
    if (reply.statusCode >= 500 || reply.statusCode === 429 || typeof payload !== 'string') {
      await deps.repos.idempotency.release(request.account.sid, idem.key);
    } else {
      await deps.repos.idempotency.complete(request.account.sid, idem.key, { request_hash: idem.hash, status_code: reply.statusCode, response_body: payload });
    }
    return payload;
  });
}
