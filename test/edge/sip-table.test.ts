import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { answerChallenge } from '../../src/sip/index.js';
import { RawUac, pcmaOffer, type Msg } from './support/raw-uac.js';
import { startHarness, credentialFor, ACCOUNT, CALLER, DOMAIN, TRUNK, type Harness } from './support/harness.js';

/**
 * SPEC §2, one row at a time, from a PBX (and a carrier) written on raw sockets, over UDP and
 * over TCP. Every generated code must carry Reason or Warning, X-Trunkline-Finding and
 * X-Trunkline-Call-Sid, and land in a call record with its finding.
 */
const DID = '+919876542222';
const GONE = '+919876543333';
const OFF = '+919876544444';

/** `sid: false`: a refusal no account can be tied to names no call sid (issue 11 item 4: it could not be looked up). */
function assertGenerated(m: Msg, status: number, finding: string, sid = true): void {
  assert.equal(m.status, status, m.raw);
  assert.ok(m.header('reason') || m.header('warning'), `Reason or Warning on ${status}`);
  assert.equal(m.header('x-trunkline-finding'), finding);
  if (sid) assert.match(m.header('x-trunkline-call-sid') ?? '', /^[0-9a-f]{32}$/);
  else assert.equal(m.header('x-trunkline-call-sid'), undefined, 'no call sid that would 404');
}

async function recordOf(h: Harness, m: Msg) {
  const sid = m.header('x-trunkline-call-sid')!;
  return h.calls.wait((r) => r.call_sid === sid && r.status !== 'in-progress');
}

