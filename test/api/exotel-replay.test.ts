import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { TRUNK_SID_PATTERN } from '../../src/core/index.js';
import { Value } from '@sinclair/typebox/value';
import { CredentialAnswer, DestinationUriAnswer, PhoneNumberAnswer, SettingAnswer, TrunkAnswer, WhitelistedIpAnswer } from '../../src/api/schemas/answers.js';
import { apiFixture, many, one, type ApiFixture } from './support.js';
import * as X from './exotel-examples.js';

// A client written against Exotel's documentation, replayed: each documented request is sent
// as documented, and every field of the documented answer must be in trunkline's answer with
// the same JSON type, and the same value unless it is instance data (ids, sids, timestamps,
// request ids). The data is also checked against the OpenAPI answer schemas (answers.ts).
let f: ApiFixture;
let auth: string;
let trunkSid = X.DOC_TRUNK_SID;
before(async () => {
  // Exotel's sample account and domain: account `exoteltest`, SIP domain pstn.exotel.com.
  f = await apiFixture({ sipDomain: 'pstn.exotel.com' });
  const acct = await f.repos.accounts.create('exoteltest');
  auth = `Basic ${Buffer.from(`${acct.api_key}:${acct.api_token}`).toString('base64')}`;
});
after(async () => {
  await f.close();
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** `/path?b=2&a=1` → path and sorted parameters, so parameter order does not matter. */
function uri(u: string): string {
  const [path, qs = ''] = u.split('?', 2);
  return `${path}?${[...new URLSearchParams(qs)].map(([k, v]) => `${k}=${v}`).sort().join('&')}`;
}

function conforms(doc: Json, ours: Json, at: string, key: string, example: X.Example): void {
  if (doc === null) return assert.equal(ours, null, `${at} is null as documented`);
  if (Array.isArray(doc)) {
    assert.ok(Array.isArray(ours), `${at} is an array`);
    assert.equal(ours.length, doc.length, `${at} has the documented number of items`);
    return doc.forEach((d, i) => conforms(d, ours[i], `${at}[${i}]`, key, example));
  }
  if (typeof doc === 'object') {
    assert.ok(ours !== null && typeof ours === 'object' && !Array.isArray(ours), `${at} is an object`);
    for (const [k, v] of Object.entries(doc)) {
      assert.ok(k in ours, `${at}.${k} is answered (${example.source})`);
      conforms(v, ours[k], `${at}.${k}`, k, example);
    }
    return;
  }
  assert.equal(typeof ours, typeof doc, `${at} is a ${typeof doc}`);
  if (key === 'request_id') return assert.match(String(ours), /^[0-9a-f]{32}$/, at);
  if (key === 'trunk_sid') return assert.equal(ours, trunkSid, `${at} is the trunk's sid`);
  if (key === 'id') return assert.match(String(ours), /^\d+$/, `${at} is a numeric string`);
  if (key === 'date_created' || key === 'date_updated') return assert.match(String(ours), ISO, at);
  if (key === 'description' && example.description) return assert.match(String(ours), example.description, at);
  if (key === 'description') return assert.ok(String(ours).includes(String(doc)), `${at}: '${String(ours)}' says '${doc}'`);
  if (typeof doc === 'string' && doc.includes(X.DOC_TRUNK_SID)) {
    const expected = doc.replaceAll(X.DOC_TRUNK_SID, trunkSid);
    return assert.equal(uri(String(ours)), uri(expected), at);
  }
  assert.equal(ours, doc, at);
}

const dataOf = (body: Record<string, Json>) => (body.response as { data: Record<string, Json> }).data;

async function replay(example: X.Example, fill: Record<string, string> = {}, schema?: TSchema, as = auth): Promise<Record<string, Json>> {
  const path = Object.entries({ trunk: trunkSid, ...fill }).reduce((p, [k, v]) => p.replaceAll(`{${k}}`, v), example.path);
  const res = await f.call({
    method: example.method, url: `/v2/accounts/exoteltest${path}`, as: 'none',
    headers: { authorization: as, ...(example.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(example.body === undefined ? {} : { payload: JSON.stringify(example.body) }),
  });
  assert.equal(res.statusCode, example.http, `${example.method} ${path}: ${res.body}`);
  const body = JSON.parse(res.body) as Record<string, Json>;
  if (example === X.CREATE_TRUNK) {
    // The new trunk's own sid stands for the documented one from here on.
    trunkSid = String(dataOf(body).trunk_sid);
    assert.match(trunkSid, TRUNK_SID_PATTERN);
  }
  conforms(example.answer as Json, body, 'answer', '', example);
  if (schema) {
    const items = Array.isArray(body.response) ? body.response : [body.response];
    for (const item of items) {
      const data = (item as { data: Json }).data;
      assert.ok(Value.Check(schema, data), `${JSON.stringify(data)} matches the OpenAPI schema: ${JSON.stringify([...Value.Errors(schema, data)][0])}`);
    }
  }
  return body;
}


test("Exotel's documented setup flow replays unchanged: create trunk, map numbers, change a mode, whitelist, destinations, alias, lists", async () => {
  await replay(X.CREATE_TRUNK, {}, TrunkAnswer);
  await replay(X.MAP_NUMBER, {}, PhoneNumberAnswer);
  const second = await f.json({ method: 'POST', url: `/v2/accounts/exoteltest/trunks/${trunkSid}/phone-numbers`, payload: X.SECOND_NUMBER, as: 'none', headers: { authorization: auth } });
  await replay(X.UPDATE_MODE, { id: String(one(second.body).data.id) }, PhoneNumberAnswer);
  await replay(X.WHITELIST_IP, {}, WhitelistedIpAnswer);
  // §8's list shows one network, 44.248.146.11; the replay lists after removing §4's.
  const first = await f.json({ method: 'GET', url: `/v2/accounts/exoteltest/trunks/${trunkSid}/whitelisted-ips`, as: 'none', headers: { authorization: auth } });
  const ipId = String(many(first.body)[0].data.id);
  await f.call({ method: 'DELETE', url: `/v2/accounts/exoteltest/trunks/${trunkSid}/whitelisted-ips?id=${ipId}`, as: 'none', headers: { authorization: auth } });
  await f.call({ method: 'POST', url: `/v2/accounts/exoteltest/trunks/${trunkSid}/whitelisted-ips`, payload: { ip: '44.248.146.11', mask: 32 }, as: 'none', headers: { authorization: auth } });
  await replay(X.LIST_IPS, {}, WhitelistedIpAnswer);
  await replay(X.ADD_DESTINATION, {}, DestinationUriAnswer);
  f.clock.advance(1000);
  await f.call({ method: 'POST', url: `/v2/accounts/exoteltest/trunks/${trunkSid}/destination-uris`, payload: X.FQDN_DESTINATION, as: 'none', headers: { authorization: auth } });
  await replay(X.LIST_DESTINATIONS, {}, DestinationUriAnswer);
  await replay(X.SET_ALIAS, {}, SettingAnswer);
  // §7 lists the flow-mode number; the replay maps it last, so it leads the newest-first list.
  const numbers = await f.json({ method: 'GET', url: `/v2/accounts/exoteltest/trunks/${trunkSid}/phone-numbers?page_size=1`, as: 'none', headers: { authorization: auth } });
  assert.equal(many(numbers.body)[0].data.phone_number, '+918040264208');
  await f.call({ method: 'DELETE', url: `/v2/accounts/exoteltest/trunks/${trunkSid}/phone-numbers?id=1`, as: 'none', headers: { authorization: auth } });
  await replay(X.LIST_NUMBERS, {}, PhoneNumberAnswer);
});

test("Exotel's documented credential calls replay unchanged: create, list, delete (the password never comes back)", async () => {
  const created = await replay(X.CREATE_CREDENTIAL, {}, CredentialAnswer);
  assert.ok(!('password' in dataOf(created)));
  await replay(X.LIST_CREDENTIALS, {}, CredentialAnswer);
  await replay(X.DELETE_CREDENTIAL, { id: String(dataOf(created).id) }, CredentialAnswer);
});

test("Exotel's documented failures replay with its codes, messages and descriptions", async () => {
  await replay(X.DESTINATION_INVALID);
  await replay(X.DESTINATION_NOT_WHITELISTED);
  await replay(X.DUPLICATE_IP);
  await replay(X.AUTH_FAILED, {}, undefined, `Basic ${Buffer.from('exoteltest:wrong').toString('base64')}`);
});

test("Exotel's documented trunk deletion replays unchanged and answers the deleted trunk", async () => {
  await replay(X.DELETE_TRUNK, {}, TrunkAnswer);
  const gone = await f.json({ method: 'GET', url: `/v2/accounts/exoteltest/trunks/${trunkSid}`, as: 'none', headers: { authorization: auth } });
  assert.equal(gone.status, 404);
});
