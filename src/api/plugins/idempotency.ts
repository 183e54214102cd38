import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../error-codes.js';

const WRITES = new Set(['POST', 'PUT', 'DELETE']);

/**
 * `Idempotency-Key` on every write (SPEC §1, beyond Exotel): the same key with the same
 * request replays the first answer byte for byte; the same key with another request is a
 * 1002. The answer is saved before it is sent, so an acknowledged write is replayable.
 */
export function installIdempotency(app: FastifyInstance, deps: ApiDeps): void {
  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (!request.account || !WRITES.has(request.method) || key === undefined) return;
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
      throw new ApiError('API_INVALID_PARAMETER', 'Idempotency-Key: must be 1–255 characters');
    }
    const hash = createHash('sha256').update(`${request.method} ${request.url}\n`).update(request.rawBody).digest('hex');
    const stored = await deps.repos.idempotency.find(request.account.sid, key);
    if (stored) {
      if (stored.request_hash !== hash) {
        throw new ApiError('API_INVALID_PARAMETER', `Idempotency-Key '${key}' was already used with a different request; use a new key for a new request`);
      }
      reply.header('idempotent-replayed', 'true');
      return reply.code(stored.status_code).type('application/json; charset=utf-8').send(stored.response_body);
    }
    request.idempotency = { key, hash };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const idem = request.idempotency;
    if (!idem || !request.account || reply.getHeader('idempotent-replayed')) return payload;
    // Faults and throttling are not answers to the request; the client should retry them.
    if (reply.statusCode >= 500 || reply.statusCode === 429) return payload;
    if (typeof payload === 'string') {
      await deps.repos.idempotency.save(request.account.sid, idem.key, { request_hash: idem.hash, status_code: reply.statusCode, response_body: payload });
    }
    return payload;
  });
}
