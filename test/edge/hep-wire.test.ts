import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cleanup } from '../support/cleanup.js';
import { peerSkip } from '../support/peers.js';
import { callIdOf, chunks, hepCollector, tsharkSip } from './support/hep.js';
import { RawUac, pcmaOffer, type Msg } from './support/raw-uac.js';
import { CALLER, ECHO, liveEdge, rtpSocket, sleep } from './media-live-support.js';
import { serve } from './support/serve.js';

const run = promisify(execFile);
const MAIN = new URL('../../src/cli/main.js', import.meta.url).pathname;

/** An out-of-call request from the PBX, as a UA would send it. */
function outOfCall(pbx: RawUac, method: string, ruri: string, extra: readonly string[] = []): { text: string; branch: string; callId: string } {
  const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
  const callId = `${method.toLowerCase()}-${randomBytes(6).toString('hex')}@pbx`;
  const text = [
    `${method} ${ruri} SIP/2.0`, `Via: ${pbx.via};branch=${branch};rport`, 'Max-Forwards: 70',
    `From: <sip:${CALLER}@127.0.0.1>;tag=${randomBytes(4).toString('hex')}`, `To: <${ruri}>`, `Call-ID: ${callId}`,
    ...extra, 'Content-Length: 0', '', '',
  ].join('\r\n');
  return { text, branch, callId };
}

