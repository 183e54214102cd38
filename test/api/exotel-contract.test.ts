import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { A, apiFixture, many, one, trunkBody, type ApiFixture, type Item } from './support.js';

// Where trunkline's answers follow Exotel's published vSIP contract instead of its own earlier
// ones (docs/exotel-api.md names the source of each): a client written for Exotel must work
// unchanged.
let f: ApiFixture;
let T: string;
let sid: string;
before(async () => {
  f = await apiFixture();
  const t = one((await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('contract') })).body).data;
  sid = String(t.trunk_sid);
  T = `${A}/trunks/${sid}`;
});
after(async () => {
  await f.close();
});

const err = (item: Item) => item.error_data ?? { code: 0, message: '', description: '' };

test('create trunk: nso_code and domain_name are mandatory (1001 "… is mandatory" naming the field)', async () => {
  for (const field of ['nso_code', 'domain_name'] as const) {
    const body: Record<string, string> = { ...trunkBody(`no_${field.slice(0, 3)}`) };
    delete body[field];
    const res = await f.json({ method: 'POST', url: `${A}/trunks`, payload: body });
    assert.equal(res.status, 400);
    assert.deepEqual([err(one(res.body)).code, err(one(res.body)).message], [1001, 'Mandatory parameter missing']);
    assert.equal(err(one(res.body)).description, `${field} is mandatory`);
  }
});

test('create trunk: a domain_name other than {account_sid}.{sip_domain} is 1002 naming the expected value; case does not matter', async () => {
  const wrong = await f.json({ method: 'POST', url: `${A}/trunks`, payload: { ...trunkBody('bad_dom'), domain_name: 'acme.pstn.exotel.com' } });
  assert.equal(wrong.status, 400);
  assert.equal(err(one(wrong.body)).code, 1002);
  assert.equal(err(one(wrong.body)).description, "domain_name: must be acme.pstn.example.com ({account_sid}.{sip_domain}); got 'acme.pstn.exotel.com'");
  const other = await f.json({ method: 'POST', url: `${A}/trunks`, payload: { ...trunkBody('other_dom'), domain_name: 'other.pstn.example.com' } });
  assert.match(err(one(other.body)).description, /must be acme\.pstn\.example\.com/, "another account's domain is refused");
  const upper = await f.json({ method: 'POST', url: `${A}/trunks`, payload: { ...trunkBody('up_dom'), domain_name: 'ACME.PSTN.Example.com' } });
  assert.equal(upper.status, 200);
  assert.equal(one(upper.body).data.domain_name, 'acme.pstn.example.com');
});

test("trunk answers spell auth_type and registration_enabled as Exotel does: 'IP-WHITELIST', 'disabled'", async () => {
  const t = one((await f.json({ method: 'GET', url: T })).body).data;
  assert.equal(t.auth_type, 'IP-WHITELIST');
  assert.equal(t.registration_enabled, 'disabled');
  assert.equal(t.edge_preference, 'auto');
  const digest = one((await f.json({ method: 'PUT', url: T, payload: { auth_mode: 'digest' } })).body).data;
  assert.equal(digest.auth_type, 'CREDENTIALS');
  const both = one((await f.json({ method: 'PUT', url: T, payload: { auth_mode: 'ip_and_digest' } })).body).data;
  assert.equal(both.auth_type, 'IP-WHITELIST-AND-CREDENTIALS');
  const either = one((await f.json({ method: 'PUT', url: T, payload: { auth_mode: 'ip_or_digest' } })).body).data;
  assert.equal(either.auth_type, 'IP-WHITELIST-OR-CREDENTIALS');
  await f.json({ method: 'PUT', url: T, payload: { auth_mode: 'ip' } });
});

test('a bad trunk_name says which characters are allowed, and a long one the maximum length (1002)', async () => {
  const dash = await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('my-trunk') });
  assert.deepEqual([dash.status, err(one(dash.body)).code], [400, 1002]);
  assert.equal(err(one(dash.body)).description, "Allowed characters for trunk_name is alphanumeric and _ (A-Z, a-z, 0-9 and underscore); got 'my-trunk'");
  const put = await f.json({ method: 'PUT', url: T, payload: { trunk_name: 'a.b' } });
  assert.match(err(one(put.body)).description, /^Allowed characters for trunk_name is alphanumeric and _/);
  const long = await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('x'.repeat(20)) });
  assert.equal(err(one(long.body)).description, 'Maximum allowed length for trunk_name is 16; got 20 characters');
});

