import { Type } from '@sinclair/typebox';
import type { Page, Paged, Trunk } from '../../store/index.js';
import type { ApiDeps } from '../deps.js';
import { listMetadata, sendList, sendOne } from '../envelope.js';
import { notFound } from '../error-codes.js';
import { IdQuery, PageQuery, TrunkParams } from '../schemas/common.js';
import { idOf, pageOf, trunkOf, withIdForms } from './context.js';
import type { ApiInstance } from '../type-provider.js';

/** What every sub-resource repo of a trunk offers for reading and removing. */
export interface SubResourceRepo<T> {
  list(trunk: Trunk, page: Page): Promise<Paged<T>>;
  get(trunk: Trunk, id: number): Promise<T | undefined>;
  delete(trunk: Trunk, id: number): Promise<T | undefined>;
}

export interface SubResourceSpec<T> {
  /** e.g. `/v2/accounts/:account_sid/trunks/:trunk_sid/whitelisted-ips` */
  readonly base: string;
  readonly tag: string;
  /** How an item is named in descriptions: "whitelisted ip". */
  readonly what: string;
  readonly repo: (deps: ApiDeps) => SubResourceRepo<T>;
  readonly present: (item: T, trunk: Trunk) => unknown;
}

const ListQuery = Type.Composite([PageQuery, IdQuery]);

async function oneOf<T>(repo: SubResourceRepo<T>, trunk: Trunk, raw: string): Promise<T | undefined> {
  return /^\d{1,15}$/.test(raw) ? repo.get(trunk, Number(raw)) : undefined;
}

/**
 * The read and remove routes every sub-resource of a trunk has, the same way: the list
 * (newest first, paged), one item by `/{id}`, and DELETE by `/{id}` or `?id=` (SPEC §1).
 * Creating and changing differ per resource and stay in the resource's own module.
 */
export function subResourceRoutes<T>(app: ApiInstance, deps: ApiDeps, spec: SubResourceSpec<T>): void {
  const tags = [spec.tag];
  const repo = spec.repo(deps);
  const missing = (id: number, trunk: Trunk) => notFound(`${spec.what} id ${id} does not exist on trunk ${trunk.sid}`);

  // Exotel's credential list takes `?id=` for one row; every sub-resource list here does.
  app.get(spec.base, { schema: { tags, summary: `List the ${spec.what}s of the trunk, newest first (?id= for one)`, params: TrunkParams, querystring: ListQuery } }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const page = pageOf(request);
    const only = request.query.id;
    const { items, total } = only !== undefined && only !== ''
      ? await oneOf(repo, trunk, only).then((i) => ({ items: i !== undefined && page.offset === 0 ? [i] : [], total: i === undefined ? 0 : 1 }))
      : await repo.list(trunk, page);
    return sendList(request, reply, items.map((i) => spec.present(i, trunk)), listMetadata(request, page.offset, page.limit, total));
  });

  withIdForms(app, 'GET', spec.base, { tags, summary: `Get one ${spec.what}` }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const id = idOf(request, spec.what);
    const item = await repo.get(trunk, id);
    if (item === undefined) throw missing(id, trunk);
    return sendOne(request, reply, spec.present(item, trunk));
  });

  withIdForms(app, 'DELETE', spec.base, { tags, summary: `Remove a ${spec.what}` }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const id = idOf(request, spec.what);
    const removed = await repo.delete(trunk, id);
    if (removed === undefined) throw missing(id, trunk);
    return sendOne(request, reply, spec.present(removed, trunk));
  });
}
