import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { answerChallenge } from '../../src/sip/index.js';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { serve } from './support/serve.js';
import { CALLER, completedCall, rtpPacket, sleep, tone } from './media-live-support.js';

async function udp6Socket(): Promise<ReturnType<typeof createSocket>> {
  const s = createSocket('udp6');
  s.bind(0, '::1');
  await once(s, 'listening');
  return s;
}

// Issue 7 item 1 over IPv6: a PBX on ::1 calls a carrier on ::1 through `serve --sip-host ::1`;
// the edge rewrites each side's IP6 SDP to the relay's IPv6 sockets and the relay carries the
// RTP both ways. (Whitelisted IPs are IPv4 in Exotel's API, so the IPv6 PBX uses digest.)
test('an IPv6 call (c=IN IP6 on both sides) is anchored on the relay: each side is told the relay\'s IPv6 address, RTP flows both ways through it, the API shows both directions', async () => {
  const probe = await udp6Socket();
  const carrierPort = probe.address().port;
  probe.close();
  const s = await serve(['--sip-host', '::1', '--carrier', `sip:[::1]:${carrierPort};transport=udp`]);
  const pbxRtp = await udp6Socket();
  const carrierRtp = await udp6Socket();
  let pbxHeard = 0;
  pbxRtp.on('message', () => pbxHeard++);
  // The carrier answers every packet it hears, so each direction carries as much as the other.
  carrierRtp.on('message', (m, r) => carrierRtp.send(m, r.port, r.address));
  const pbx = await new RawUac('udp', { host: '::1', port: s.sip }, '::1').open();
  const carrier = await new RawUac('udp', { host: '::1', port: s.sip }, '::1').open(carrierPort);
  let offerToCarrier = '';
  carrier.onRequest = (m, reply) => {
    if (m.method === 'ACK') return;
    if (m.method !== 'INVITE') return reply(200, 'OK');
    offerToCarrier = m.body;
    reply(200, 'OK', [`Contact: <sip:carrier@[::1]:${carrierPort}>`], pcmaOffer('::1', carrierRtp.address().port));
  };
  try {
    const trunk = await s.api<{ trunk_sid: string; domain_name: string }>('POST', `/v2/accounts/${s.account}/trunks`, { trunk_name: 'pbx_v6', nso_code: 'ANY-ANY', domain_name: `${s.account}.pstn.localhost` });
    assert.equal(trunk.status, 200, JSON.stringify(trunk.json));
    const { trunk_sid: trunkSid, domain_name: domain } = trunk.json.response.data;
    const mode = await s.api('PUT', `/v2/accounts/${s.account}/trunks/${trunkSid}`, { auth_mode: 'digest' });
    assert.equal(mode.status, 200, JSON.stringify(mode.json));
    for (const [path, body] of [['credentials', { user_name: 'pbx6', password: 'v6-Secret-pass' }], ['phone-numbers', { phone_number: CALLER, mode: 'pstn' }]] as const) {
      const r = await s.api('POST', `/v2/accounts/${s.account}/trunks/${trunkSid}/${path}`, body);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
    }
    const ruri = `sip:+919876543210@${domain}`;
    const offer = pcmaOffer('::1', pbxRtp.address().port);
    const challenged = await pbx.invite({ ruri, from: `<sip:${CALLER}@[::1]>`, body: offer }).waitFinal(5000);
    assert.equal(challenged.status, 401, challenged.raw);
    const challenge = challenged.all('www-authenticate').find((c) => /algorithm=MD5/.test(c)) ?? challenged.header('www-authenticate')!;
    const authorization = answerChallenge(challenge, { username: 'pbx6', password: 'v6-Secret-pass' }, 'INVITE', ruri);
    const inv = pbx.invite({ ruri, from: `<sip:${CALLER}@[::1]>`, body: offer, extra: [`Authorization: ${authorization}`] });
    const ok = await inv.waitFinal(5000);
    assert.equal(ok.status, 200, ok.raw);
    await pbx.ack(inv, ok);
    // Both sides are told the relay's IPv6 address, each a port of its own leg.
    assert.match(ok.body, /^c=IN IP6 ::1\r?$/m, ok.body);
    assert.match(offerToCarrier, /^c=IN IP6 ::1\r?$/m, offerToCarrier);
    const relayForPbx = Number(/m=audio (\d+)/.exec(ok.body)?.[1]);
    const relayForCarrier = Number(/m=audio (\d+)/.exec(offerToCarrier)?.[1]);
    assert.ok(relayForPbx > 0 && relayForCarrier > 0 && relayForPbx !== relayForCarrier, `${relayForPbx} / ${relayForCarrier}`);
    assert.notEqual(relayForPbx, carrierRtp.address().port, 'the PBX is not told the carrier\'s own port');
    for (let seq = 0; seq < 60; seq++) {
      pbxRtp.send(rtpPacket(seq, 0x6e6e0001, tone), relayForPbx, '::1');
      await sleep(20);
    }
    await sleep(200);
    assert.ok(pbxHeard >= 50, `the carrier's RTP back at the PBX over IPv6: ${pbxHeard} of 60`);
    assert.equal((await pbx.request(inv, 'BYE')).status, 200);
    const v = await completedCall({ s } as Parameters<typeof completedCall>[0], ok.header('x-trunkline-call-sid')!);
    const d = v.media?.directions;
    assert.ok((d?.customer_to_carrier.packets ?? 0) >= 50, JSON.stringify(v.media));
    assert.ok((d?.carrier_to_customer.packets ?? 0) >= 50, JSON.stringify(v.media));
    assert.match(d?.customer_to_carrier.source ?? '', /^\[::1\]:\d+$/);
    assert.ok(!v.findings.some((f) => f.id.startsWith('media.one-way') || f.id === 'media.blocked-rtp'), JSON.stringify(v.findings.map((f) => f.id)));
  } finally {
    pbxRtp.close();
    carrierRtp.close();
    await pbx.close();
    await carrier.close();
    await s.stop();
  }
});