test('unknown trunks and ids say "Not Found" and name what was looked for', async () => {
  const trunk = await f.json({ method: 'GET', url: `${A}/trunks/trmum1000000000000000000001a1n` });
  assert.equal(trunk.status, 404);
  assert.equal(err(one(trunk.body)).description, 'Not Found: trunk_sid trmum1000000000000000000001a1n does not exist');
  for (const sub of ['whitelisted-ips', 'destination-uris', 'phone-numbers', 'credentials']) {
    const res = await f.json({ method: 'DELETE', url: `${T}/${sub}?id=999999` });
    assert.equal(res.status, 404, sub);
    assert.match(err(one(res.body)).description, new RegExp(`^Not Found: .* id 999999 does not exist on trunk ${sid}$`), sub);
  }
  const map = await f.json({ method: 'GET', url: `${A}/trunk-maps?exophone=%2B919812345670` });
  assert.match(err(one(map.body)).description, /^Not Found: \+919812345670 is not mapped/);
  const path = await f.json({ method: 'GET', url: `${A}/no-such-thing` });
  assert.deepEqual([path.status, err(one(path.body)).code, err(one(path.body)).description], [404, 1000, 'Not Found: no such path: GET /v2/accounts/acme/no-such-thing']);
});

test('authorization failures say "Authorization failed" and why', async () => {
  const none = await f.json({ method: 'GET', url: `${A}/trunks`, as: 'none' });
  assert.deepEqual([none.status, err(one(none.body)).code, err(one(none.body)).message], [401, 1010, 'Authorization failed']);
  assert.equal(err(one(none.body)).description, 'Authorization failed: HTTP Basic authorization with api_key:api_token is required');
  const wrong = await f.json({ method: 'GET', url: `${A}/trunks`, as: 'none', headers: { authorization: `Basic ${Buffer.from('acme:nope').toString('base64')}` } });
  assert.equal(err(one(wrong.body)).description, 'Authorization failed: api_key or api_token is wrong');
  const crossed = await f.json({ method: 'GET', url: `${A}/trunks`, as: 'other' });
  assert.equal(err(one(crossed.body)).description, 'Authorization failed: these credentials are not those of account acme');
});

test('every sub-resource answer carries its trunk_sid; a whitelisted ip also its friendly_name (null)', async () => {
  const ip = one((await f.json({ method: 'POST', url: `${T}/whitelisted-ips`, payload: { ip: '198.51.100.7', mask: 32 } })).body).data;
  assert.equal(ip.trunk_sid, sid);
  assert.equal(ip.friendly_name, null);
  assert.ok('friendly_name' in ip);
  const dest = many((await f.json({ method: 'POST', url: `${T}/destination-uris`, payload: { destinations: [{ destination: '198.51.100.7:5061;transport=tls' }] } })).body)[0].data;
  assert.equal(dest.trunk_sid, sid);
  const num = one((await f.json({ method: 'POST', url: `${T}/phone-numbers`, payload: { phone_number: '+919812345671' } })).body).data;
  assert.equal(num.trunk_sid, sid);
  const cred = one((await f.json({ method: 'POST', url: `${T}/credentials`, payload: { user_name: 'pbx_user', password: 'long-enough-secret', friendly_name: 'pbx' } })).body).data;
  assert.equal(cred.trunk_sid, sid);
  const setting = many((await f.json({ method: 'POST', url: `${T}/settings`, payload: { settings: [{ name: 'trunk_external_alias', value: '+919812345671' }] } })).body)[0].data;
  assert.equal(setting.trunk_sid, sid);
  // The same on every read: list, one, and the answer of DELETE.
  for (const [sub, id] of [['whitelisted-ips', ip.id], ['destination-uris', dest.id], ['phone-numbers', num.id], ['credentials', cred.id]] as const) {
    const list = many((await f.json({ method: 'GET', url: `${T}/${sub}` })).body);
    assert.ok(list.length > 0 && list.every((i) => i.data.trunk_sid === sid), `${sub} list`);
    assert.equal(one((await f.json({ method: 'GET', url: `${T}/${sub}/${String(id)}` })).body).data.trunk_sid, sid, `${sub} one`);
  }
  const settings = many((await f.json({ method: 'GET', url: `${T}/settings` })).body);
  assert.ok(settings.every((i) => i.data.trunk_sid === sid));
  assert.equal(one((await f.json({ method: 'DELETE', url: `${T}/settings?name=trunk_external_alias` })).body).data.trunk_sid, sid);
  assert.equal(one((await f.json({ method: 'DELETE', url: `${T}/credentials?id=${String(cred.id)}` })).body).data.trunk_sid, sid);
});

