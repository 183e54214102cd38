import type { FastifyError, FastifyInstance } from 'fastify';
import { isTrunklineError, type Logger } from '../../core/index.js';
import { ApiError, notFound } from '../error-codes.js';
import { sendError } from '../envelope.js';

/** Fastify's own error codes, turned into the API's documented answers. */
function fromFastify(err: FastifyError, contentType: string | undefined, limit: number): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('API_UNSUPPORTED_CONTENT_TYPE', `Content-Type ${contentType ? `'${contentType}'` : '(none)'} is not supported; send application/json`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('API_BODY_TOO_LARGE', `the body is larger than the limit of ${limit} bytes`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('API_INVALID_BODY', 'the body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('API_INVALID_BODY', 'the Content-Length does not match the body sent');
    default:
      return undefined;
  }
}

/**
 * Every failure leaves as the error envelope: ApiErrors as they are, store duplicates as
 * 1008, fastify's parser errors by their code, and anything else as a logged 500.
 */
export function installErrorHandling(app: FastifyInstance, logger: Logger, bodyLimit: number): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof ApiError) return sendError(request, reply, error);
    if (isTrunklineError(error, 'STORE_DUPLICATE')) {
      return sendError(request, reply, new ApiError('API_DUPLICATE', `${String(error.details.what ?? 'resource')} already exists`, { cause: error }));
    }
    const fe = error as FastifyError;
    const mapped = typeof fe?.code === 'string' ? fromFastify(fe, request.headers['content-type'], bodyLimit) : undefined;
    if (mapped) return sendError(request, reply, mapped);
    if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendError(request, reply, new ApiError('API_INVALID_BODY', fe.message));
    }
    logger.error({ request_id: request.id, err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, 'unhandled API error');
    return sendError(request, reply, new ApiError('API_INTERNAL', `internal error; quote request_id ${request.id} when reporting it`));
  });

  // Unknown paths are 1000 like unknown resources (SPEC §1). A known path with a method it
  // does not accept is 405 with code 1000 and an Allow header, so the mistake is clear.
  const routes: { method: string; re: RegExp }[] = [];
  app.addHook('onRoute', (route) => {
    const re = new RegExp(`^${route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}/?$`);
    for (const m of [route.method].flat()) routes.push({ method: m, re });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const allowed = [...new Set(routes.filter((r) => r.method !== 'HEAD' && r.re.test(path)).map((r) => r.method))];
    if (allowed.length > 0) {
      return sendError(request, reply, new ApiError('API_METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; it accepts ${allowed.join(', ')}`, { headers: { allow: allowed.join(', ') } }));
    }
    return sendError(request, reply, notFound(`no such path: ${request.method} ${path}`));
  });
}
