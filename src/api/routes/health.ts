import type { ApiDeps } from '../deps.js';
import type { ApiInstance } from '../type-provider.js';

/** Liveness for load balancers and scripts: 200 when the store answers, 503 when not. */
export function healthRoutes(app: ApiInstance, deps: ApiDeps): void {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness of the API and its store' } }, async (_request, reply) => {
    try {
      await deps.ping?.();
      return reply.code(200).send({ status: 'ok' });
    } catch (err) {
      return reply.code(503).send({ status: 'unavailable', reason: (err as Error).message });
    }
  });
}
