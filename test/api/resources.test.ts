import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHa1 } from '../../src/sip/index.js';
import { A, apiFixture, many, one, type ApiFixture, trunkBody } from './support.js';

let f: ApiFixture;
let T: string;
before(async () => {
  f = await apiFixture();
  const t = one((await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('res') })).body).data;
  T = `${A}/trunks/${String(t.trunk_sid)}`;
});
after(async () => {
  await f.close();
});

test('phone numbers must be E.164 and valid in their country; a number maps to one trunk on the platform', async () => {
  const ok = await f.json({ method: 'POST', url: `${T}/phone-numbers`, payload: { phone_number: '+919876543210', mode: 'pstn' } });
  assert.equal(ok.status, 200);
  const n = one(ok.body).data;
  assert.match(String(n.id), /^\d+$/);
  assert.equal(n.mode, 'pstn');
  const noMode = one((await f.json({ method: 'POST', url: `${T}/phone-numbers`, payload: { phone_number: '+14155550123' } })).body).data;
  assert.equal(noMode.mode, null, 'absent mode is null (behaves as pstn)');
  const notE164 = await f.json({ method: 'POST', url: `${T}/phone-numbers`, payload: { phone_number: '09876543210' } });
  assert.equal(one(notE164.body).error_data?.code, 1002);
  assert.match(one(notE164.body).error_data?.description ?? '', /phone_number: Invalid phone number: '09876543210' is not an E.164 number/);
  const invalidPlan = await f.json({ method: 'POST', url: `${T}/phone-numbers`, payload: { phone_number: '+4420794600000' } });
  assert.match(one(invalidPlan.body).error_data?.description ?? '', /not a valid number in its country's numbering plan/);
  const other = one((await f.json({ method: 'POST', url: '/v2/accounts/other/trunks', payload: trunkBody('oth', 'other'), as: 'other' })).body).data;
  const taken = await f.json({ method: 'POST', url: `/v2/accounts/other/trunks/${String(other.trunk_sid)}/phone-numbers`, payload: { phone_number: '+919876543210' }, as: 'other' });
  assert.equal(taken.status, 409);
  assert.equal(one(taken.body).error_data?.code, 1008);
  const missingNumber = await f.json({ method: 'POST', url: `${T}/phone-numbers`, payload: { mode: 'flow' } });
  assert.equal(one(missingNumber.body).error_data?.code, 1001);
  assert.match(one(missingNumber.body).error_data?.description ?? '', /phone_number is mandatory/);
});

test('PUT and DELETE of a phone number take the id in the path or as ?id=; PUT needs the same number and a mode', async () => {
  const n = one((await f.json({ method: 'POST', url: `${T}/phone-numbers`, payload: { phone_number: '+919876543299' } })).body).data;
  const byPath = await f.json({ method: 'PUT', url: `${T}/phone-numbers/${String(n.id)}`, payload: { phone_number: '+919876543299', mode: 'flow', status: 'inactive' } });
  assert.equal(byPath.status, 200);
  assert.equal(one(byPath.body).data.mode, 'flow');
  assert.equal(one(byPath.body).data.status, 'inactive');
  const byQuery = await f.json({ method: 'PUT', url: `${T}/phone-numbers?id=${String(n.id)}`, payload: { phone_number: '+919876543299', mode: null } });
  assert.equal(one(byQuery.body).data.mode, null);
  const otherNumber = await f.json({ method: 'PUT', url: `${T}/phone-numbers/${String(n.id)}`, payload: { phone_number: '+919876543298', mode: 'pstn' } });
  assert.match(one(otherNumber.body).error_data?.description ?? '', /must be the number of id/);
  const noMode = await f.json({ method: 'PUT', url: `${T}/phone-numbers/${String(n.id)}`, payload: { phone_number: '+919876543299' } });
  assert.equal(one(noMode.body).error_data?.code, 1001);
  const map = await f.json({ method: 'GET', url: `${A}/trunk-maps?exophone=%2B919876543299` });
  assert.equal(one(map.body).data.trunk_sid, T.split('/').pop());
  const unencoded = await f.json({ method: 'GET', url: `${A}/trunk-maps?exophone=+919876543299` });
  assert.equal(unencoded.status, 200, 'an unencoded + is taken back from the space it decodes to');
  const del = await f.json({ method: 'DELETE', url: `${T}/phone-numbers?id=${String(n.id)}` });
  assert.equal(del.status, 200);
  assert.equal((await f.repos.read.numberRoute('+919876543299'))?.kind, 'removed');
  assert.equal((await f.json({ method: 'DELETE', url: `${T}/phone-numbers/${String(n.id)}` })).status, 404);
  assert.equal((await f.json({ method: 'GET', url: `${A}/trunk-maps?exophone=%2B919876543299` })).status, 404);
});

test('whitelisted IPs are IPv4 with mask 16–32, stored as their network; the same network twice is 1008', async () => {
  const created = await f.json({ method: 'POST', url: `${T}/whitelisted-ips`, payload: { ip: '10.20.30.40', mask: 24 } });
  assert.equal(created.status, 200);
  assert.equal(one(created.body).data.ip, '10.20.30.0');
  assert.equal(one(created.body).data.mask, 24);
  const single = one((await f.json({ method: 'POST', url: `${T}/whitelisted-ips`, payload: { ip: '192.0.2.10' } })).body).data;
  assert.equal(single.mask, 32, 'mask defaults to 32');
  const dup = await f.json({ method: 'POST', url: `${T}/whitelisted-ips`, payload: { ip: '10.20.30.99', mask: 24 } });
  assert.equal(dup.status, 409);
  const wide = await f.json({ method: 'POST', url: `${T}/whitelisted-ips`, payload: { ip: '10.0.0.0', mask: 8 } });
  assert.match(one(wide.body).error_data?.description ?? '', /mask: mask should be in-between 16 and 32/);
  const v6 = await f.json({ method: 'POST', url: `${T}/whitelisted-ips`, payload: { ip: '2001:db8::1' } });
  assert.match(one(v6.body).error_data?.description ?? '', /ip: Invalid ip: '2001:db8::1' is not an IPv4 address/);
  const put = await f.json({ method: 'PUT', url: `${T}/whitelisted-ips/${String(single.id)}`, payload: { mask: 30 } });
  assert.equal(one(put.body).data.ip, '192.0.2.8');
  const list = await f.json({ method: 'GET', url: `${T}/whitelisted-ips` });
  assert.equal(many(list.body).length, 2);
  assert.equal((await f.json({ method: 'DELETE', url: `${T}/whitelisted-ips/${String(single.id)}` })).status, 200);
});

test('destination URIs: an IP must lie in a whitelisted range, a host must be an IP or FQDN; 200 when all pass, 207 when any fails', async () => {
  const all = await f.json({
    method: 'POST',
    url: `${T}/destination-uris`,
    payload: { destinations: [{ destination: '10.20.30.7:5061;transport=tls' }, { destination: 'pbx.example.com:5060;transport=tcp', priority: 2, weight: 5 }] },
  });
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.metadata, { total: 2, success: 2, failed: 0 });
  const [first, second] = many(all.body);
  assert.equal(first.data.destination, 'sip:10.20.30.7:5061;transport=tls');
  assert.equal(first.data.type, 'public');
  assert.equal(first.data.priority, 0);
  assert.equal(first.data.weight, 1);
  assert.equal(second.data.priority, 2);
  const mixed = await f.json({
    method: 'POST',
    url: `${T}/destination-uris`,
    payload: { destinations: [{ destination: '172.16.0.1:5060' }, { destination: 'not_a host!' }, { destination: 'ok.example.net' }, { destination: 'pbx.example.com:5060;transport=tcp' }] },
  });
  assert.equal(mixed.status, 207);
  assert.equal(mixed.body.http_code, 207);
  assert.deepEqual(mixed.body.metadata, { total: 4, success: 1, failed: 3 });
  const items = many(mixed.body);
  assert.match(items[0].error_data?.description ?? '', /Destination not whitelisted/);
  assert.match(items[1].error_data?.description ?? '', /Destination is not a valid Ip or Fqdn/);
  assert.equal(items[2].status, 'success');
  assert.equal(items[3].error_data?.code, 1008);
  const id = String(first.data.id);
  const put = await f.json({ method: 'PUT', url: `${T}/destination-uris?id=${id}`, payload: { priority: 9, weight: 3 } });
  assert.equal(one(put.body).data.priority, 9);
  assert.equal((await f.json({ method: 'DELETE', url: `${T}/destination-uris/${id}` })).status, 200);
});

