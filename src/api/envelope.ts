import type { FastifyReply, FastifyRequest } from 'fastify';
import { EXOTEL_ERRORS } from './error-codes.js';
import type { ApiError } from './error-codes.js';

/**
 * The Exotel envelope (SPEC §1): {request_id, method, http_code, [metadata], response}, where
 * response is {code, error_data, status, data} — or an array of them for lists and batches.
 */
export interface ErrorData {
  readonly code: number;
  readonly message: string;
  readonly description: string;
}

export interface ItemResponse<T = unknown> {
  readonly code: number;
  readonly error_data: ErrorData | null;
  readonly status: 'success' | 'failure';
  readonly data: T | null;
}

export interface Envelope {
  readonly request_id: string;
  readonly method: string;
  readonly http_code: number;
  readonly metadata?: object;
  readonly response: ItemResponse | readonly ItemResponse[];
}

export interface ListMetadata {
  readonly page_size: number;
  readonly total: number;
  readonly first_page_uri: string;
  readonly prev_page_uri: string | null;
  readonly next_page_uri: string | null;
}

export function success<T>(data: T, code = 200): ItemResponse<T> {
  return { code, error_data: null, status: 'success', data };
}

export function failure(err: ApiError): ItemResponse<never> {
  const exotel = err.exotelCode === null ? { code: 500, message: 'Internal Server Error' } : { code: err.exotelCode, message: EXOTEL_ERRORS[err.exotelCode].message };
  return { code: err.httpStatus, error_data: { code: exotel.code, message: exotel.message, description: err.description }, status: 'failure', data: null };
}

export function envelope(request: FastifyRequest, httpCode: number, response: Envelope['response'], metadata?: Envelope['metadata']): Envelope {
  return {
    request_id: request.id,
    method: request.method,
    http_code: httpCode,
    ...(metadata ? { metadata } : {}),
    response,
  };
}

export function sendOne<T>(request: FastifyRequest, reply: FastifyReply, data: T, httpCode = 200): FastifyReply {
  return reply.code(httpCode).send(envelope(request, httpCode, success(data, httpCode)));
}

export function sendList<T>(request: FastifyRequest, reply: FastifyReply, items: readonly T[], metadata: ListMetadata): FastifyReply {
  return reply.code(200).send(envelope(request, 200, items.map((d) => success(d)), metadata));
}

/** Batches: one item per input in order; 200 when all succeeded, 207 when any failed (SPEC §1). */
export function sendBatch(request: FastifyRequest, reply: FastifyReply, items: readonly ItemResponse[]): FastifyReply {
  const failed = items.filter((i) => i.status === 'failure').length;
  const http = failed === 0 ? 200 : 207;
  return reply.code(http).send(envelope(request, http, items, { total: items.length, success: items.length - failed, failed }));
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: ApiError): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.httpStatus).send(envelope(request, err.httpStatus, failure(err)));
}

/** Page URIs keep the other query parameters of the request. */
export function listMetadata(request: FastifyRequest, offset: number, pageSize: number, total: number): ListMetadata {
  const [path, qs = ''] = request.url.split('?', 2);
  const uri = (o: number): string => {
    const params = new URLSearchParams(qs);
    params.set('offset', String(o));
    params.set('page_size', String(pageSize));
    return `${path}?${params.toString()}`;
  };
  return {
    page_size: pageSize,
    total,
    first_page_uri: uri(0),
    prev_page_uri: offset > 0 ? uri(Math.max(0, offset - pageSize)) : null,
    next_page_uri: offset + pageSize < total ? uri(offset + pageSize) : null,
  };
}
