import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { A, apiFixture, one, type ApiFixture, trunkBody } from './support.js';

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(async () => {
  await f.close();
});

async function error(opts: Parameters<ApiFixture['json']>[0]) {
  const res = await f.json(opts);
  const item = one(res.body);
  assert.equal(item.status, 'failure');
  assert.equal(res.body.http_code, res.status, 'http_code equals the HTTP status');
  assert.equal(item.code, res.status);
  return { status: res.status, code: item.error_data?.code, message: item.error_data?.message, description: item.error_data?.description ?? '', headers: res.headers };
}

test('a body that is not JSON is 1007 and says so', async () => {
  const e = await error({ method: 'POST', url: `${A}/trunks`, payload: '{"trunk_name": "x",}', headers: { 'content-type': 'application/json' } });
  assert.deepEqual([e.status, e.code, e.message], [400, 1007, 'Invalid request body']);
  assert.match(e.description, /not valid JSON: .*(position|Unexpected|Expected)/);
});

test('JSON that is not an object is 1007', async () => {
  for (const payload of ['[]', '"text"', '42', 'null']) {
    const e = await error({ method: 'POST', url: `${A}/trunks`, payload, headers: { 'content-type': 'application/json' } });
    assert.equal(e.code, 1007, payload);
  }
});

test('an empty body is 1007', async () => {
  const e = await error({ method: 'POST', url: `${A}/trunks`, payload: '', headers: { 'content-type': 'application/json' } });
  assert.equal(e.code, 1007);
});

test('a field of the wrong JSON type is 1007 naming the field and the type', async () => {
  const e = await error({ method: 'POST', url: `${A}/trunks`, payload: { ...trunkBody('x'), trunk_name: 12 } });
  assert.equal(e.code, 1007);
  assert.match(e.description, /trunk_name must be a JSON string, got integer/);
  const arr = await error({ method: 'POST', url: `${A}/trunks`, payload: { ...trunkBody('x'), trunk_name: ['a'] } });
  assert.equal(arr.code, 1007);
});

test('a missing or empty required field is 1001 naming it', async () => {
  const missing = await error({ method: 'POST', url: `${A}/trunks`, payload: {} });
  assert.deepEqual([missing.status, missing.code, missing.message], [400, 1001, 'Mandatory parameter missing']);
  assert.match(missing.description, /trunk_name is mandatory/);
  const empty = await error({ method: 'POST', url: `${A}/trunks`, payload: { ...trunkBody('x'), trunk_name: '' } });
  assert.equal(empty.code, 1001);
  assert.match(empty.description, /trunk_name is mandatory and must not be empty/);
});

test('an over-long string is 1002 naming the field and the limit', async () => {
  const e = await error({ method: 'POST', url: `${A}/trunks`, payload: { ...trunkBody('x'), trunk_name: 'a'.repeat(17) } });
  assert.deepEqual([e.code, e.message], [1002, 'Invalid parameter']);
  assert.match(e.description, /Maximum allowed length for trunk_name is 16; got 17 characters/);
});

test('an unknown trunk is 404 / 1000', async () => {
  const e = await error({ method: 'POST', url: `${A}/trunks/trmum1000000000000000000001a1n/whitelisted-ips`, payload: { ip: '10.0.0.1' } });
  assert.deepEqual([e.status, e.code, e.message], [404, 1000, 'Not Found']);
});

test('a body over 1 MB is refused with a clear description and nothing is written', async () => {
  const big = JSON.stringify({ trunk_name: 'big', pad: 'x'.repeat(1024 * 1024) });
  const e = await error({ method: 'POST', url: `${A}/trunks`, payload: big, headers: { 'content-type': 'application/json' } });
  assert.equal(e.status, 413);
  assert.equal(e.code, 1007);
  assert.match(e.description, /larger than the limit of 1048576 bytes/);
  assert.equal((await f.json({ method: 'GET', url: `${A}/trunks` })).body.metadata?.total, 0);
});

