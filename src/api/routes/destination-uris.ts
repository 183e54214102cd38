import type { ApiDeps } from '../deps.js';
import { failure, sendBatch, sendOne, success, type ItemResponse } from '../envelope.js';
import { ApiError, invalid, notFound } from '../error-codes.js';
import { isTrunklineError } from '../../core/index.js';
import { presentDestination } from '../present.js';
import { inWhitelist, parseDestination } from '../rules.js';
import { TrunkParams } from '../schemas/common.js';
import { CreateDestinationsBody, UpdateDestinationBody } from '../schemas/resources.js';
import { idOf, requireSome, trunkOf, withIdForms } from './context.js';
import { subResourceRoutes } from './sub-resource.js';
import type { ApiInstance } from '../type-provider.js';

const BASE = '/v2/accounts/:account_sid/trunks/:trunk_sid/destination-uris';
const tags = ['destination-uris'];

/** A failed batch item as its own envelope item; other errors stop the request. */
function itemFailure(err: unknown): ItemResponse {
  if (err instanceof ApiError) return failure(err);
  if (isTrunklineError(err, 'STORE_DUPLICATE')) return failure(new ApiError('API_DUPLICATE', `${String(err.details.what)} already exists`));
  throw err;
}

export function destinationUriRoutes(app: ApiInstance, deps: ApiDeps): void {
  subResourceRoutes(app, deps, { base: BASE, tag: 'destination-uris', what: 'destination', repo: (d) => d.repos.destinationUris, present: (d, t) => presentDestination(d, t.sid) });
  app.post(BASE, { schema: { tags, summary: 'Add destinations (batch: 200 when all succeed, 207 otherwise)', params: TrunkParams, body: CreateDestinationsBody } }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const body = request.body;
    const networks = await deps.repos.whitelistedIps.all(trunk);
    const items: ItemResponse[] = [];
    // Each item is one row written on its own: an item either is stored whole or fails whole.
    for (const [i, d] of body.destinations.entries()) {
      try {
        const parsed = parseDestination(`destinations[${i}].destination`, d.destination);
        if (parsed.isIp && !inWhitelist(parsed.host, networks)) {
          throw invalid(`destinations[${i}].destination`, `Destination not whitelisted: ${parsed.host} is in no whitelisted range of trunk ${trunk.sid}`);
        }
        const created = await deps.repos.destinationUris.create(trunk, { destination: parsed.uri, priority: d.priority ?? 0, weight: d.weight ?? 1 });
        items.push(success(presentDestination(created, trunk.sid)));
      } catch (err) {
        items.push(itemFailure(err));
      }
    }
    return sendBatch(request, reply, items);
  });

  withIdForms(app, 'PUT', BASE, { tags, summary: 'Change priority (lower first) and weight (higher gets more)', body: UpdateDestinationBody }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const id = idOf(request, 'destination');
    const body = request.body;
    requireSome(body, ['priority', 'weight']);
    const updated = await deps.repos.destinationUris.update(trunk, id, {
      ...(body.priority !== undefined ? { priority: body.priority } : {}),
      ...(body.weight !== undefined ? { weight: body.weight } : {}),
    });
    if (!updated) throw notFound(`destination id ${id} does not exist on trunk ${trunk.sid}`);
    return sendOne(request, reply, presentDestination(updated, trunk.sid));
  });

}
