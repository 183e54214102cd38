import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TRUNK_SID_PATTERN } from '../../src/core/index.js';
import { A, apiFixture, many, one, type ApiFixture, trunkBody } from './support.js';

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(async () => {
  await f.close();
});

test('POST /trunks answers the Exotel envelope with the new trunk, its domain and its sub-resource paths', async () => {
  const { status, body } = await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('main_trunk') });
  assert.equal(status, 200);
  assert.match(body.request_id, /^[0-9a-f]{32}$/);
  assert.equal(body.method, 'POST');
  assert.equal(body.http_code, 200);
  const item = one(body);
  assert.equal(item.status, 'success');
  assert.equal(item.error_data, null);
  const t = item.data;
  assert.match(String(t.trunk_sid), TRUNK_SID_PATTERN);
  assert.equal(t.domain_name, 'acme.pstn.example.com');
  assert.equal(t.nso_code, 'ANY-ANY');
  assert.equal(t.status, 'active');
  assert.equal(t.secure_trunking, 'disabled');
  assert.equal(t.auth_mode, 'ip');
  assert.deepEqual(t.failover_codes, [408, 500, 502, 503, 504]);
  assert.equal(t.calls_per_minute, 200);
  assert.equal(t.date_created, '2026-01-23T09:24:59Z');
  for (const sub of ['phone-numbers', 'whitelisted-ips', 'destination-uris', 'credentials', 'settings']) {
    assert.ok(Object.values(t).includes(`${A}/trunks/${String(t.trunk_sid)}/${sub}`), `${sub} path is given`);
  }
});

test('trunk_name is unique per account: the second create is 409 with code 1008', async () => {
  await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('dup_name') });
  const { status, body } = await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('dup_name') });
  assert.equal(status, 409);
  assert.equal(one(body).error_data?.code, 1008);
  assert.equal(one(body).error_data?.message, 'Duplicate resource');
  assert.match(one(body).error_data?.description ?? '', /trunk_name dup_name/);
});

test('nso_code must be in the configured allow-list', async () => {
  const ok = await f.json({ method: 'POST', url: `${A}/trunks`, payload: { ...trunkBody('nso_ok'), nso_code: 'IN-MUM' } });
  assert.equal(ok.status, 200);
  const bad = await f.json({ method: 'POST', url: `${A}/trunks`, payload: { ...trunkBody('nso_bad'), nso_code: 'XX-YY' } });
  assert.equal(bad.status, 400);
  assert.equal(one(bad.body).error_data?.code, 1002);
  assert.match(one(bad.body).error_data?.description ?? '', /nso_code: Nso code is invalid: must be one of ANY-ANY, IN-MUM; got 'XX-YY'/);
});

test('lists are newest first with offset/page_size and the metadata page URIs', async () => {
  for (const name of ['page_a', 'page_b', 'page_c']) {
    f.clock.advance(1000);
    await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody(name) });
  }
  const first = await f.json({ method: 'GET', url: `${A}/trunks?page_size=2` });
  assert.equal(first.status, 200);
  const items = many(first.body);
  assert.deepEqual(items.map((i) => i.data.trunk_name), ['page_c', 'page_b']);
  const meta = first.body.metadata as Record<string, unknown>;
  assert.equal(meta.page_size, 2);
  assert.ok(Number(meta.total) >= 3);
  assert.equal(meta.prev_page_uri, null);
  assert.equal(meta.first_page_uri, `${A}/trunks?page_size=2&offset=0`);
  assert.equal(meta.next_page_uri, `${A}/trunks?page_size=2&offset=2`);
  const second = await f.json({ method: 'GET', url: String(meta.next_page_uri) });
  assert.equal(many(second.body)[0].data.trunk_name, 'page_a');
  assert.equal((second.body.metadata as Record<string, unknown>).prev_page_uri, `${A}/trunks?page_size=2&offset=0`);
  const tooBig = await f.json({ method: 'GET', url: `${A}/trunks?page_size=501` });
  assert.equal(tooBig.status, 400);
  assert.equal(one(tooBig.body).error_data?.code, 1002);
  assert.match(one(tooBig.body).error_data?.description ?? '', /page_size/);
});

