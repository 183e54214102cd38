import { Type } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { sendOne } from '../envelope.js';
import { invalid, notFound } from '../error-codes.js';
import { e164 } from '../rules.js';
import { AccountParams } from '../schemas/common.js';
import { accountOf } from './context.js';
import type { ApiInstance } from '../type-provider.js';

/**
 * POST /v2/accounts/{sid}/test-calls {to, from?} (SPEC §1): the PSTN simulator calls one of
 * the account's numbers through the edge, so the inbound path can be tried without a carrier.
 * The answer is the call_sid to look up under /calls.
 */
const TestCallBody = Type.Object({
  to: Type.String({ description: 'one of the account\'s numbers, E.164' }),
  from: Type.Optional(Type.String({ description: 'caller number presented, E.164' })),
});

export function testCallRoutes(app: ApiInstance, deps: ApiDeps): void {
  const port = deps.ports?.testCalls;
  if (!port) return;
  app.post('/v2/accounts/:account_sid/test-calls', { schema: { tags: ['calls'], summary: 'Have the PSTN simulator call one of your numbers', params: AccountParams, body: TestCallBody } }, async (request, reply) => {
    const account = accountOf(request);
    const body = request.body;
    const to = e164('to', body.to);
    const from = body.from === undefined ? undefined : e164('from', body.from);
    const found = await deps.repos.phoneNumbers.findInAccount(account.sid, to);
    if (!found) throw notFound(`${to} is not a number of this account`);
    let callSid: string;
    try {
      callSid = await port.place(account.sid, to, from);
    } catch (err) {
      throw invalid('to', (err as Error).message);
    }
    return sendOne(request, reply, { call_sid: callSid, to, from: from ?? null, call_uri: `/v2/accounts/${account.sid}/calls/${callSid}` }, 200);
  });
}
