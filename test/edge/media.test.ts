import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { startHarness, DOMAIN, CALLER } from './support/harness.js';

function rtp(seq: number, ssrc = 0x1234): Buffer {
  const b = Buffer.alloc(12 + 160, 0xd5);
  b[0] = 0x80;
  b[1] = 8;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

test('media is anchored on the relay: the PBX sends RTP to the relay, the …0000 number echoes it back, stats land in the record', async () => {
  const h = await startHarness({ relay: { rtpTimeoutMs: 30_000 } });
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  const media = createSocket('udp4');
  media.bind(0, '127.0.0.1');
  await once(media, 'listening');
  let echoed = 0;
  media.on('message', () => echoed++);
  try {
    const inv = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer('127.0.0.1', media.address().port) });
    const ok = await inv.waitFinal();
    assert.equal(ok.status, 200);
    await pbx.ack(inv, ok);
    const port = Number(/m=audio (\d+)/.exec(ok.body)![1]);
    const { lo, hi } = h.relay!.pool.range;
    assert.ok(port >= lo && port <= hi && port % 2 === 0, `the PBX is told the relay's port (${lo}-${hi}), got ${port}`);
    for (let i = 0; i < 25; i++) {
      media.send(rtp(i), port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 5));
    }
    const deadline = Date.now() + 3000;
    while (echoed < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(echoed >= 20, `echoed ${echoed} of 25`);
    await pbx.request(inv, 'BYE');
    const rec = await h.calls.wait((r) => r.call_sid === ok.header('x-trunkline-call-sid') && r.status === 'completed');
    const m = rec.media as { directions: { customer_to_carrier: { packets: number }; carrier_to_customer: { packets: number } } };
    assert.ok(m.directions.customer_to_carrier.packets >= 20);
    assert.ok(m.directions.carrier_to_customer.packets >= 20);
  } finally {
    media.close();
    await pbx.close();
    await h.stop();
  }
});

test('RTP timeout: an answered call with no media both ways is ended with BYE carrying Reason "RTP timeout", and the record says why', async () => {
  const h = await startHarness({ relay: { rtpTimeoutMs: 600 } });
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  try {
    const inv = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer('127.0.0.1', 49170) });
    const ok = await inv.waitFinal();
    assert.equal(ok.status, 200);
    await pbx.ack(inv, ok);
    const bye = await pbx.waitRequest((r) => r.method === 'BYE', 5000);
    assert.match(bye.header('reason') ?? '', /^SIP;cause=408;text="RTP timeout"/);
    const rec = await h.calls.wait((r) => r.call_sid === ok.header('x-trunkline-call-sid') && r.status === 'completed');
    assert.equal(rec.edge_cause, 'rtp-timeout');
    assert.ok(rec.findings.some((f) => f.id.startsWith('media.')), JSON.stringify(rec.findings.map((f) => f.id)));
  } finally {
    await pbx.close();
    await h.stop();
  }
});
