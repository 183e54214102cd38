import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, completedCall, ECHO, finding, liveEdge, rtpSocket, sendRtp, silence } from './media-live-support.js';

// The case loss, jitter and MOS never show: RTP flows at full rate, and every G.711 A-law
// payload is the idle code 0xD5. The diagnosis threshold is 10 s of silence, so this test
// streams 10.6 s of it (the one slow test of the media set).
test('RTP that flows but carries only A-law silence (0xD5) is media.silent-rtp, with its duration as evidence', async () => {
  const e = await liveEdge();
  const sock = await rtpSocket();
  try {
    const a = await call(e, ECHO, '127.0.0.1', sock.address().port);
    await sendRtp(sock, a.relayPort, 530, silence);
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    const v = await completedCall(e, a.sid);
    assert.ok(v.media!.directions.customer_to_carrier.packets >= 500);
    assert.ok(v.media!.directions.carrier_to_customer.packets >= 500);
    assert.ok(sock.received >= 500);
    const f = finding(v, 'media.silent-rtp');
    assert.ok(f, JSON.stringify(v.findings.map((x) => x.id)));
    assert.ok(f.evidence.some((l) => /only silence for \d+(\.\d+)? s of \d+(\.\d+)? s of RTP/.test(l)), f.evidence.join(' | '));
    assert.equal(finding(v, 'media.packet-loss'), undefined);
    assert.equal(finding(v, 'media.one-way'), undefined);
    assert.equal(finding(v, 'media.blocked-rtp'), undefined);
  } finally {
    sock.close();
    await e.stop();
  }
});
