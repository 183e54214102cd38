import type { ApiDeps } from '../deps.js';
import { sendOne } from '../envelope.js';
import { missing, notFound } from '../error-codes.js';
import { presentCredential } from '../present.js';
import { TrunkParams } from '../schemas/common.js';
import { CreateCredentialBody, UpdateCredentialBody } from '../schemas/resources.js';
import { idOf, requireSome, trunkOf, withIdForms } from './context.js';
import { subResourceRoutes } from './sub-resource.js';
import type { ApiInstance } from '../type-provider.js';

const BASE = '/v2/accounts/:account_sid/trunks/:trunk_sid/credentials';
const tags = ['credentials'];

export function credentialRoutes(app: ApiInstance, deps: ApiDeps): void {
  subResourceRoutes(app, deps, { base: BASE, tag: 'credentials', what: 'credential', repo: (d) => d.repos.credentials, present: (c, t) => presentCredential(c, t.sid) });
  app.post(BASE, { schema: { tags, summary: 'Add a SIP digest credential (password is write-only)', params: TrunkParams, body: CreateCredentialBody } }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const body = request.body;
    const created = await deps.repos.credentials.create(trunk, { user_name: body.user_name, password: body.password, friendly_name: body.friendly_name ?? null });
    return sendOne(request, reply, presentCredential(created, trunk.sid));
  });

  withIdForms(app, 'PUT', BASE, { tags, summary: 'Change password, friendly_name or user_name', body: UpdateCredentialBody }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const id = idOf(request, 'credential');
    const body = request.body;
    requireSome(body, ['user_name', 'password', 'friendly_name']);
    // The HA1 hashes contain the user name, and the password is not kept to recompute them.
    if (body.user_name !== undefined && body.password === undefined) throw missing('password', ' when user_name changes (the stored hashes include the user name)');
    const updated = await deps.repos.credentials.update(trunk, id, body);
    if (!updated) throw notFound(`credential id ${id} does not exist on trunk ${trunk.sid}`);
    return sendOne(request, reply, presentCredential(updated, trunk.sid));
  });

}
