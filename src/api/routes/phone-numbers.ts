import type { ApiDeps } from '../deps.js';
import { sendOne } from '../envelope.js';
import { invalid, missing, notFound } from '../error-codes.js';
import { presentNumber } from '../present.js';
import { e164 } from '../rules.js';
import { AccountParams, TrunkParams } from '../schemas/common.js';
import { CreatePhoneNumberBody, TrunkMapQuery, UpdatePhoneNumberBody } from '../schemas/resources.js';
import { accountOf, idOf, trunkOf, withIdForms } from './context.js';
import { subResourceRoutes } from './sub-resource.js';
import type { ApiInstance } from '../type-provider.js';

const BASE = '/v2/accounts/:account_sid/trunks/:trunk_sid/phone-numbers';
const tags = ['phone-numbers'];

export function phoneNumberRoutes(app: ApiInstance, deps: ApiDeps): void {
  // DELETE remembers the number as removed: calls to it get 410 for 30 days (SPEC §1).
  subResourceRoutes(app, deps, { base: BASE, tag: 'phone-numbers', what: 'phone number', repo: (d) => d.repos.phoneNumbers, present: (n, t) => presentNumber(n, t.sid) });
  app.post(BASE, { schema: { tags, summary: 'Map a phone number to the trunk', params: TrunkParams, body: CreatePhoneNumberBody } }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const body = request.body;
    const number = await deps.repos.phoneNumbers.create(trunk, { phone_number: e164('phone_number', body.phone_number), mode: body.mode ?? null });
    return sendOne(request, reply, presentNumber(number, trunk.sid));
  });

  withIdForms(app, 'PUT', BASE, { tags, summary: 'Change mode or status of a number', body: UpdatePhoneNumberBody }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const id = idOf(request, 'phone number');
    const body = request.body;
    const current = await deps.repos.phoneNumbers.get(trunk, id);
    if (!current) throw notFound(`phone number id ${id} does not exist on trunk ${trunk.sid}`);
    const number = e164('phone_number', body.phone_number);
    if (number !== current.phone_number) throw invalid('phone_number', `must be the number of id ${id} (${current.phone_number}); map a new number with POST`);
    const updated = await deps.repos.phoneNumbers.update(trunk, id, { mode: body.mode, ...(body.status ? { status: body.status } : {}) });
    if (!updated) throw notFound(`phone number id ${id} does not exist on trunk ${trunk.sid}`);
    return sendOne(request, reply, presentNumber(updated, trunk.sid));
  });

  app.get('/v2/accounts/:account_sid/trunk-maps', { schema: { tags, summary: 'Which trunk a number is mapped to: the number mapping (id, phone_number, trunk_sid, mode, status, dates)', params: AccountParams, querystring: TrunkMapQuery } }, async (request, reply) => {
    const { exophone: raw, trunk_sid: onTrunk } = request.query;
    if (raw === undefined || raw === '') throw missing('exophone', ' (as ?exophone=+E164)');
    // An unencoded '+' in a query string decodes to a space (WHATWG form encoding); take it back.
    const number = e164('exophone', raw.replace(/^ (?=\d)/, '+'));
    const found = await deps.repos.phoneNumbers.findInAccount(accountOf(request).sid, number);
    if (!found) throw notFound(`${number} is not mapped to a trunk of this account`);
    if (onTrunk !== undefined && onTrunk !== '' && found.trunk_sid !== onTrunk) throw notFound(`${number} is not mapped to trunk_sid ${onTrunk}`);
    return sendOne(request, reply, presentNumber(found.number, found.trunk_sid));
  });
}
