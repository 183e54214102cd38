import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { AuthMode, TrunkPatch } from '../../store/index.js';
import type { ApiDeps } from '../deps.js';
import { sendList, sendOne, listMetadata } from '../envelope.js';
import { invalid, missing, notFound } from '../error-codes.js';
import { AUTH_TYPE, authModeOfType, presentTrunk } from '../present.js';
import { failoverCodes, targetUri } from '../rules.js';
import { AccountParams, TrunkParams } from '../schemas/common.js';
import { CreateTrunkBody, DeleteTrunkQuery, ListTrunksQuery, UpdateTrunkBody } from '../schemas/trunks.js';
import { accountOf, pageOf, requireSome, trunkOf } from './context.js';
import type { ApiInstance } from '../type-provider.js';

const BASE = '/v2/accounts/:account_sid/trunks';

/** auth_mode, or Exotel's auth_type for it (docs/exotel-api.md); when both are sent they must agree. */
function authMode(body: Static<typeof UpdateTrunkBody>): AuthMode | undefined {
  if (body.auth_type === undefined) return body.auth_mode;
  const mode = authModeOfType(body.auth_type);
  if (mode === undefined) throw invalid('auth_type', `must be one of ${Object.values(AUTH_TYPE).join(', ')}; got '${body.auth_type}'`);
  if (body.auth_mode !== undefined && body.auth_mode !== mode) throw invalid('auth_type', `${AUTH_TYPE[mode]} is auth_mode ${mode}, but auth_mode ${body.auth_mode} was sent too; send one of them`);
  return mode;
}
const tags = ['trunks'];

export function trunkRoutes(app: ApiInstance, deps: ApiDeps): void {
  app.post(BASE, { schema: { tags, summary: 'Create a trunk', params: AccountParams, body: CreateTrunkBody } }, async (request, reply) => {
    const account = accountOf(request);
    const body = request.body;
    if (!deps.settings.nsoCodes.includes(body.nso_code)) {
      throw invalid('nso_code', `Nso code is invalid: must be one of ${deps.settings.nsoCodes.join(', ')}; got '${body.nso_code}'`);
    }
    // Exotel: domain_name is `{account_sid}.pstn.exotel.com`; here the suffix is --sip-domain.
    // Host names compare without regard to case (RFC 4343).
    const domain = `${account.sid}.${deps.settings.sipDomain}`.toLowerCase();
    if (body.domain_name.toLowerCase() !== domain) {
      throw invalid('domain_name', `must be ${domain} ({account_sid}.{sip_domain}); got '${body.domain_name}'`);
    }
    const trunk = await deps.repos.trunks.create(account.id, account.sid, { trunk_name: body.trunk_name, nso_code: body.nso_code, domain_name: domain });
    return sendOne(request, reply, presentTrunk(trunk));
  });

  app.get(BASE, { schema: { tags, summary: 'List trunks, newest first (?trunk_sid= for one)', params: AccountParams, querystring: ListTrunksQuery } }, async (request, reply) => {
    const page = pageOf(request);
    const only = request.query.trunk_sid;
    const { items, total } = only
      ? await deps.repos.trunks.get(accountOf(request).sid, only).then((t) => ({ items: t && page.offset === 0 ? [t] : [], total: t ? 1 : 0 }))
      : await deps.repos.trunks.list(accountOf(request).sid, page);
    return sendList(request, reply, items.map(presentTrunk), listMetadata(request, page.offset, page.limit, total));
  });

  app.get(`${BASE}/:trunk_sid`, { schema: { tags, summary: 'Get a trunk', params: TrunkParams } }, async (request, reply) => {
    return sendOne(request, reply, presentTrunk(await trunkOf(deps, request)));
  });

  app.put(`${BASE}/:trunk_sid`, { schema: { tags, summary: 'Change a trunk', params: TrunkParams, body: UpdateTrunkBody } }, async (request, reply) => {
    const body = request.body;
    requireSome(body, Object.keys(UpdateTrunkBody.properties));
    const auth = authMode(body);
    const patch: TrunkPatch = {
      ...(body.trunk_name !== undefined ? { trunk_name: body.trunk_name } : {}),
      ...(body.status !== undefined ? { status: body.status } : {}),
      ...(auth !== undefined ? { auth_mode: auth } : {}),
      ...(body.secure_trunking !== undefined ? { secure_trunking: body.secure_trunking } : {}),
      ...(body.calls_per_minute !== undefined ? { calls_per_minute: body.calls_per_minute } : {}),
      ...(body.max_concurrent_calls !== undefined ? { max_concurrent_calls: body.max_concurrent_calls } : {}),
      ...(body.failover_codes !== undefined ? { failover_codes: failoverCodes(body.failover_codes) } : {}),
      ...(body.disaster_recovery_uri !== undefined
        ? { disaster_recovery_uri: body.disaster_recovery_uri === null ? null : targetUri('disaster_recovery_uri', body.disaster_recovery_uri) }
        : {}),
      ...(body.flow_uri !== undefined ? { flow_uri: body.flow_uri === null ? null : targetUri('flow_uri', body.flow_uri) } : {}),
      ...(body.registration_enabled !== undefined ? { registration_enabled: body.registration_enabled === true || body.registration_enabled === 'enabled' } : {}),
    };
    const sid = request.params.trunk_sid;
    const trunk = await deps.repos.trunks.update(accountOf(request).sid, sid, patch);
    if (!trunk) throw notFound(`trunk_sid ${sid} does not exist`);
    return sendOne(request, reply, presentTrunk(trunk));
  });

  // Exotel's form is DELETE /trunks?trunk_sid=; /trunks/{trunk_sid} is accepted as well.
  const remove = async (sid: string | undefined, request: FastifyRequest, reply: FastifyReply) => {
    if (sid === undefined || sid === '') throw missing('trunk_sid', ' (as ?trunk_sid=)');
    const trunk = await deps.repos.trunks.delete(accountOf(request).sid, sid);
    if (!trunk) throw notFound(`trunk_sid ${sid} does not exist`);
    return sendOne(request, reply, presentTrunk(trunk));
  };
  app.delete(BASE, { schema: { tags, summary: 'Delete a trunk and everything under it', params: AccountParams, querystring: DeleteTrunkQuery } }, async (request, reply) =>
    remove(request.query.trunk_sid, request, reply),
  );
  app.delete(`${BASE}/:trunk_sid`, { schema: { tags, summary: 'Delete a trunk and everything under it', params: TrunkParams } }, async (request, reply) =>
    remove(request.params.trunk_sid, request, reply),
  );
}
