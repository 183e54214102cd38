import { Type } from '@sinclair/typebox';
import type { PreflightResultRow } from '../../store/index.js';
import type { ApiDeps } from '../deps.js';
import { listMetadata, sendList, sendOne } from '../envelope.js';
import { notFound } from '../error-codes.js';
import { AccountParams, PageQuery } from '../schemas/common.js';
import { accountOf, pageOf } from './context.js';
import type { ApiInstance } from '../type-provider.js';

/**
 * Preflight results (SPEC §6, issue 12): `trunkline preflight` with API credentials stores its
 * report here, so a support bundle of a call can carry the latest result for the call's trunk.
 * The report is kept as sent; the trunk is the account's trunk it names (or whose domain_name
 * it checked), never another account's.
 */
const BASE = '/v2/accounts/:account_sid/preflight-results';
const tags = ['preflight'];

const ReportBody = Type.Object({
  trunk_domain: Type.String({ minLength: 1, description: 'the domain preflight checked' }),
  trunk_sid: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  ok: Type.Boolean({ description: 'no item failed' }),
  items: Type.Array(Type.Object({
    id: Type.String(), item: Type.String(), status: Type.Union(['pass', 'warn', 'fail', 'skip'].map((s) => Type.Literal(s))), seen: Type.String(),
  }, { additionalProperties: true })),
}, { additionalProperties: true, description: 'the report of `trunkline preflight --json`' });

const ListQuery = Type.Composite([PageQuery, Type.Object({ trunk_sid: Type.Optional(Type.String({ description: 'only results of this trunk' })) })]);
const OneParams = Type.Object({ account_sid: Type.String(), id: Type.String() });

const uriOf = (accountSid: string, id: string) => `/v2/accounts/${accountSid}/preflight-results/${id}`;

function present(r: PreflightResultRow, withReport: boolean) {
  return { id: r.id, trunk_sid: r.trunk_sid, trunk_domain: r.trunk_domain, ok: r.ok, date_created: r.created_at, uri: uriOf(r.account_sid, r.id), ...(withReport ? { report: r.report } : {}) };
}

export function preflightResultRoutes(app: ApiInstance, deps: ApiDeps): void {
  app.post(BASE, { schema: { tags, summary: 'Store a preflight report (trunkline preflight does this when given API credentials)', params: AccountParams, body: ReportBody } }, async (request, reply) => {
    const account = accountOf(request).sid;
    const body = request.body;
    const named = body.trunk_sid ? await deps.repos.trunks.get(account, body.trunk_sid) : undefined;
    const trunk = named ?? (await deps.repos.read.trunksOfAccount(account)).find((t) => t.trunk.domain_name.toLowerCase() === body.trunk_domain.toLowerCase())?.trunk;
    const saved = await deps.repos.preflightResults.save({ accountSid: account, trunkSid: trunk?.sid ?? null, trunkDomain: body.trunk_domain, ok: body.ok, report: body });
    return sendOne(request, reply, present(saved, false), 201);
  });

  app.get(BASE, { schema: { tags, summary: 'Preflight results, newest first', params: AccountParams, querystring: ListQuery } }, async (request, reply) => {
    const page = pageOf(request);
    const q = request.query;
    const { items, total } = await deps.repos.preflightResults.list(accountOf(request).sid, { offset: page.offset, limit: page.limit, ...(q.trunk_sid ? { trunkSid: q.trunk_sid } : {}) });
    return sendList(request, reply, items.map((r) => present(r, false)), listMetadata(request, page.offset, page.limit, total));
  });

  app.get(`${BASE}/:id`, { schema: { tags, summary: 'One preflight result with its report', params: OneParams } }, async (request, reply) => {
    const id = request.params.id;
    const r = await deps.repos.preflightResults.get(accountOf(request).sid, id);
    if (!r) throw notFound(`preflight result ${id} does not exist`);
    return sendOne(request, reply, present(r, true));
  });
}
