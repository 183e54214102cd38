import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, completedCall, ECHO, finding, liveEdge, rtpSocket, sendRtp, sleep, tone } from './media-live-support.js';

// Guide §6 "IVR audio but no agent audio": RTP from another address than the SDP said. The
// relay latches (symmetric RTP, RFC 4961) so the audio back still reaches the PBX behind NAT.
test('a PBX whose RTP source port differs from its SDP (NAT) is heard both ways because the relay latches, and the call shows media.asymmetric-rtp as fixed', async () => {
  const e = await liveEdge();
  const announced = await rtpSocket();
  const real = await rtpSocket();
  try {
    const a = await call(e, ECHO, '127.0.0.1', announced.address().port);
    await sendRtp(real, a.relayPort, 100, tone);
    await sleep(200);
    // Without latching the echo would go to the announced port; it reaches the real source.
    assert.ok(real.received >= 90, `echo back at the real source: ${real.received} of 100`);
    assert.equal(announced.received, 0);
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    const v = await completedCall(e, a.sid);
    const d = v.media!.directions.customer_to_carrier;
    assert.equal(d.source, `127.0.0.1:${real.address().port}`);
    assert.equal(d.sdp_address, `127.0.0.1:${announced.address().port}`);
    assert.ok(v.media!.directions.carrier_to_customer.packets >= 90);
    const f = finding(v, 'media.asymmetric-rtp');
    assert.ok(f, JSON.stringify(v.findings.map((x) => x.id)));
    assert.equal(f.severity, 'info');
    assert.ok(f.evidence.some((l) => l.includes(`comes from 127.0.0.1:${real.address().port} but its sender's SDP said 127.0.0.1:${announced.address().port}`)), f.evidence.join(' | '));
    assert.ok(f.evidence.some((l) => l.includes('latching fixed it')), f.evidence.join(' | '));
    assert.equal(finding(v, 'media.one-way'), undefined);
  } finally {
    announced.close();
    real.close();
    await e.stop();
  }
});