test("trunk-maps answers with the number's mapping (id, phone_number, trunk_sid, mode, dates); ?trunk_sid= must match", async () => {
  const num = one((await f.json({ method: 'POST', url: `${T}/phone-numbers`, payload: { phone_number: '+919812345672', mode: 'flow' } })).body).data;
  const map = await f.json({ method: 'GET', url: `${A}/trunk-maps?exophone=%2B919812345672` });
  assert.equal(map.status, 200);
  const data = one(map.body).data;
  assert.deepEqual(
    { id: data.id, phone_number: data.phone_number, trunk_sid: data.trunk_sid, mode: data.mode },
    { id: num.id, phone_number: '+919812345672', trunk_sid: sid, mode: 'flow' },
  );
  assert.match(String(data.date_created), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const same = await f.json({ method: 'GET', url: `${A}/trunk-maps?exophone=%2B919812345672&trunk_sid=${sid}` });
  assert.equal(one(same.body).data.id, num.id);
  const elsewhere = await f.json({ method: 'GET', url: `${A}/trunk-maps?exophone=%2B919812345672&trunk_sid=trmum1000000000000000000001a1n` });
  assert.equal(elsewhere.status, 404);
  assert.match(err(one(elsewhere.body)).description, /^Not Found: \+919812345672 is not mapped to trunk_sid trmum1000000000000000000001a1n$/);
  const noExophone = await f.json({ method: 'GET', url: `${A}/trunk-maps` });
  assert.deepEqual([noExophone.status, err(one(noExophone.body)).code], [400, 1001]);
  assert.match(err(one(noExophone.body)).description, /^exophone is mandatory/);
});

test('GET /trunks?trunk_sid= lists that one trunk; a sub-resource list takes ?id= for one row', async () => {
  const list = await f.json({ method: 'GET', url: `${A}/trunks?trunk_sid=${sid}` });
  assert.deepEqual(many(list.body).map((i) => i.data.trunk_sid), [sid]);
  assert.equal(list.body.metadata?.total, 1);
  const none = await f.json({ method: 'GET', url: `${A}/trunks?trunk_sid=trmum1000000000000000000001a1n` });
  assert.deepEqual([many(none.body).length, none.body.metadata?.total], [0, 0]);
  const a = one((await f.json({ method: 'POST', url: `${T}/credentials`, payload: { user_name: 'row_a', password: 'long-enough-secret' } })).body).data;
  await f.json({ method: 'POST', url: `${T}/credentials`, payload: { user_name: 'row_b', password: 'long-enough-secret' } });
  const row = await f.json({ method: 'GET', url: `${T}/credentials?id=${String(a.id)}` });
  assert.deepEqual(many(row.body).map((i) => i.data.user_name), ['row_a']);
  assert.ok(many((await f.json({ method: 'GET', url: `${T}/credentials` })).body).length >= 2, 'without ?id= the whole list');
});

test("PUT /trunks takes Exotel's auth_type (its spelling, any case) for auth_mode; an unknown one or one that contradicts auth_mode is 1002", async () => {
  const creds = await f.json({ method: 'PUT', url: T, payload: { auth_type: 'CREDENTIALS' } });
  assert.equal(creds.status, 200);
  assert.deepEqual([one(creds.body).data.auth_type, one(creds.body).data.auth_mode], ['CREDENTIALS', 'digest']);
  const spaced = await f.json({ method: 'PUT', url: T, payload: { auth_type: 'ip whitelist' } });
  assert.deepEqual([one(spaced.body).data.auth_type, one(spaced.body).data.auth_mode], ['IP-WHITELIST', 'ip']);
  const unknown = await f.json({ method: 'PUT', url: T, payload: { auth_type: 'PASSWORD' } });
  assert.deepEqual([unknown.status, err(one(unknown.body)).code], [400, 1002]);
  assert.match(err(one(unknown.body)).description, /^auth_type: must be one of IP-WHITELIST, CREDENTIALS, IP-WHITELIST-OR-CREDENTIALS, IP-WHITELIST-AND-CREDENTIALS; got 'PASSWORD'$/);
  const both = await f.json({ method: 'PUT', url: T, payload: { auth_type: 'CREDENTIALS', auth_mode: 'ip' } });
  assert.equal(err(one(both.body)).code, 1002);
  assert.match(err(one(both.body)).description, /^auth_type: CREDENTIALS is auth_mode digest, but auth_mode ip was sent too/);
  const agree = await f.json({ method: 'PUT', url: T, payload: { auth_type: 'IP-WHITELIST', auth_mode: 'ip' } });
  assert.equal(agree.status, 200);
});

test('a path ending in .json (as Exotel\'s pages suggest for JSON answers) is the same resource', async () => {
  const created = await f.json({ method: 'POST', url: `${A}/trunks.json`, payload: trunkBody('dot_json') });
  assert.equal(created.status, 200);
  const sidJson = String(one(created.body).data.trunk_sid);
  const got = await f.json({ method: 'GET', url: `${A}/trunks/${sidJson}.json` });
  assert.equal(one(got.body).data.trunk_name, 'dot_json');
  const numbers = await f.json({ method: 'GET', url: `${A}/trunks/${sidJson}/phone-numbers.json?page_size=5` });
  assert.equal(numbers.status, 200);
  assert.match(String(numbers.body.metadata?.first_page_uri), new RegExp(`/trunks/${sidJson}/phone-numbers\\?`));
  const unauth = await f.json({ method: 'GET', url: `${A}/trunks.json`, as: 'none' });
  assert.equal(unauth.status, 401, 'the .json form is under the same auth');
});
