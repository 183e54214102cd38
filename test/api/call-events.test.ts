import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { buildApp } from '../../src/api/index.js';
import { CallFeed } from '../../src/app/call-feed.js';
import { silentLogger } from '../../src/core/index.js';
import { CallsRepo, createRepos, MemoryRateCounter, type CallRecord, type CallsDatabase } from '../../src/store/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { sqliteTestStore } from '../store/support.js';
import { sseReader } from '../support/sse.js';

// The call event stream (WHATWG HTML §9.2 server-sent events) through a real listening server:
// opened only with a short-lived token obtained with HTTP Basic, it carries each call record of
// the account as the edge's store writes it, and nothing of other accounts.

function record(over: Partial<CallRecord>): CallRecord {
  return {
    call_sid: 'c1', account_sid: 'acme', trunk_sid: 'trmum1000000000000000000001a1n', direction: 'outbound',
    from: '+919876541111', to: '+919876540000', source_address: '127.0.0.1:5060', transport: 'udp', sip_call_id: 'x@y',
    status: 'in-progress', started_at: '2026-01-23T09:24:59Z', answered_at: '2026-01-23T09:25:00Z', ended_at: null,
    final_code: 200, final_reason: 'OK', final_by: 'carrier', end_cause: null, edge_cause: null, duration_s: null, setup_ms: 40,
    findings: [], events: [{ at: '2026-01-23T09:25:00.000Z', kind: 'answer', detail: '200 OK' }],
    trace: [{ at: '2026-01-23T09:24:59.000Z', leg: 'customer', direction: 'in', transport: 'udp', src: 'a', dst: 'b', summary: 'INVITE', message: 'INVITE sip:x SIP/2.0\r\n\r\n' }],
    media: null, node_id: null, ...over,
  };
}

test('call events: the stream opens with a token from POST …/calls/events/token and carries the account\'s call records as the store writes them', async () => {
  const store = await sqliteTestStore();
  const clock = new FakeClock(Date.parse('2026-01-23T09:24:59Z'));
  const repos = createRepos(store.conn.db, clock);
  const acme = await repos.accounts.create('acme');
  const other = await repos.accounts.create('other');
  const feed = new CallFeed(silentLogger);
  const calls = feed.observe(new CallsRepo(store.conn.db as unknown as Kysely<CallsDatabase>));
  const app = await buildApp({
    repos, clock, logger: silentLogger, rateCounter: new MemoryRateCounter(clock),
    settings: { sipDomain: 'pstn.example.com', nsoCodes: ['ANY-ANY'], minWhitelistMask: 16, rateLimitPerMinute: 10_000 },
    ports: { callFeed: feed },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const basic = (k: string, t: string) => `Basic ${Buffer.from(`${k}:${t}`).toString('base64')}`;
  const tokenFor = async (auth: string, account = 'acme') => {
    const res = await fetch(`${base}/v2/accounts/${account}/calls/events/token`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: '{}' });
    return { status: res.status, data: ((await res.json()) as { response: { data: { token: string; events_uri: string; expires_at: string } } }).response.data };
  };
  const controller = new AbortController();
  try {
    // The token is handed out only with HTTP Basic of the account.
    assert.equal((await tokenFor('Basic bm9wZTpub3Bl')).status, 401);
    const { status, data } = await tokenFor(basic(acme.api_key, acme.api_token));
    assert.equal(status, 200);
    assert.equal(data.expires_at, '2026-01-23T09:25:59Z', 'valid one minute');
    assert.ok(!data.events_uri.includes(acme.api_token), 'the api_token is never put in the URL');

    // Refused: no token, a forged one, the api_token itself, another account's token, Basic alone.
    const otherToken = (await tokenFor(basic(other.api_key, other.api_token), 'other')).data.token;
    // A signature changed in one character; and the same bytes spelt another way (the last
    // base64url character carries 2 unused bits) is not the token either.
    const dot = data.token.indexOf('.');
    const mid = dot + 10;
    const forged = data.token.slice(0, mid) + (data.token[mid] === 'A' ? 'B' : 'A') + data.token.slice(mid + 1);
    const last = data.token.at(-1)!;
    const respelt = data.token.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1);
    for (const q of ['', `?token=${forged}`, `?token=${respelt}`, `?token=${acme.api_token}`, `?token=${otherToken}`]) {
      const res = await fetch(`${base}/v2/accounts/acme/calls/events${q}`, { headers: { authorization: basic(acme.api_key, acme.api_token) } });
      assert.equal(res.status, 401, `events${q.slice(0, 12)}…`);
      const body = (await res.json()) as { response: { error_data: { code: number; description: string } } };
      assert.equal(body.response.error_data.code, 1010);
      assert.match(body.response.error_data.description, /stream token/);
    }

    const res = await fetch(`${base}${data.events_uri}`, { signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const events = sseReader(res.body!);
    assert.deepEqual(await events.next(), { event: 'ready', data: '{"account_sid":"acme"}' });

    // Another account's call and a refusal with no account are not on acme's stream.
    await calls.save(record({ call_sid: 'o1', account_sid: 'other' }));
    await calls.save(record({ call_sid: 'n1', account_sid: null }));
    await calls.save(record({ call_sid: 'c1' }));
    const first = await events.next();
    assert.equal(first.event, 'call');
    assert.equal(first.id, '1');
    const c = JSON.parse(first.data) as Record<string, unknown>;
    assert.equal(c['call_sid'], 'c1');
    assert.equal(c['status'], 'in-progress');
    assert.equal(c['trace'], undefined, 'the list summary: no trace, timeline or media');
    assert.equal(c['events'], undefined);
    // The end of the same call follows, and is what the calls API now answers.
    await calls.save(record({ call_sid: 'c1', status: 'completed', ended_at: '2026-01-23T09:25:10Z', duration_s: 10, findings: [{ id: 'media.one-way', title: 'One-way audio', severity: 'error', fault_domain: 'customer-network', evidence: ['e'], checks: ['c'], fix: 'f' }] }));
    const second = JSON.parse((await events.next()).data) as { status: string; duration_s: number; findings: { id: string; evidence?: unknown }[] };
    assert.equal(second.status, 'completed');
    assert.equal(second.duration_s, 10);
    assert.deepEqual(second.findings.map((f) => f.id), ['media.one-way']);
    assert.equal((await calls.get('acme', 'c1'))?.status, 'completed');

    // An expired token opens nothing (the open stream is not cut: the token only opens it).
    clock.advance(61_000);
    const late = await fetch(`${base}${data.events_uri}`);
    assert.equal(late.status, 401);
    await late.body?.cancel();
  } finally {
    // Closing the server ends open streams instead of waiting for them.
    await app.close();
    controller.abort();
    await store.cleanup();
  }
});
