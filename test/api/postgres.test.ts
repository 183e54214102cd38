import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresTestStore } from '../store/support.js';
import { A, apiFixture, many, one, type ApiFixture, trunkBody } from './support.js';

// The API's store-sensitive behaviour once more on PostgreSQL (fresh schema, dropped after):
// unique constraints under concurrency, multi-row transactions, paging and counts.
let f: ApiFixture;
before(async () => {
  f = await apiFixture({}, { store: postgresTestStore });
});
after(async () => {
  await f.close();
});

test('on PostgreSQL: 50 concurrent identical creates give exactly one success, the rest 1008', async () => {
  const answers = await Promise.all(Array.from({ length: 50 }, () => f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('pg_race') })));
  assert.equal(answers.filter((a) => a.status === 200).length, 1);
  assert.equal(answers.filter((a) => a.status === 409 && one(a.body).error_data?.code === 1008).length, 49);
});

test('on PostgreSQL: the setup flow, paging metadata and the cascade delete', async () => {
  const t = one((await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('pg_flow') })).body).data;
  const T = `${A}/trunks/${String(t.trunk_sid)}`;
  assert.equal((await f.json({ method: 'POST', url: `${T}/phone-numbers`, payload: { phone_number: '+919876500001', mode: 'pstn' } })).status, 200);
  assert.equal((await f.json({ method: 'POST', url: `${T}/whitelisted-ips`, payload: { ip: '198.51.100.7', mask: 24 } })).status, 200);
  const dest = await f.json({ method: 'POST', url: `${T}/destination-uris`, payload: { destinations: [{ destination: '198.51.100.20:5061;transport=tls' }, { destination: '203.0.113.1' }] } });
  assert.equal(dest.status, 207);
  assert.deepEqual(dest.body.metadata, { total: 2, success: 1, failed: 1 });
  const list = await f.json({ method: 'GET', url: `${A}/trunks?page_size=1` });
  assert.equal(many(list.body).length, 1);
  assert.equal((list.body.metadata as { total: number }).total, 2, 'counts come back as numbers');
  const del = await f.json({ method: 'DELETE', url: `${A}/trunks?trunk_sid=${String(t.trunk_sid)}` });
  assert.equal(del.status, 200);
  assert.equal((await f.repos.read.numberRoute('+919876500001'))?.kind, 'removed');
  assert.equal((await f.json({ method: 'GET', url: `${T}/whitelisted-ips` })).status, 404);
});
