import type { Registration } from '../../store/index.js';
import type { ApiDeps } from '../deps.js';
import { listMetadata, sendList } from '../envelope.js';
import { PageQuery, TrunkParams } from '../schemas/common.js';
import { pageOf, trunkOf } from './context.js';
import type { ApiInstance } from '../type-provider.js';
import { hostPort } from '../../core/index.js';

const BASE = '/v2/accounts/:account_sid/trunks/:trunk_sid/registrations';

/**
 * Issue 11 item 2: the PBXs registered on a trunk (RFC 3261 §10 bindings), read-only — a
 * binding is made by the PBX's REGISTER and ends with its expiry or an unregister. Shown in
 * the Exotel envelope and paged like every list; `source_address` is where the REGISTER came
 * from (behind NAT, not the Contact), which is where inbound calls are sent.
 */
function present(r: Registration, nowMs: number) {
  return {
    id: String(r.id),
    trunk_sid: r.trunk_sid,
    aor: r.aor,
    user_name: r.user_name,
    contact: r.contact,
    q: r.q,
    source_address: hostPort(r.source_address, r.source_port),
    transport: r.transport,
    expires: Math.max(0, Math.floor((Date.parse(r.expires_at) - nowMs) / 1000)),
    expires_at: r.expires_at,
    user_agent: r.user_agent,
    registered_at: r.registered_at,
    date_updated: r.updated_at,
  };
}

export function registrationRoutes(app: ApiInstance, deps: ApiDeps): void {
  app.get(BASE, {
    schema: {
      tags: ['registrations'],
      summary: 'List the current registrations (bindings) of PBXs on the trunk, newest first',
      description: 'A PBX registers with REGISTER to the trunk domain with a trunk credential, once the trunk has registration_enabled true. '
        + 'Each item: aor, user_name, contact, q, source_address (where the REGISTER came from, where inbound calls go), transport, expires (seconds left), expires_at, user_agent, registered_at.',
      params: TrunkParams,
      querystring: PageQuery,
    },
  }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const page = pageOf(request);
    const { items, total } = await deps.repos.registrations.list(trunk, page);
    const now = deps.clock.now();
    return sendList(request, reply, items.map((r) => present(r, now)), listMetadata(request, page.offset, page.limit, total));
  });
}
