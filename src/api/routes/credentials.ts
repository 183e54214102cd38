import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { listMetadata, sendList, sendOne } from '../envelope.js';
import { missing, notFound } from '../error-codes.js';
import { presentCredential } from '../present.js';
import { PageQuery, TrunkParams } from '../schemas/common.js';
import { CreateCredentialBody, UpdateCredentialBody } from '../schemas/resources.js';
import { idOf, pageOf, requireSome, trunkOf, withIdForms } from './context.js';

const BASE = '/v2/accounts/:account_sid/trunks/:trunk_sid/credentials';
const tags = ['credentials'];

export function credentialRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post(BASE, { schema: { tags, summary: 'Add a SIP digest credential (password is write-only)', params: TrunkParams, body: CreateCredentialBody } }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const body = request.body as Static<typeof CreateCredentialBody>;
    const created = await deps.repos.credentials.create(trunk, { user_name: body.user_name, password: body.password, friendly_name: body.friendly_name ?? null });
    return sendOne(request, reply, presentCredential(created));
  });

  app.get(BASE, { schema: { tags, summary: 'List credentials (never their passwords)', params: TrunkParams, querystring: PageQuery } }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const page = pageOf(request);
    const { items, total } = await deps.repos.credentials.list(trunk, page);
    return sendList(request, reply, items.map(presentCredential), listMetadata(request, page.offset, page.limit, total));
  });

  withIdForms(app, 'GET', BASE, { tags, summary: 'Get one credential' }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const id = idOf(request, 'credential');
    const c = await deps.repos.credentials.get(trunk, id);
    if (!c) throw notFound(`credential id ${id} does not exist on trunk ${trunk.sid}`);
    return sendOne(request, reply, presentCredential(c));
  });

  withIdForms(app, 'PUT', BASE, { tags, summary: 'Change password, friendly_name or user_name', body: UpdateCredentialBody }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const id = idOf(request, 'credential');
    const body = request.body as Static<typeof UpdateCredentialBody>;
    requireSome(body, ['user_name', 'password', 'friendly_name']);
    // The HA1 hashes contain the user name, and the password is not kept to recompute them.
    if (body.user_name !== undefined && body.password === undefined) throw missing('password', ' when user_name changes (the stored hashes include the user name)');
    const updated = await deps.repos.credentials.update(trunk, id, body);
    if (!updated) throw notFound(`credential id ${id} does not exist on trunk ${trunk.sid}`);
    return sendOne(request, reply, presentCredential(updated));
  });

  withIdForms(app, 'DELETE', BASE, { tags, summary: 'Remove a credential' }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const id = idOf(request, 'credential');
    const removed = await deps.repos.credentials.delete(trunk, id);
    if (!removed) throw notFound(`credential id ${id} does not exist on trunk ${trunk.sid}`);
    return sendOne(request, reply, presentCredential(removed));
  });
}
