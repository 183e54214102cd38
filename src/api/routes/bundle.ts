import { Type } from '@sinclair/typebox';
import { buildBundle } from '../../bundle/index.js';
import type { ApiDeps } from '../deps.js';
import { invalid, notFound } from '../error-codes.js';
import { accountOf } from './context.js';
import type { ApiInstance } from '../type-provider.js';

/**
 * GET …/calls/{call_sid}/bundle (SPEC §6, guide §10): the call's support bundle, the same
 * archive `trunkline bundle CALL_SID` writes — to the account that owns the call only (another
 * account's call is 404 / 1000, never a hint that it exists).
 */
const CallParams = Type.Object({ account_sid: Type.String(), call_sid: Type.String() });
const BundleQuery = Type.Object({ tz: Type.Optional(Type.String({ description: 'IANA time zone for the local start time (default the server\'s)' })) });
const SID = /^[0-9a-f]{32}$/;

export function bundleRoutes(app: ApiInstance, deps: ApiDeps): void {
  const calls = deps.ports?.calls;
  const recordings = deps.ports?.recordings;
  if (!calls || !recordings) return;
  app.get('/v2/accounts/:account_sid/calls/:call_sid/bundle', {
    schema: {
      tags: ['calls'], summary: 'Download the support bundle of a call (.tar.gz)',
      description: 'summary.txt and summary.json (trunk SID, call SID, direction, SIP response code, start time with time zone, findings with their checks), the SIP trace as a ladder and raw messages, the pcap (recorded, or rebuilt from the trace and named so), media statistics, the trunk configuration without secrets, and the latest preflight result of the trunk.',
      params: CallParams, querystring: BundleQuery,
      response: { 200: { description: 'a gzip-compressed ustar archive', content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } } } },
    },
  }, async (request, reply) => {
    const account = accountOf(request).sid;
    const sid = request.params.call_sid;
    const tz = request.query.tz;
    if (!SID.test(sid)) throw notFound(`call_sid ${sid} does not exist`);
    if (tz !== undefined) {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
      } catch {
        throw invalid('tz', `must be an IANA time zone such as Asia/Kolkata or UTC; got '${tz}'`);
      }
    }
    const record = await calls.store.get(account, sid);
    if (!record) throw notFound(`call_sid ${sid} does not exist`);
    const bundle = await buildBundle(record, {
      trunkBySid: (t) => deps.repos.read.trunkBySid(t),
      latestPreflight: (a, t) => deps.repos.preflightResults.latestForTrunk(a, t),
      pcapPath: (s) => recordings.pcapPath(s),
      renderLadder: (trace) => calls.renderLadder({ ...record, trace }),
    }, { now: deps.clock.now(), ...(tz ? { timeZone: tz } : {}) });
    return reply
      .code(200)
      .header('content-type', 'application/gzip')
      .header('content-disposition', `attachment; filename="${bundle.fileName}"`)
      .header('content-length', String(bundle.bytes.length))
      .send(bundle.bytes);
  });
}
