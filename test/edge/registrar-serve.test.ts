import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { bindingsOf, RegisterClient } from './support/register-client.js';
import { serve, type Served } from './support/serve.js';

// Issue 11 item 2 as a user meets it: `registration_enabled` set through the trunk API, a PBX
// registering to `trunkline serve`, its bindings listed by GET …/registrations (Exotel envelope,
// paged, in the OpenAPI document), a REGISTER refused and looked up by its call sid, and the
// bindings still there — and still reached — after a restart on the same data directory.
const DID = '+919876547002';

type Listed = { aor: string; user_name: string; contact: string; source_address: string; transport: string; expires: number; user_agent: string; registered_at: string };

async function api(s: Served, auth: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${s.http}${path}`, {
    method, headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as { metadata?: Record<string, unknown>; response: unknown } };
}

test('registration_enabled through PUT /trunks, a REGISTER refused then accepted, GET …/registrations lists the binding, and after a restart the binding still takes the inbound call', { timeout: 90_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'trunkline-reg-'));
  let s = await serve([], { dataDir });
  const auth = s.auth;
  const A = `/v2/accounts/${s.account}`;
  const uacs: RawUac[] = [];
  try {
    const trunk = await s.api<{ trunk_sid: string; domain_name: string; registration_enabled: unknown }>('POST', `${A}/trunks`, { trunk_name: 'roaming', nso_code: 'ANY-ANY', domain_name: `${s.account}.pstn.localhost` });
    assert.equal(trunk.status, 200, JSON.stringify(trunk.json));
    const { trunk_sid: sid, domain_name: domain } = trunk.json.response.data;
    assert.equal((await s.api('POST', `${A}/trunks/${sid}/credentials`, { user_name: 'pbx7', password: 'roaming-secret' })).status, 200);
    assert.equal((await s.api('POST', `${A}/trunks/${sid}/phone-numbers`, { phone_number: DID, mode: 'pstn' })).status, 200);

    const pbx = await new RawUac('udp', { host: '127.0.0.1', port: s.sip }, '127.0.0.2').open();
    uacs.push(pbx);
    pbx.onRequest = (m, reply) => {
      if (m.method === 'INVITE') reply(200, 'OK', ['Contact: <sip:pbx7@127.0.0.3:5999>'], pcmaOffer('127.0.0.2', 40010));
      else if (m.method !== 'ACK') reply(200, 'OK');
    };
    const reg = new RegisterClient(pbx, 'pbx7', 'roaming-secret', domain);
    const off = (await reg.register({ contacts: ['<sip:pbx7@127.0.0.3:5999>'], expires: 600 })).final;
    assert.equal(off.status, 403, 'registration_enabled is false on a new trunk');
    assert.equal(off.header('x-trunkline-finding'), 'trunk.registration-disabled');
    const refusedSid = off.header('x-trunkline-call-sid')!;
    // Like every refusal, the REGISTER's call sid can be looked up, with its finding and trace.
    let refused;
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      refused = await s.api<{ edge_cause: string; findings: { id: string }[] }>('GET', `${A}/calls/${refusedSid}`);
      if (refused.status === 200) break;
    }
    assert.equal(refused?.status, 200, JSON.stringify(refused?.json));
    assert.ok(refused!.json.response.data.findings.some((f) => f.id === 'trunk.registration-disabled'));

    // Exotel's spelling; a JSON boolean is taken too.
    const put = await s.api<{ registration_enabled: unknown }>('PUT', `${A}/trunks/${sid}`, { registration_enabled: 'enabled' });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(put.json.response.data.registration_enabled, 'enabled');
    assert.equal((await s.api<{ registration_enabled: unknown }>('PUT', `${A}/trunks/${sid}`, { registration_enabled: false })).json.response.data.registration_enabled, 'disabled');
    assert.equal((await s.api<{ registration_enabled: unknown }>('PUT', `${A}/trunks/${sid}`, { registration_enabled: true })).json.response.data.registration_enabled, 'enabled');
    const ok = (await reg.register({ contacts: ['<sip:pbx7@127.0.0.3:5999>'], expires: 600 })).final;
    assert.equal(ok.status, 200, ok.raw);
    assert.deepEqual(bindingsOf(ok), [{ uri: 'sip:pbx7@127.0.0.3:5999', expires: 600 }]);

    const listed = await s.api<never>('GET', `${A}/trunks/${sid}/registrations?page_size=10`);
    assert.equal(listed.status, 200);
    assert.equal((listed.json.metadata as { total: number }).total, 1);
    const [item] = (listed.json.response as unknown as { data: Listed }[]).map((r) => r.data);
    assert.equal(item.aor, `sip:pbx7@${domain}`);
    assert.equal(item.user_name, 'pbx7');
    assert.equal(item.contact, 'sip:pbx7@127.0.0.3:5999');
    assert.equal(item.source_address, `127.0.0.2:${pbx.local.port}`);
    assert.equal(item.transport, 'udp');
    assert.ok(item.expires > 590 && item.expires <= 600, String(item.expires));
    assert.equal(item.user_agent, 'raw-pbx/1.0');
    assert.match(item.registered_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal((await s.api('GET', `${A}/trunks/trmum100000000000000000a1n/registrations`)).status, 404);
    const doc = await (await fetch(`http://127.0.0.1:${s.http}/openapi.json`)).json() as { paths: Record<string, Record<string, unknown>> };
    assert.ok(doc.paths['/v2/accounts/{account_sid}/trunks/{trunk_sid}/registrations']?.get, 'the list is in the OpenAPI document');

    // A restart on the same data directory: the binding is in the store, and the next test call reaches the PBX by it.
    const sipPort = s.sip;
    await s.stop();
    s = await serve(['--sip-port', String(sipPort)], { dataDir });
    assert.equal(s.sip, sipPort, 'the edge comes back on its port (the PBX answers there)');
    const after = await api(s, auth, 'GET', `${A}/trunks/${sid}/registrations`);
    assert.equal((after.json.metadata as { total: number }).total, 1, 'the binding survived the restart');
    const call = await api(s, auth, 'POST', `${A}/test-calls`, { to: DID });
    assert.equal(call.status, 200, JSON.stringify(call.json));
    const invite = await pbx.waitRequest((m) => m.method === 'INVITE', 8000);
    assert.equal(invite.start, 'INVITE sip:pbx7@127.0.0.3:5999 SIP/2.0');
    await pbx.waitRequest((m) => m.method === 'ACK');
  } finally {
    for (const u of uacs) await u.close();
    await s.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
