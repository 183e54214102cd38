import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { chunks } from './support/hep.js';
import { RawUac } from './support/raw-uac.js';
import { RegisterClient } from './support/register-client.js';
import { serve } from './support/serve.js';

// serve --hep sends every SIP message on the wire; registrations are no call, but their
// REGISTERs and answers (the 401 challenge, the 200 with the bindings) go to Homer too, under
// their Call-ID (one for a UA's registration and its refreshes, RFC 3261 §10.2.4).
test('serve --hep: every REGISTER and its final answer (401, 200) reach the HEP collector', { timeout: 60_000 }, async () => {
  const collector = createSocket('udp4');
  const caught: Buffer[] = [];
  collector.on('message', (m: Buffer) => caught.push(m));
  collector.bind(0, '127.0.0.1');
  await once(collector, 'listening');
  const s = await serve(['--hep', `127.0.0.1:${collector.address().port}`]);
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: s.sip }, '127.0.0.2').open();
  try {
    const A = `/v2/accounts/${s.account}`;
    const trunk = await s.api<{ trunk_sid: string; domain_name: string }>('POST', `${A}/trunks`, { trunk_name: 'hep_reg', nso_code: 'ANY-ANY', domain_name: `${s.account}.pstn.localhost` });
    const { trunk_sid: sid, domain_name: domain } = trunk.json.response.data;
    assert.equal((await s.api('POST', `${A}/trunks/${sid}/credentials`, { user_name: 'hep1', password: 'hep-secret-1' })).status, 200);
    assert.equal((await s.api('PUT', `${A}/trunks/${sid}`, { registration_enabled: 'enabled' })).status, 200);
    const client = new RegisterClient(pbx, 'hep1', 'hep-secret-1', domain);
    const { final } = await client.register({ contacts: ['<sip:hep1@127.0.0.2:5999>'], expires: 300 });
    assert.equal(final.status, 200, final.raw);
    const sip = () => caught.map((b) => b.toString('latin1')).map((p) => p.slice(p.indexOf('REGISTER sip:') >= 0 ? p.indexOf('REGISTER sip:') : p.indexOf('SIP/2.0 ')));
    for (const deadline = Date.now() + 5000; Date.now() < deadline && sip().filter((m) => /CSeq: \d+ REGISTER/.test(m)).length < 4; ) await new Promise((r) => setTimeout(r, 50));
    const msgs = sip().filter((m) => /CSeq: \d+ REGISTER/.test(m)).map((m) => m.split('\r\n', 1)[0]);
    assert.equal(msgs.filter((l) => l.startsWith('REGISTER sip:')).length, 2, msgs.join(' | '));
    assert.ok(msgs.includes('SIP/2.0 401 Unauthorized'), msgs.join(' | '));
    assert.ok(msgs.includes('SIP/2.0 200 OK'), msgs.join(' | '));
    const correlations = new Set(caught.map(chunks).filter((c) => /CSeq: \d+ REGISTER/.test(c.payload)).map((c) => c.correlation));
    assert.deepEqual([...correlations], [client.callId]);
  } finally {
    await pbx.close();
    await s.stop();
    collector.close();
  }
});