for (const protocol of ['udp', 'tcp'] as const) {
  test(`SPEC §2 response codes over ${protocol.toUpperCase()}`, async (t) => {
    // The "carrier" client must be known before the edge starts, so bind it on a port first.
    // The carrier sends from 127.0.0.2 (all of 127/8 is loopback on Linux) so its TCP
    // connections, whose source port is ephemeral, are told apart from the PBX's by address.
    const h = await startHarness({ carrierSources: ['127.0.0.2'] });
    const carrier = await new RawUac(protocol, { host: '127.0.0.1', port: h.port }, '127.0.0.2').open();
    const pbx = await new RawUac(protocol, { host: '127.0.0.1', port: h.port }).open();
    // Inbound calls reach the PBX at its destination URI.
    const dest = `sip:127.0.0.1:${pbx.local.port};transport=${protocol}`;
    h.directory.update(TRUNK, { destinations: [{ uri: dest, priority: 0, weight: 1 }] });
    h.directory.numbers.set(DID, { e164: DID, trunkSid: TRUNK, accountSid: ACCOUNT, status: 'active', removed: false, mode: 'pstn' });
    h.directory.numbers.set(GONE, { e164: GONE, trunkSid: TRUNK, accountSid: ACCOUNT, status: 'inactive', removed: true, mode: null });
    h.directory.numbers.set(OFF, { e164: OFF, trunkSid: TRUNK, accountSid: ACCOUNT, status: 'inactive', removed: false, mode: 'pstn' });
    const out = (number: string, o: { body?: string; contentType?: string; from?: string; extra?: string[] } = {}) =>
      pbx.invite({ ruri: `sip:${number}@${DOMAIN}`, from: o.from ?? `<sip:${CALLER}@127.0.0.1>`, body: o.body ?? pcmaOffer(), ...(o.contentType ? { contentType: o.contentType } : {}), ...(o.extra ? { extra: o.extra } : {}) });
    const inbound = (number: string) => carrier.invite({ ruri: `sip:${number}@edge.example`, from: '<sip:+14155550100@carrier.example>', body: pcmaOffer('127.0.0.1', 41000) });
    try {
      await t.test('100 at once, 180 relayed, CANCEL while ringing ends the call with 487', async () => {
        const inv = out('+919876540180');
        await inv.waitFor((m) => m.status === 180);
        assert.equal(inv.responses[0].status, 100);
        const c = await pbx.cancel(inv);
        assert.equal(c.status, 200);
        assert.equal((await inv.waitFinal()).status, 487);
      });
      await t.test('183 with SDP is relayed as early media, then 200', async () => {
        const inv = out('+919876540183');
        const early = await inv.waitFor((m) => m.status === 183);
        assert.match(early.body, /m=audio/);
        const ok = await inv.waitFinal();
        assert.equal(ok.status, 200);
        await pbx.ack(inv, ok);
        assert.equal((await pbx.request(inv, 'BYE')).status, 200);
      });
      await t.test('200 relayed; re-INVITE hold and resume, INFO and OPTIONS in the dialog; BYE from the carrier side reaches the PBX', async () => {
        const inv = out('+919876540000');
        const ok = await inv.waitFinal();
        assert.equal(ok.status, 200);
        await pbx.ack(inv, ok);
        const hold = await pbx.request(inv, 'INVITE', pcmaOffer().replace('a=sendrecv', 'a=sendonly'));
        assert.equal(hold.status, 200);
        assert.match(hold.body, /m=audio/);
        const resume = await pbx.request(inv, 'INVITE', pcmaOffer());
        assert.equal(resume.status, 200);
        assert.equal((await pbx.request(inv, 'INFO', '', ['Content-Type: application/dtmf-relay'])).status, 200);
        assert.equal((await pbx.request(inv, 'OPTIONS')).status, 200);
        assert.equal((await pbx.request(inv, 'UPDATE')).status, 200);
        assert.equal((await pbx.request(inv, 'BYE')).status, 200);
        const rec = await recordOf(h, ok);
        assert.ok(rec.events.some((e) => e.kind === 'reinvite' && e.detail.includes('hold')));
      });
      await t.test('400 for SDP that does not parse (Warning names it)', async () => {
        const m = await out('+919876540000', { body: 'hello' }).waitFinal();
        assertGenerated(m, 400, 'edge.malformed-sdp');
        assert.match(m.header('warning')!, /^399 /);
      });
      await t.test('400 from the stack for a request missing a mandatory header (Warning names the header)', async () => {
        // No Call-ID: RFC 3261 §8.1.1 makes it mandatory; validateIncoming answers 400 with a Warning.
        const probe = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer(), send: false });
        const broken = probe.request.replace(/\r\nCall-ID: [^\r]*/, '');
        await pbx.sendRaw(broken);
        const m = await probe.waitFor((r) => r.status === 400);
        assert.match(m.header('warning') ?? '', /Call-ID/i);
      });
      await t.test('401 challenge (SHA-256 and MD5), wrong password still 401, right digest gets through', async () => {
        h.directory.update(TRUNK, { credentials: [credentialFor('pbx', 'secret')] });
        try {
          const first = await out('+919876540000').waitFinal();
          assertGenerated(first, 401, 'auth.credentials-required');
          const challenges = first.all('www-authenticate');
          assert.ok(challenges.some((c) => /algorithm=SHA-256/.test(c)) && challenges.some((c) => /algorithm=MD5/.test(c)));
          const md5 = challenges.find((c) => /algorithm=MD5/.test(c))!;
          const ruri = `sip:+919876540000@${DOMAIN}`;
          const wrong = await out('+919876540000', { extra: [`Authorization: ${answerChallenge(md5, { username: 'pbx', password: 'nope' }, 'INVITE', ruri)}`] }).waitFinal();
          assertGenerated(wrong, 401, 'auth.wrong-credentials');
          const sha = challenges.find((c) => /algorithm=SHA-256/.test(c))!;
          const inv = out('+919876540000', { extra: [`Authorization: ${answerChallenge(sha, { username: 'pbx', password: 'secret' }, 'INVITE', ruri)}`] });
          const ok = await inv.waitFinal();
          assert.equal(ok.status, 200, ok.raw);
          await pbx.ack(inv, ok);
          await pbx.request(inv, 'BYE');
        } finally {
          h.directory.update(TRUNK, { credentials: [] });
        }
      });
      await t.test('403 when the source is in no whitelisted range, and when the trunk is inactive', async () => {
        h.directory.update(TRUNK, { whitelist: ['192.0.2.0/24'] });
        const a = await out('+919876540000').waitFinal();
        h.directory.update(TRUNK, { whitelist: ['127.0.0.1/32'], status: 'inactive' });
        const b = await out('+919876540000').waitFinal();
        h.directory.update(TRUNK, { status: 'active' });
        assertGenerated(a, 403, 'acl.not-whitelisted');
        assertGenerated(b, 403, 'trunk.inactive');
        const rec = await recordOf(h, a);
        assert.equal(rec.final_by, 'edge');
        assert.ok(rec.findings.some((f) => f.id === 'acl.not-whitelisted'));
      });
      await t.test('404 outbound: caller number not mapped and no external alias; an alias fixes it', async () => {
        assertGenerated(await out('+919876540000', { from: '<sip:+919876549999@127.0.0.1>' }).waitFinal(), 404, 'routing.caller-not-mapped');
        h.directory.update(TRUNK, { externalAlias: CALLER });
        const inv = out('+919876540000', { from: '<sip:+919876549999@127.0.0.1>' });
        const ok = await inv.waitFinal();
        h.directory.update(TRUNK, { externalAlias: null });
        assert.equal(ok.status, 200);
        await pbx.ack(inv, ok);
        await pbx.request(inv, 'BYE');
      });
      await t.test('404 inbound: DID not mapped to any trunk', async () => {
        // The carrier's call to a number no trunk holds belongs to no account.
        assertGenerated(await inbound('+919876545555').waitFinal(), 404, 'routing.did-not-mapped', false);
      });
      await t.test('410 inbound: DID inactive, and DID removed from the trunk', async () => {
        assertGenerated(await inbound(OFF).waitFinal(), 410, 'routing.did-inactive');
        assertGenerated(await inbound(GONE).waitFinal(), 410, 'routing.did-removed');
      });
      await t.test('415 for a body that is not application/sdp', async () => {
        const m = await out('+919876540000', { body: 'hello', contentType: 'text/plain' }).waitFinal();
        assertGenerated(m, 415, 'sip.415.not-sdp');
      });
      await t.test('480 inbound: the trunk has no destination URI', async () => {
        h.directory.update(TRUNK, { destinations: [] });
        const m = await inbound(DID).waitFinal();
        h.directory.update(TRUNK, { destinations: [{ uri: dest, priority: 0, weight: 1 }] });
        assertGenerated(m, 480, 'routing.no-destination-uri');
      });
      await t.test('484 for a number that is not E.164', async () => {
        assertGenerated(await out('919876540000').waitFinal(), 484, 'number.not-e164');
      });
      for (const code of [486, 600, 603]) {
        await t.test(`${code} from the far end is relayed untouched`, async () => {
          const m = await out(`+91987654${String(code).padStart(4, '0')}`).waitFinal();
          assert.equal(m.status, code);
          assert.equal(m.header('x-trunkline-finding'), undefined, 'not generated by the edge');
          const rec = await recordOf(h, m);
          assert.equal(rec.final_by, 'carrier');
        });
      }
      await t.test('488 when the offer has no PCMA, Warning 305 listing the offer', async () => {
        const m = await out('+919876540000', { body: pcmaOffer('127.0.0.1', 40000, '0 18').replace('a=rtpmap:8 PCMA/8000\r\n', '') }).waitFinal();
        assertGenerated(m, 488, 'sip.488.no-pcma');
        assert.match(m.header('warning')!, /^305 .*PCMU/);
      });
      await t.test('500 for an internal fault, never a crash', async () => {
        const d = h.directory as unknown as { trunksOfAccount: unknown };
        const saved = d.trunksOfAccount;
        d.trunksOfAccount = async () => {
          throw new Error('store down');
        };
        try {
          assertGenerated(await out('+919876540000').waitFinal(), 500, 'edge.internal-fault');
        } finally {
          d.trunksOfAccount = saved;
        }
      });
      await t.test('502 inbound: the destination FQDN does not resolve', async () => {
        h.directory.update(TRUNK, { destinations: [{ uri: 'sip:no-such-host.invalid:5060', priority: 0, weight: 1 }] });
        const m = await inbound(DID).waitFinal(8000);
        h.directory.update(TRUNK, { destinations: [{ uri: dest, priority: 0, weight: 1 }] });
        assertGenerated(m, 502, 'routing.fqdn-not-resolving');
      });
      await t.test('503 with Retry-After over the trunk call rate limit', async () => {
        h.directory.update(TRUNK, { callsPerMinute: 1 });
        const m = await out('+919876540000').waitFinal();
        h.directory.update(TRUNK, { callsPerMinute: 200 });
        assertGenerated(m, 503, 'trunk.rate-limited');
        assert.match(m.header('retry-after') ?? '', /^\d+$/);
      });
      await t.test('504 when the carrier sends no response in time (…0408)', async () => {
        assertGenerated(await out('+919876540408').waitFinal(8000), 504, 'carrier.no-response');
      });
      await t.test('580 for SRTP on a trunk without secure trunking', async () => {
        const srtp = pcmaOffer().replace('RTP/AVP', 'RTP/SAVP') + 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n';
        assertGenerated(await out('+919876540000', { body: srtp }).waitFinal(), 580, 'sip.580.srtp');
      });
      await t.test('604 for an E.164 number outside the numbering plan', async () => {
        assertGenerated(await out('+912212340000').waitFinal(), 604, 'number.not-in-plan');
      });
      await t.test('606 when the offer has no audio at all', async () => {
        const video = pcmaOffer().replace('m=audio 40000 RTP/AVP 8 101', 'm=video 40000 RTP/AVP 96');
        assertGenerated(await out('+919876540000', { body: video }).waitFinal(), 606, 'sip.606.no-usable-media');
      });
      await t.test('inbound 200: a carrier call to a DID reaches the PBX at its destination URI; BYE from the carrier ends it', async () => {
        pbx.onRequest = (m, reply) => {
          if (m.method === 'INVITE') reply(200, 'OK', [`Contact: ${pbx.contact}`], pcmaOffer('127.0.0.1', 42000));
          else if (m.method !== 'ACK') reply(200, 'OK');
        };
        const inv = inbound(DID);
        const ok = await inv.waitFinal();
        assert.equal(ok.status, 200, ok.raw);
        await carrier.ack(inv, ok);
        const seen = await pbx.waitRequest((r) => r.method === 'INVITE');
        assert.match(seen.start, new RegExp(`^INVITE sip:\\${DID}@127\\.0\\.0\\.1`));
        assert.ok(!seen.raw.includes(`${carrier.local.port}`), 'no carrier address or port leaks to the PBX');
        await pbx.waitRequest((r) => r.method === 'ACK');
        assert.equal((await carrier.request(inv, 'BYE')).status, 200);
        await pbx.waitRequest((r) => r.method === 'BYE');
        const rec = await recordOf(h, ok);
        assert.equal(rec.direction, 'inbound');
        assert.equal(rec.final_by, 'customer');
        assert.equal(rec.end_cause, 'bye-carrier');
      });
      await t.test('408 inbound: every destination URI timed out', async () => {
        const silent = createSocket('udp4');
        silent.bind(0, '127.0.0.1');
        await once(silent, 'listening');
        const tcpSilent = createServer(() => {});
        tcpSilent.listen(0, '127.0.0.1');
        await once(tcpSilent, 'listening');
        const port = protocol === 'udp' ? silent.address().port : (tcpSilent.address() as { port: number }).port;
        h.directory.update(TRUNK, { destinations: [{ uri: `sip:127.0.0.1:${port};transport=${protocol}`, priority: 0, weight: 1 }] });
        try {
          assertGenerated(await inbound(DID).waitFinal(8000), 408, 'reachability.destination-timeout');
        } finally {
          h.directory.update(TRUNK, { destinations: [{ uri: dest, priority: 0, weight: 1 }] });
          silent.close();
          tcpSilent.close();
        }
      });
    } finally {
      await pbx.close();
      await carrier.close();
      await h.stop();
    }
  });
}

test('503 with Retry-After when no carrier can be reached (transport error on every gateway)', async () => {
  const h = await startHarness({ pstnSim: false, carriers: ['sip:127.0.0.1:1;transport=tcp'] });
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  try {
    const m = await pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() }).waitFinal();
    assertGenerated(m, 503, 'carrier.unavailable');
    assert.ok(m.header('retry-after'));
  } finally {
    await pbx.close();
    await h.stop();
  }
});