test('credentials: the password is write-only and kept only as HA1 hashes with realm = the trunk domain', async () => {
  const created = await f.json({ method: 'POST', url: `${T}/credentials`, payload: { user_name: 'pbx1', password: 's3cret-pass', friendly_name: 'Main PBX' } });
  assert.equal(created.status, 200);
  const c = one(created.body).data;
  assert.equal(c.user_name, 'pbx1');
  assert.equal(c.realm, 'acme.pstn.example.com');
  assert.ok(!JSON.stringify(created.body).includes('s3cret-pass'));
  assert.ok(!('password' in c) && !('ha1_md5' in c));
  const views = await f.repos.read.trunksOfAccount('acme');
  const cred = views.flatMap((v) => v.credentials).find((x) => x.user_name === 'pbx1');
  assert.equal(cred?.ha1_md5, computeHa1('MD5', 'pbx1', 'acme.pstn.example.com', 's3cret-pass'));
  const tooLong = await f.json({ method: 'POST', url: `${T}/credentials`, payload: { user_name: 'pbx2', password: 's3cret-pass', friendly_name: 'x'.repeat(33) } });
  assert.match(one(tooLong.body).error_data?.description ?? '', /friendly_name/);
  const rename = await f.json({ method: 'PUT', url: `${T}/credentials/${String(c.id)}`, payload: { user_name: 'pbx9' } });
  assert.equal(one(rename.body).error_data?.code, 1001);
  assert.match(one(rename.body).error_data?.description ?? '', /password is mandatory when user_name changes/);
  const changed = await f.json({ method: 'PUT', url: `${T}/credentials/${String(c.id)}`, payload: { password: 'another-pass', friendly_name: 'PBX' } });
  assert.equal(one(changed.body).data.friendly_name, 'PBX');
  assert.equal((await f.json({ method: 'GET', url: `${T}/credentials` })).status, 200);
  assert.equal((await f.json({ method: 'DELETE', url: `${T}/credentials?id=${String(c.id)}` })).status, 200);
});

