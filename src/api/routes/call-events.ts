import type { ServerResponse } from 'node:http';
import type { ApiDeps } from '../deps.js';
import { sendOne } from '../envelope.js';
import { AccountParams } from '../schemas/common.js';
import { StreamTokens } from '../stream-token.js';
import { callSummary } from './calls.js';
import { accountOf } from './context.js';
import type { ApiInstance } from '../type-provider.js';

/**
 * Live calls without polling: a server-sent events stream (WHATWG HTML §9.2) of the account's
 * call records as the edge writes them — at answer, at each live refresh, at the end (a call
 * refused or failed before answer appears once, ended). Each event is `event: call` with the
 * list's summary of the call as `data`. EventSource cannot send headers, so the stream is
 * opened with a short-lived token from POST …/calls/events/token (see stream-token.ts).
 */

const BASE = '/v2/accounts/:account_sid/calls/events';
const tags = ['calls'];
/** A comment line this often keeps proxies and the browser from timing an idle stream out. */
const KEEPALIVE_MS = 15_000;
/** A client that reads slower than calls change is cut off past this much unsent data; EventSource reconnects. */
const MAX_BUFFERED = 1 << 20;

export function callEventRoutes(app: ApiInstance, deps: ApiDeps): void {
  const feed = deps.ports?.callFeed;
  if (!feed) return;
  const tokens = new StreamTokens(deps.clock, undefined, deps.ports?.streamTokenKey);
  const open = new Set<ServerResponse>();
  // Streams never end by themselves: close them before the server waits for its connections.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.post(`${BASE}/token`, {
    schema: { tags, summary: 'A token (valid 60 s) that opens this account\'s call event stream: GET …/calls/events?token=', params: AccountParams },
  }, async (request, reply) => {
    const account = accountOf(request);
    const { token, expiresAt } = tokens.issue(account.sid);
    return sendOne(request, reply, {
      token, expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      events_uri: `/v2/accounts/${account.sid}/calls/events?token=${token}`,
    });
  });

  app.get(BASE, {
    config: { tokenAuth: tokens },
    schema: {
      tags, params: AccountParams,
      summary: 'Server-sent events (text/event-stream): `event: call`, data = the call as the list shows it, each time its record is written',
      description: 'Authenticated by ?token= from POST …/calls/events/token, not by HTTP Basic (EventSource sends no headers).',
      response: { 200: { description: 'text/event-stream', type: 'string' } },
    },
  }, async (request, reply) => {
    const account = accountOf(request);
    const res = reply.raw;
    reply.hijack();
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    open.add(res);
    let id = 0;
    const write = (chunk: string): void => {
      if (res.writableEnded) return;
      if (res.writableLength > MAX_BUFFERED) return void res.destroy();
      res.write(chunk);
    };
    // The browser waits 3 s before reconnecting after a dropped stream.
    write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ account_sid: account.sid })}\n\n`);
    const unsubscribe = feed.subscribe(account.sid, (record) => {
      write(`id: ${++id}\nevent: call\ndata: ${JSON.stringify(callSummary(record))}\n\n`);
    });
    const keepalive = setInterval(() => write(': keep-alive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    res.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
      open.delete(res);
    });
  });
}