// Issue 15: serve --hep exports every SIP message in and out as it crossed the wire — taken at the
// transports, so what the edge never traces goes too: the transaction layer's retransmissions of an
// INVITE the carrier ignored, an OPTIONS ping the stack answers itself, a REGISTER outside any call,
// a request the stack refuses. Each once: the carrier's and the PBX's own counts of what they
// exchanged with the edge equal the HEP packets between them. A call's messages carry its sid; the
// others their Call-ID. trunkline diagnose and tshark read the datagrams.
test('serve --hep exports every message on the wire once: INVITE retransmissions to a carrier that ignored the first, OPTIONS, an out-of-call REGISTER and a stack refusal under their Call-ID', { timeout: 90_000 }, async (t) => {
  const stopLater = cleanup(t);
  const hep = await hepCollector();
  stopLater(() => hep.socket.close());
  // Bound before serve is told its port (a port let go and bound again later can be taken meanwhile); aimed at serve once it is up.
  const carrier = await new RawUac('udp', { host: '127.0.0.1', port: 0 }).open();
  stopLater(() => carrier.close());
  const carrierPort = carrier.local.port;
  const carrierRtp = await rtpSocket();
  stopLater(() => carrierRtp.close());
  const e = await liveEdge(['--carrier', `sip:127.0.0.1:${carrierPort};transport=udp`, '--hep', hep.target, '--node-id', 'hep-wire']);
  stopLater(() => e.stop());
  carrier.target.port = e.s.sip;
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-hep-wire-'));
  // What each peer put on the wire towards the edge: the ground truth the HEP export is held to.
  const carrierSent: string[] = [];
  const pbxSent: string[] = [];
  for (const [uac, sent] of [[carrier, carrierSent], [e.pbx, pbxSent]] as const) {
    const send = uac.sendRaw.bind(uac);
    uac.sendRaw = (text: string) => {
      sent.push(text);
      return send(text);
    };
  }
  let invites = 0;
  carrier.onRequest = (m: Msg, reply) => {
    if (m.method === 'ACK') return;
    if (m.method !== 'INVITE') return reply(200, 'OK');
    // RFC 3261 §17.1.1.2: the first transmission is lost; the edge's Timer A resends it.
    if (++invites === 1) return;
    reply(200, 'OK', [`Contact: <sip:carrier@127.0.0.1:${carrierPort}>`], pcmaOffer('127.0.0.1', carrierRtp.address().port));
  };
  try {
    const inv = e.pbx.invite({ ruri: `sip:${ECHO}@${e.domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer('127.0.0.1', 40_000) });
    const ok = await inv.waitFinal(10_000);
    assert.equal(ok.status, 200, ok.raw);
    await e.pbx.ack(inv, ok);
    const sid = ok.header('x-trunkline-call-sid')!;
    assert.equal((await e.pbx.request(inv, 'BYE')).status, 200);
    assert.ok(invites >= 2, `the carrier got ${invites} INVITE transmissions`);

    const options = outOfCall(e.pbx, 'OPTIONS', `sip:${e.domain}`, ['CSeq: 1 OPTIONS']);
    assert.equal((await e.pbx.sendRequest(options.text, options.branch, 'OPTIONS')).status, 200);
    const register = outOfCall(e.pbx, 'REGISTER', `sip:${e.domain}`, ['CSeq: 1 REGISTER', `Contact: <sip:pbx@127.0.0.1:${e.pbx.local.port}>`, 'Expires: 60']);
    const registered = await e.pbx.sendRequest(register.text, register.branch, 'REGISTER');
    // A CSeq with no number: the stack refuses it before any transaction user sees it (RFC 3261 §8.2.2 → 400).
    const bad = outOfCall(e.pbx, 'OPTIONS', `sip:${e.domain}`, ['CSeq: x OPTIONS']);
    const refused = await e.pbx.sendRequest(bad.text, bad.branch, 'OPTIONS');
    assert.equal(refused.status, 400, refused.raw);

    const sip = () => hep.caught.map(chunks).filter((c) => c.type === 1);
    const carrierAt = `127.0.0.1:${carrierPort}`;
    const pbxAt = `127.0.0.1:${e.pbx.local.port}`;
    // Everything the peers sent, and the last answer the edge sent (to the refused OPTIONS), have arrived.
    const settled = () => sip().filter((c) => c.src === carrierAt).length >= carrierSent.length && sip().filter((c) => c.src === pbxAt).length >= pbxSent.length
      && sip().some((c) => callIdOf(c.payload) === bad.callId && c.payload.startsWith('SIP/2.0 400'));
    for (let i = 0; i < 100 && !settled(); i++) await sleep(100);
    // The edge's BYE 200 may be retransmitted late; one snapshot for every reader below.
    const snapshot = [...hep.caught];
    const packets = snapshot.map(chunks).filter((c) => c.type === 1);

    // Each message the peers sent went to HEP once, as sent, on both legs.
    const fromCarrier = packets.filter((c) => c.src === carrierAt).map((c) => c.payload);
    assert.deepEqual([...fromCarrier].sort(), [...carrierSent].sort());
    const fromPbx = packets.filter((c) => c.src === pbxAt).map((c) => c.payload);
    assert.deepEqual([...fromPbx].sort(), [...pbxSent].sort());
    // Everything the edge sent the carrier, once each: its two INVITE transmissions, identical, among them.
    const toCarrier = packets.filter((c) => c.dst === carrierAt);
    assert.deepEqual(toCarrier.map((c) => c.payload).sort(), carrier.requests.map((m) => m.raw).sort());
    const carrierInvites = toCarrier.filter((c) => c.payload.startsWith('INVITE '));
    assert.equal(carrierInvites.length, invites);
    assert.equal(new Set(carrierInvites.map((c) => c.payload)).size, 1, 'a retransmission is the same bytes');

    // Both legs' messages carry the call sid.
    const legs = new Set([callIdOf(inv.request), callIdOf(carrierInvites[0].payload)]);
    for (const c of packets.filter((p) => legs.has(callIdOf(p.payload)))) assert.equal(c.correlation, sid, c.payload.split('\r\n', 1)[0]);
    // What no call owns goes under its Call-ID, request and answer.
    const label = (sip: string) => (sip.startsWith('SIP/2.0 ') ? sip.slice(0, 11) : sip.split(' ', 1)[0]);
    for (const [method, callId, status] of [['OPTIONS', options.callId, 200], ['REGISTER', register.callId, registered.status]] as const) {
      const of = packets.filter((c) => callIdOf(c.payload) === callId).map((c) => [label(c.payload), c.correlation]);
      assert.deepEqual(of.sort(), [[method, callId], [`SIP/2.0 ${status}`, callId]].sort(), `${callId}: ${JSON.stringify(of)}`);
    }
    // The stack's refusal is on record (a refused request has a call sid of its own): both go under it.
    const refusal = packets.filter((c) => callIdOf(c.payload) === bad.callId).map((c) => [label(c.payload), c.correlation]);
    const refusalSid = refusal[0]?.[1] ?? '';
    assert.match(refusalSid, /^[0-9a-f]{32}$/);
    assert.deepEqual(refusal.sort(), [['OPTIONS', refusalSid], ['SIP/2.0 400', refusalSid]].sort());

    // trunkline diagnose reads the datagrams as a raw HEP3 file: the carrier leg with both INVITE transmissions.
    const hepFile = join(dir, 'wire.hep');
    writeFileSync(hepFile, Buffer.concat(snapshot));
    const diagnosed = JSON.parse((await run(process.execPath, [MAIN, 'diagnose', hepFile, '--json'], { maxBuffer: 64 << 20 })).stdout) as { calls: { call_id: string; messages: { summary?: string; method?: string }[] }[] };
    const carrierLeg = diagnosed.calls.find((c) => c.call_id === callIdOf(carrierInvites[0].payload));
    assert.ok(carrierLeg, 'diagnose finds the carrier leg');
    assert.equal(carrierLeg.messages.length, packets.filter((c) => callIdOf(c.payload) === carrierLeg.call_id).length);
    for (const id of [options.callId, register.callId]) assert.ok(diagnosed.calls.some((c) => c.call_id === id), `diagnose finds ${id}`);

    const skip = peerSkip('tshark');
    if (skip) return void t.skip(skip);
    const fields = await tsharkSip(snapshot, dir);
    assert.equal(fields.filter(([corr, id, method]) => corr === sid && id === carrierLeg.call_id && method === 'INVITE').length,
      packets.filter((c) => callIdOf(c.payload) === carrierLeg.call_id && /^(INVITE |SIP\/2\.0 \d+ [^\r]*\r\n[\s\S]*CSeq: \d+ INVITE)/.test(c.payload)).length);
    assert.equal(fields.filter(([corr, , method]) => corr === options.callId && method === 'OPTIONS').length, 2);
    assert.equal(fields.filter(([corr, , method]) => corr === register.callId && method === 'REGISTER').length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// On a wildcard listener the transport knows itself only as 0.0.0.0: HEP names the address the
// packets to that peer leave from instead, as Via and SDP do (Homer shows a real node address).
test('serve --sip-host 0.0.0.0 --hep: an OPTIONS and its 200 carry the edge\'s real address, never 0.0.0.0', { timeout: 60_000 }, async () => {
  const hep = await hepCollector();
  const s = await serve(['--sip-host', '0.0.0.0', '--hep', hep.target]);
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: s.sip }).open();
  try {
    const options = outOfCall(pbx, 'OPTIONS', `sip:127.0.0.1:${s.sip}`, ['CSeq: 1 OPTIONS']);
    assert.equal((await pbx.sendRequest(options.text, options.branch, 'OPTIONS')).status, 200);
    const of = () => hep.caught.map(chunks).filter((c) => c.type === 1 && callIdOf(c.payload) === options.callId);
    for (let i = 0; i < 50 && of().length < 2; i++) await sleep(100);
    assert.deepEqual(of().map((c) => [c.src, c.dst]).sort(), [[`127.0.0.1:${pbx.local.port}`, `127.0.0.1:${s.sip}`], [`127.0.0.1:${s.sip}`, `127.0.0.1:${pbx.local.port}`]].sort());
  } finally {
    await pbx.close();
    await s.stop();
    hep.socket.close();
  }
});