test('PUT /trunks/{sid} changes the extended fields and refuses failover on 486/600/603', async () => {
  const created = one((await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('put_me') })).body).data;
  const url = `${A}/trunks/${String(created.trunk_sid)}`;
  const { status, body } = await f.json({
    method: 'PUT',
    url,
    payload: {
      status: 'inactive', auth_mode: 'ip_and_digest', secure_trunking: 'enabled', calls_per_minute: 60, max_concurrent_calls: 10,
      failover_codes: [503, 408], disaster_recovery_uri: 'dr.example.com:5061;transport=tls', flow_uri: 'https://flows.example.com/x',
    },
  });
  assert.equal(status, 200);
  const t = one(body).data;
  assert.equal(t.status, 'inactive');
  assert.equal(t.auth_mode, 'ip_and_digest');
  assert.equal(t.secure_trunking, 'enabled');
  assert.equal(t.calls_per_minute, 60);
  assert.equal(t.max_concurrent_calls, 10);
  assert.deepEqual(t.failover_codes, [408, 503]);
  assert.equal(t.disaster_recovery_uri, 'sip:dr.example.com:5061;transport=tls');
  const bad = await f.json({ method: 'PUT', url, payload: { failover_codes: [486] } });
  assert.equal(bad.status, 400);
  assert.match(one(bad.body).error_data?.description ?? '', /failover_codes: 486/);
  const badMode = await f.json({ method: 'PUT', url, payload: { auth_mode: 'password' } });
  assert.equal(one(badMode.body).error_data?.code, 1002);
  assert.match(one(badMode.body).error_data?.description ?? '', /auth_mode: must be one of "ip", "digest", "ip_or_digest", "ip_and_digest"/);
  const empty = await f.json({ method: 'PUT', url, payload: {} });
  assert.equal(one(empty.body).error_data?.code, 1001);
});

test("another account's trunk is 404 / 1000, never its existence", async () => {
  const created = one((await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('private') })).body).data;
  const sid = String(created.trunk_sid);
  const asOther = await f.json({ method: 'GET', url: `/v2/accounts/other/trunks/${sid}`, as: 'other' });
  assert.equal(asOther.status, 404);
  assert.equal(one(asOther.body).error_data?.code, 1000);
  assert.equal(one(asOther.body).error_data?.message, 'Not Found');
  const wrongAccountPath = await f.json({ method: 'GET', url: `${A}/trunks/${sid}`, as: 'other' });
  assert.equal(wrongAccountPath.status, 401);
  assert.equal(one(wrongAccountPath.body).error_data?.code, 1010);
});

test('missing or wrong credentials are 401 with code 1010 in the envelope', async () => {
  const none = await f.json({ method: 'GET', url: `${A}/trunks`, as: 'none' });
  assert.equal(none.status, 401);
  assert.equal(one(none.body).error_data?.code, 1010);
  assert.equal(one(none.body).error_data?.message, 'Authorization failed');
  assert.match(String(none.headers['www-authenticate']), /^Basic/);
  const wrong = await f.json({ method: 'GET', url: `${A}/trunks`, as: 'none', headers: { authorization: `Basic ${Buffer.from('k:t').toString('base64')}` } });
  assert.equal(wrong.status, 401);
});

test('DELETE /trunks?trunk_sid= removes the trunk with everything under it and returns the deleted trunk', async () => {
  const t = one((await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('to_delete') })).body).data;
  const sid = String(t.trunk_sid);
  await f.json({ method: 'POST', url: `${A}/trunks/${sid}/phone-numbers`, payload: { phone_number: '+919812345678' } });
  await f.json({ method: 'POST', url: `${A}/trunks/${sid}/whitelisted-ips`, payload: { ip: '198.51.100.0', mask: 24 } });
  const del = await f.json({ method: 'DELETE', url: `${A}/trunks?trunk_sid=${sid}` });
  assert.equal(del.status, 200);
  assert.equal(one(del.body).data.trunk_sid, sid);
  assert.equal((await f.json({ method: 'GET', url: `${A}/trunks/${sid}` })).status, 404);
  assert.equal((await f.json({ method: 'DELETE', url: `${A}/trunks?trunk_sid=${sid}` })).status, 404);
  const route = await f.repos.read.numberRoute('+919812345678');
  assert.equal(route?.kind, 'removed');
  const noSid = await f.json({ method: 'DELETE', url: `${A}/trunks` });
  assert.equal(one(noSid.body).error_data?.code, 1001);
});
