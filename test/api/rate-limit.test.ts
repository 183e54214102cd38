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
