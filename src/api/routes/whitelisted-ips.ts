import type { ApiDeps } from '../deps.js';
import { sendOne } from '../envelope.js';
import { notFound } from '../error-codes.js';
import { presentIp } from '../present.js';
import { ipv4Network } from '../rules.js';
import { TrunkParams } from '../schemas/common.js';
import { CreateWhitelistedIpBody, UpdateWhitelistedIpBody } from '../schemas/resources.js';
import { idOf, requireSome, trunkOf, withIdForms } from './context.js';
import { subResourceRoutes } from './sub-resource.js';
import type { ApiInstance } from '../type-provider.js';

const BASE = '/v2/accounts/:account_sid/trunks/:trunk_sid/whitelisted-ips';
const tags = ['whitelisted-ips'];

export function whitelistedIpRoutes(app: ApiInstance, deps: ApiDeps): void {
  subResourceRoutes(app, deps, { base: BASE, tag: 'whitelisted-ips', what: 'whitelisted ip', repo: (d) => d.repos.whitelistedIps, present: (w, t) => presentIp(w, t.sid) });
  const minMask = deps.settings.minWhitelistMask;

  app.post(BASE, { schema: { tags, summary: 'Whitelist an IPv4 network (stored as its network address)', params: TrunkParams, body: CreateWhitelistedIpBody } }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const body = request.body;
    const created = await deps.repos.whitelistedIps.create(trunk, ipv4Network(body.ip, body.mask ?? 32, minMask));
    return sendOne(request, reply, presentIp(created, trunk.sid));
  });

  withIdForms(app, 'PUT', BASE, { tags, summary: 'Change a whitelisted network', body: UpdateWhitelistedIpBody }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const id = idOf(request, 'whitelisted ip');
    const body = request.body;
    requireSome(body, ['ip', 'mask']);
    const current = await deps.repos.whitelistedIps.get(trunk, id);
    if (!current) throw notFound(`whitelisted ip id ${id} does not exist on trunk ${trunk.sid}`);
    const updated = await deps.repos.whitelistedIps.update(trunk, id, ipv4Network(body.ip ?? current.ip, body.mask ?? current.mask, minMask));
    if (!updated) throw notFound(`whitelisted ip id ${id} does not exist on trunk ${trunk.sid}`);
    return sendOne(request, reply, presentIp(updated, trunk.sid));
  });

}
