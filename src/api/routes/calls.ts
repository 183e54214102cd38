import { Type } from '@sinclair/typebox';
import type { CallRecord, CallStatus } from '../../store/index.js';
import type { ApiDeps } from '../deps.js';
import { listMetadata, sendList, sendOne } from '../envelope.js';
import { invalid, notFound } from '../error-codes.js';
import { AccountParams, Enum } from '../schemas/common.js';
import { accountOf, pageOf } from './context.js';
import { recordingOf } from './recordings.js';
import type { ApiInstance } from '../type-provider.js';

/**
 * The calls API (SPEC §1): a record for every attempt the edge saw, refusals included, with
 * its findings, its event timeline and its SIP trace (messages and a ladder). Registered only
 * when app/ hands in the `calls` port (the edge is running).
 */
const BASE = '/v2/accounts/:account_sid/calls';
const tags = ['calls'];
const STATUSES: readonly CallStatus[] = ['in-progress', 'completed', 'failed', 'refused'];

const CallListQuery = Type.Object({
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  trunk_sid: Type.Optional(Type.String({ description: 'only calls of this trunk' })),
  status: Type.Optional(Enum(STATUSES, 'in-progress, completed, failed or refused')),
  code: Type.Optional(Type.Integer({ minimum: 100, maximum: 699, description: 'final SIP code' })),
  start_time: Type.Optional(Type.String({ description: 'calls started at or after (ISO 8601)' })),
  end_time: Type.Optional(Type.String({ description: 'calls started at or before (ISO 8601)' })),
});
const CallParams = Type.Object({ account_sid: Type.String(), call_sid: Type.String() });

function isoParam(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(name, 'must be an ISO 8601 timestamp such as 2026-01-23T09:24:59Z');
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A call as lists (and the event stream) show it: no trace, timeline or media; findings by id and title. */
export function callSummary(r: CallRecord) {
  const { trace: _t, events: _e, media: _m, ...rest } = r;
  return { ...rest, findings: r.findings.map((f) => ({ id: f.id, code: f.code, title: f.title, severity: f.severity, fault_domain: f.fault_domain })) };
}

export function callRoutes(app: ApiInstance, deps: ApiDeps): void {
  const port = deps.ports?.calls;
  if (!port) return;

  app.get(BASE, { schema: { tags, summary: 'List calls, newest first', params: AccountParams, querystring: CallListQuery } }, async (request, reply) => {
    const q = request.query;
    const page = pageOf(request);
    const from = isoParam('start_time', q.start_time);
    const to = isoParam('end_time', q.end_time);
    const { items, total } = await port.store.list({
      accountSid: accountOf(request).sid, offset: page.offset, limit: page.limit,
      ...(q.trunk_sid ? { trunkSid: q.trunk_sid } : {}), ...(q.status ? { status: q.status } : {}),
      ...(q.code !== undefined ? { code: q.code } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}),
    });
    return sendList(request, reply, items.map(callSummary), listMetadata(request, page.offset, page.limit, total));
  });

  app.get(`${BASE}/:call_sid`, { schema: { tags, summary: 'One call: record, findings, timeline, media stats, recording (null when not recorded)', params: CallParams } }, async (request, reply) => {
    const sid = request.params.call_sid;
    const r = await port.store.get(accountOf(request).sid, sid);
    if (!r) throw notFound(`call_sid ${sid} does not exist`);
    const { trace: _t, ...rest } = r;
    const recording = await recordingOf(deps.ports?.recordings, accountOf(request).sid, r);
    return sendOne(request, reply, { ...rest, recording, trace_uri: `/v2/accounts/${accountOf(request).sid}/calls/${sid}/trace` });
  });

  app.get(`${BASE}/:call_sid/trace`, { schema: { tags, summary: 'The SIP trace of a call: every message and a ladder', params: CallParams } }, async (request, reply) => {
    const sid = request.params.call_sid;
    const r = await port.store.get(accountOf(request).sid, sid);
    if (!r) throw notFound(`call_sid ${sid} does not exist`);
    return sendOne(request, reply, { call_sid: sid, messages: r.trace, ladder: port.renderLadder(r) });
  });
}

/** Prometheus text at /metrics from the registry app/ shares between the API and the edge. */
export function metricsRoutes(app: ApiInstance, deps: ApiDeps): void {
  const registry = deps.ports?.metrics;
  if (!registry) return;
  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    return reply.code(200).header('content-type', registry.contentType).send(await registry.metrics());
  });
}