test('a wrong or missing Content-Type is 415 / 1011 naming the type sent', async () => {
  const text = await error({ method: 'POST', url: `${A}/trunks`, payload: 'trunk_name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.deepEqual([text.status, text.code, text.message], [415, 1011, 'Unsupported content type']);
  assert.match(text.description, /application\/x-www-form-urlencoded/);
  const none = await error({ method: 'POST', url: `${A}/trunks` });
  assert.equal(none.code, 1011);
  assert.match(none.description, /missing/);
  const withCharset = await f.json({ method: 'POST', url: `${A}/trunks`, payload: JSON.stringify(trunkBody('charset_ok')), headers: { 'content-type': 'application/json; charset=utf-8' } });
  assert.equal(withCharset.status, 200, 'a charset parameter is fine');
});

test('an unknown path is 404 / 1000; a known path with a wrong method is 405 with code 1000 and Allow', async () => {
  const unknown = await error({ method: 'GET', url: `${A}/nothing-here` });
  assert.deepEqual([unknown.status, unknown.code], [404, 1000]);
  assert.match(unknown.description, /no such path: GET \/v2\/accounts\/acme\/nothing-here/);
  const wrong = await error({ method: 'PATCH', url: `${A}/trunks` });
  assert.deepEqual([wrong.status, wrong.code], [405, 1000]);
  assert.match(wrong.description, /PATCH is not allowed on \/v2\/accounts\/acme\/trunks; it accepts POST, GET, DELETE/);
  assert.equal(wrong.headers.allow, 'POST, GET, DELETE');
});

test('50 concurrent identical creates: exactly one success, the rest 1008', async () => {
  const answers = await Promise.all(Array.from({ length: 50 }, () => f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('racer') })));
  assert.equal(answers.filter((a) => a.status === 200).length, 1);
  assert.equal(answers.filter((a) => a.status === 409 && one(a.body).error_data?.code === 1008).length, 49);
});

test('Idempotency-Key: the same key and body replay the first answer; the same key with another body is 1002', async () => {
  const first = await f.call({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('idem'), headers: { 'idempotency-key': 'key-1' } });
  assert.equal(first.statusCode, 200);
  const again = await f.call({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('idem'), headers: { 'idempotency-key': 'key-1' } });
  assert.equal(again.statusCode, 200, 'a replay, not a 1008');
  assert.equal(again.body, first.body, 'the first answer byte for byte');
  assert.equal(again.headers['idempotent-replayed'], 'true');
  const other = await error({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('idem2'), headers: { 'idempotency-key': 'key-1' } });
  assert.equal(other.code, 1002);
  assert.match(other.description, /Idempotency-Key 'key-1' was already used with a different request/);
  const otherAccount = await f.call({ method: 'POST', url: '/v2/accounts/other/trunks', payload: trunkBody('idem', 'other'), headers: { 'idempotency-key': 'key-1' }, as: 'other' });
  assert.equal(otherAccount.statusCode, 200, 'keys are per account');
});

test('nothing is half-written: a batch item that fails leaves no row, the others stay whole', async () => {
  const t = one((await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('half') })).body).data;
  const url = `${A}/trunks/${String(t.trunk_sid)}/destination-uris`;
  const res = await f.json({ method: 'POST', url, payload: { destinations: [{ destination: 'a.example.com' }, { destination: '10.9.9.9' }] } });
  assert.equal(res.status, 207);
  assert.equal((await f.json({ method: 'GET', url })).body.metadata?.total, 1);
  const wrongType = await f.json({ method: 'POST', url, payload: { destinations: [{ destination: 'b.example.com' }, { destination: 5 }] } });
  assert.equal(one(wrongType.body).error_data?.code, 1007, 'a wrongly typed item refuses the whole body');
  assert.equal((await f.json({ method: 'GET', url })).body.metadata?.total, 1, 'and writes none of it');
});

test('a body with a __proto__ key is refused as 1007 (prototype poisoning)', async () => {
  const e = await error({ method: 'POST', url: `${A}/trunks`, payload: '{"trunk_name":"p","__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } });
  assert.equal(e.code, 1007);
  assert.match(e.description, /__proto__/);
});

test('Idempotency-Key under concurrency: 20 identical requests with one key write once and never answer 1008 for the duplicate write', async () => {
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => f.call({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('idem_race'), headers: { 'idempotency-key': 'race-key' } })),
  );
  const created = answers.filter((a) => a.statusCode === 200);
  assert.ok(created.length >= 1);
  assert.ok(created.every((a) => a.body === created[0].body), 'every 200 is the same answer (the first, replayed)');
  const others = answers.filter((a) => a.statusCode !== 200);
  for (const o of others) {
    assert.equal(o.statusCode, 409);
    assert.match(JSON.parse(o.body).response.error_data.description, /still running/);
  }
  const replay = await f.call({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('idem_race'), headers: { 'idempotency-key': 'race-key' } });
  assert.equal(replay.body, created[0].body);
});
