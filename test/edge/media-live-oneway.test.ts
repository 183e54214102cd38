import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { call, completedCall, finding, liveEdgeWithCarrier, rtpSocket, sendRtp, sleep, tone, type CarrierEdge, type LiveEdge } from './media-live-support.js';

// Guide §6 "no audio both ways" and "one-way audio", detected on the relay's own counters of a
// call through `trunkline serve`, and shown by GET /calls/{call_sid} with their evidence. The
// carrier is a raw UAS of this test (--carrier), so the test decides who sends RTP.
const DIALLED = '+919876543210';
let c: CarrierEdge;
let e: LiveEdge;
let carrierRtp: CarrierEdge['carrierRtp'];

before(async () => {
  c = await liveEdgeWithCarrier();
  ({ e, carrierRtp } = c);
});
after(async () => {
  await c?.stop();
});

test('no RTP in either direction after answer is media.blocked-rtp, with the SDP addresses as evidence', async () => {
  const a = await call(e, DIALLED, '127.0.0.1', 49170);
  // The diagnosis needs 2 s of answered call (minMediaWindowMs) before a missing stream means anything.
  await sleep(2300);
  assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
  const v = await completedCall(e, a.sid);
  const f = finding(v, 'media.blocked-rtp');
  assert.ok(f, JSON.stringify(v.findings.map((x) => x.id)));
  assert.ok(f.evidence.includes('no RTP packet in either direction after answer'), f.evidence.join(' | '));
  assert.ok(f.evidence.some((l) => l.includes('the caller announced audio at 127.0.0.1:49170')), f.evidence.join(' | '));
  assert.equal(v.media?.directions.customer_to_carrier.packets, 0);
  assert.equal(v.media?.directions.carrier_to_customer.packets, 0);
});

test('RTP from the PBX only (the carrier sends none) is media.one-way, naming the silent side', async () => {
  const sock = await rtpSocket();
  try {
    const a = await call(e, DIALLED, '127.0.0.1', sock.address().port);
    await sendRtp(sock, a.relayPort, 110, tone);
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    const v = await completedCall(e, a.sid);
    const f = finding(v, 'media.one-way');
    assert.ok(f, JSON.stringify(v.findings.map((x) => x.id)));
    assert.ok(f.evidence.some((l) => l.startsWith('RTP only from the caller')), f.evidence.join(' | '));
    assert.ok(f.evidence.includes('no RTP from the callee after answer'), f.evidence.join(' | '));
    assert.ok(v.media!.directions.customer_to_carrier.packets >= 100);
    assert.equal(v.media!.directions.carrier_to_customer.packets, 0);
    assert.ok(carrierRtp.received >= 100, `the carrier got the PBX's RTP: ${carrierRtp.received}`);
  } finally {
    sock.close();
  }
});

test('one-way audio towards a PBX that announced a private c= address and sends nothing is media.one-way.nat, quoting the address', async () => {
  // The PBX behind NAT announces its LAN address and (its RTP blocked) never sends, so the
  // relay has no source to latch to: the carrier's audio goes to 192.168.1.20 and is lost.
  const a = await call(e, DIALLED, '192.168.1.20', 4000);
  await sendRtp(carrierRtp, c.relayForCarrier(), 110, tone);
  assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
  const v = await completedCall(e, a.sid);
  const f = finding(v, 'media.one-way.nat');
  assert.ok(f, JSON.stringify(v.findings.map((x) => x.id)));
  assert.ok(f.evidence.some((l) => l.startsWith('RTP only from the callee')), f.evidence.join(' | '));
  assert.ok(f.evidence.some((l) => l.includes('192.168.1.20:4000') && /private|1918/i.test(l)), f.evidence.join(' | '));
  assert.equal(v.media!.directions.customer_to_carrier.packets, 0);
  assert.ok(v.media!.directions.carrier_to_customer.packets >= 100);
});
