import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema, TUnknown } from '@sinclair/typebox';
import { IdQuery, ItemParams, TrunkParams } from '../schemas/common.js';
import type { Account, Page, Trunk } from '../../store/index.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, missing, notFound } from '../error-codes.js';

/** Helpers every route module uses: the caller's account, its trunk, the page, the id. */
export function accountOf(request: FastifyRequest): Account {
  if (!request.account) throw new ApiError('API_UNAUTHORIZED', 'Authorization failed: HTTP Basic authorization with api_key:api_token is required');
  return request.account;
}

/** Another account's trunk is "not found", never "forbidden" (SPEC §1). */
export async function trunkOf(deps: ApiDeps, request: FastifyRequest, trunkSid?: string): Promise<Trunk> {
  const sid = trunkSid ?? (request.params as { trunk_sid?: string }).trunk_sid;
  if (sid === undefined || sid === '') throw missing('trunk_sid');
  const trunk = await deps.repos.trunks.get(accountOf(request).sid, sid);
  if (!trunk) throw notFound(`trunk_sid ${sid} does not exist`);
  return trunk;
}

export function pageOf(request: FastifyRequest): Page {
  const q = request.query as { offset?: number; page_size?: number };
  return { offset: q.offset ?? 0, limit: q.page_size ?? 50 };
}

/** Sub-resource id from the path (`/{id}`) or the query (`?id=`); both forms are accepted. */
export function idOf(request: FastifyRequest, what: string): number {
  const raw = (request.params as { id?: string }).id ?? (request.query as { id?: string }).id;
  if (raw === undefined || raw === '') throw missing('id', ' (in the path /{id} or as ?id=)');
  if (!/^\d{1,15}$/.test(raw)) throw notFound(`${what} id ${raw} does not exist`);
  return Number(raw);
}

export function requireSome(body: Record<string, unknown>, fields: readonly string[]): void {
  if (!fields.some((f) => body[f] !== undefined)) throw missing(`one of ${fields.join(', ')}`);
}

/** A handler whose `request.body` is the Static type of the route's TypeBox body schema. */
type Handler<B extends TSchema> = (request: FastifyRequest<{ Body: Static<B> }>, reply: FastifyReply) => Promise<unknown>;

/**
 * SPEC §1: sub-resource PUT and DELETE take the id in the path (`/{id}`) or the query
 * (`?id=`); both routes share one handler.
 */
export function withIdForms<B extends TSchema = TUnknown>(
  app: FastifyInstance,
  method: 'PUT' | 'DELETE' | 'GET',
  base: string,
  schema: { readonly tags: string[]; readonly summary: string; readonly body?: B },
  handler: Handler<B>,
): void {
  app.route<{ Body: Static<B> }>({ method, url: `${base}/:id`, schema: { ...schema, params: ItemParams }, handler });
  if (method !== 'GET') app.route<{ Body: Static<B> }>({ method, url: base, schema: { ...schema, params: TrunkParams, querystring: IdQuery }, handler });
}