test('settings: trunk_external_alias is upserted as E.164; an unknown name fails its item (207)', async () => {
  const ok = await f.json({ method: 'POST', url: `${T}/settings`, payload: { settings: [{ name: 'trunk_external_alias', value: '+919876543210' }] } });
  assert.equal(ok.status, 200);
  const mixed = await f.json({
    method: 'POST',
    url: `${T}/settings`,
    payload: { settings: [{ name: 'trunk_external_alias', value: '+14155550123' }, { name: 'color', value: 'blue' }, { name: 'trunk_external_alias', value: '12' }] },
  });
  assert.equal(mixed.status, 207);
  const items = many(mixed.body);
  assert.equal(items[0].status, 'success');
  assert.match(items[1].error_data?.description ?? '', /unknown setting 'color'/);
  assert.match(items[2].error_data?.description ?? '', /settings\[2\]\.value/);
  const read = await f.json({ method: 'GET', url: `${T}/settings?name=trunk_external_alias` });
  assert.equal(many(read.body)[0].data.value, '+14155550123');
  assert.equal((await f.json({ method: 'DELETE', url: `${T}/settings?name=trunk_external_alias` })).status, 200);
  assert.equal((await f.json({ method: 'GET', url: `${T}/settings?name=trunk_external_alias` })).status, 404);
});

test('settings: rtp_timeout takes whole seconds 5–3600 or 0 (off) and record_calls "true"/"false"; other values fail their item with 400 / 1002 naming the rule', async () => {
  const ok = await f.json({ method: 'POST', url: `${T}/settings`, payload: { settings: [{ name: 'rtp_timeout', value: '5' }, { name: 'record_calls', value: 'true' }, { name: 'rtp_timeout', value: '0' }] } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const bad = await f.json({
    method: 'POST',
    url: `${T}/settings`,
    payload: { settings: [{ name: 'rtp_timeout', value: '4' }, { name: 'rtp_timeout', value: '3601' }, { name: 'rtp_timeout', value: '30s' }, { name: 'record_calls', value: 'yes' }, { name: 'rtp_timeout', value: '-1' }] },
  });
  assert.equal(bad.status, 207);
  const items = many(bad.body);
  assert.equal(items.length, 5);
  for (const [i, item] of items.entries()) {
    assert.equal(item.status, 'failure');
    assert.equal(item.code, 400);
    assert.equal(item.error_data?.code, 1002);
    assert.match(item.error_data?.description ?? '', new RegExp(`^settings\\[${i}\\]\\.value: `));
  }
  assert.match(items[0].error_data?.description ?? '', /rtp_timeout must be whole seconds from 5 to 3600, or 0 to turn the RTP timeout off; got '4'/);
  assert.match(items[3].error_data?.description ?? '', /record_calls must be "true" or "false"; got 'yes'/);
  const read = many((await f.json({ method: 'GET', url: `${T}/settings` })).body).map((i) => [i.data.name, i.data.value]);
  assert.deepEqual(read, [['record_calls', 'true'], ['rtp_timeout', '0']]);
  for (const name of ['record_calls', 'rtp_timeout']) assert.equal((await f.json({ method: 'DELETE', url: `${T}/settings?name=${name}` })).status, 200);
});

test("a sub-resource of another account's trunk is 404 / 1000", async () => {
  const res = await f.json({ method: 'GET', url: `/v2/accounts/other/trunks/${T.split('/').pop()}/phone-numbers`, as: 'other' });
  assert.equal(res.status, 404);
  assert.equal(one(res.body).error_data?.code, 1000);
  assert.match(one(res.body).error_data?.description ?? '', /Not Found: trunk_sid .* does not exist/);
});
