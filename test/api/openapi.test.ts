import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiFixture, type ApiFixture } from './support.js';

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(async () => {
  await f.close();
});

test('/openapi.json is an OpenAPI 3 document generated from the route schemas', async () => {
  const res = await f.call({ method: 'GET', url: '/openapi.json', as: 'none' });
  assert.equal(res.statusCode, 200);
  const doc = JSON.parse(res.body) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
  assert.match(doc.openapi, /^3\./);
  const trunks = doc.paths['/v2/accounts/{account_sid}/trunks'];
  assert.ok(trunks.post.requestBody, 'POST /trunks documents its body');
  for (const p of ['phone-numbers', 'whitelisted-ips', 'destination-uris', 'credentials', 'settings']) {
    assert.ok(doc.paths[`/v2/accounts/{account_sid}/trunks/{trunk_sid}/${p}`], p);
  }
  assert.ok(doc.paths['/v2/accounts/{account_sid}/trunk-maps']);
});

test('/docs serves the interactive page and /healthz reports the store', async () => {
  const docs = await f.call({ method: 'GET', url: '/docs/', as: 'none' });
  assert.equal(docs.statusCode, 200);
  assert.match(docs.body, /swagger/i);
  const health = await f.call({ method: 'GET', url: '/healthz', as: 'none' });
  assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
});

test("/openapi.json holds Exotel's contract: POST /trunks requires trunk_name, nso_code, domain_name; answers are documented with Exotel's spellings", async () => {
  const res = await f.call({ method: 'GET', url: '/openapi.json', as: 'none' });
  type Schema = { required?: string[]; properties: Record<string, { anyOf?: { enum?: string[] }[] }> };
  const doc = JSON.parse(res.body) as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> }; parameters?: { name: string; in: string }[] }>>;
    components: { schemas: Record<string, Schema> };
  };
  const create = doc.paths['/v2/accounts/{account_sid}/trunks'].post.requestBody!.content['application/json'].schema;
  assert.deepEqual([...(create.required ?? [])].sort(), ['domain_name', 'nso_code', 'trunk_name']);
  const { schemas } = doc.components;
  const values = (s: Schema, field: string) => (s.properties[field].anyOf ?? []).flatMap((a) => a.enum ?? []);
  assert.ok(values(schemas.Trunk, 'auth_type').includes('IP-WHITELIST'));
  assert.deepEqual(values(schemas.Trunk, 'registration_enabled'), ['enabled', 'disabled']);
  for (const name of ['PhoneNumber', 'WhitelistedIp', 'DestinationUri', 'Credential', 'Setting']) {
    assert.ok(schemas[name].required?.includes('trunk_sid'), `${name} carries trunk_sid`);
  }
  assert.ok(schemas.WhitelistedIp.required?.includes('friendly_name'));
  const maps = doc.paths['/v2/accounts/{account_sid}/trunk-maps'].get.parameters ?? [];
  assert.deepEqual(maps.filter((p) => p.in === 'query').map((p) => p.name).sort(), ['exophone', 'trunk_sid']);
});
