import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { A, apiFixture, one, type ApiFixture } from './support.js';

let f: ApiFixture;
before(async () => {
  f = await apiFixture({ rateLimitPerMinute: 3 });
});
after(async () => {
  await f.close();
});

test('every answer carries X-RateLimit-*; over the per-account limit is 429 / 1030 with Retry-After', async () => {
  for (let i = 1; i <= 3; i++) {
    const res = await f.call({ method: 'GET', url: `${A}/trunks` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-ratelimit-limit'], '3');
    assert.equal(res.headers['x-ratelimit-remaining'], String(3 - i));
    assert.ok(Number(res.headers['x-ratelimit-reset']) >= 1);
  }
  const over = await f.json({ method: 'GET', url: `${A}/trunks` });
  assert.equal(over.status, 429);
  assert.equal(one(over.body).error_data?.code, 1030);
  assert.equal(one(over.body).error_data?.message, 'Rate limit exceeded');
  assert.ok(Number(over.headers['retry-after']) >= 1);
  const otherAccount = await f.call({ method: 'GET', url: '/v2/accounts/other/trunks', as: 'other' });
  assert.equal(otherAccount.statusCode, 200, 'the budget is per account');
  f.clock.advance(60_000);
  assert.equal((await f.call({ method: 'GET', url: `${A}/trunks` })).statusCode, 200, 'the next window has a fresh budget');
});

test('two API nodes sharing Redis share one budget per account (429 on the node that goes over)', async () => {
  const { randomBytes } = await import('node:crypto');
  const { RedisRateCounter } = await import('../../src/store/index.js');
  const prefix = `trunkline-test-api:${randomBytes(6).toString('hex')}:`;
  const counters = [new RedisRateCounter({ url: 'redis://127.0.0.1:6379', prefix }), new RedisRateCounter({ url: 'redis://127.0.0.1:6379', prefix })];
  await Promise.all(counters.map((c) => c.connect()));
  const nodes = await Promise.all(counters.map((rateCounter) => apiFixture({ rateLimitPerMinute: 4 }, { rateCounter })));
  try {
    // Each node has its own store, but account acme's budget is keyed by its sid in Redis.
    const url = `${A}/trunks`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await nodes[i % 2].call({ method: 'GET', url, as: 'acme' })).statusCode);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
    await Promise.all(counters.map((c) => c.close()));
  }
});
