import { Type } from '@sinclair/typebox';
import { lookup } from '../../diagnosis/index.js';
import { sendOne } from '../envelope.js';
import { missing, notFound } from '../error-codes.js';
import { AccountParams } from '../schemas/common.js';
import type { ApiInstance } from '../type-provider.js';

/**
 * GET /v2/accounts/{sid}/explain?q= — the knowledge base `trunkline explain` prints (SPEC §7),
 * over HTTP for the console: a SIP code (488), an API error code (1008), a symptom in words
 * ("one way audio"), a finding id or an edge cause. Under the account path so it shares the
 * API's auth and rate limit, though the entries are the same for every account.
 */
const ExplainQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 200, description: 'a SIP code, API error code, symptom or finding id' })) });

export function explainRoutes(app: ApiInstance): void {
  app.get('/v2/accounts/:account_sid/explain', {
    schema: { tags: ['explain'], summary: 'Explain a SIP code, API error code, media symptom or finding id from the guide', params: AccountParams, querystring: ExplainQuery },
  }, async (request, reply) => {
    const q = (request.query.q ?? '').trim();
    if (!q) throw missing('q', ': a SIP code (488), an API error code (1008), a symptom ("one way audio") or a finding id');
    const entry = lookup(q);
    if (!entry) throw notFound(`nothing in the knowledge base matches "${q}": try a SIP code (488), an API error code (1008), a symptom ("one way audio", "no audio", "audio drops") or a finding id (media.rtp-timeout)`);
    return sendOne(request, reply, entry);
  });
}
