import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { call, finalKeeps, finding, liveEdgeWithCarrier, liveView, rtpSocket, seenWhileStreaming, silence, stream, tone, type CarrierEdge, type LiveEdge } from './media-live-support.js';

// Issue 7 item 4, "detected while the call is up": the calls API shows a call in progress with
// its per-direction media statistics and the media findings with their evidence before anyone
// hangs up — refreshed from the relay's live statistics — and the final record at BYE keeps them.
// The carrier is a raw UAS of this test, so the test decides who sends RTP; the silence
// threshold is 2 s (--silence-threshold) and RTP quiet for 1 s has stopped (--rtp-stop) to keep
// the tests short, and the live refresh runs every 0.5 s (--live-refresh).
const DIALLED = '+919876543210';
let c: CarrierEdge;
let e: LiveEdge;
let carrierRtp: CarrierEdge['carrierRtp'];

const FLAGS = ['--silence-threshold', '2', '--rtp-stop', '1', '--live-refresh', '0.5'];
function use(x: CarrierEdge): void {
  c = x;
  ({ e, carrierRtp } = x);
}

before(async () => {
  use(await liveEdgeWithCarrier(FLAGS));
});
after(async () => {
  await c?.stop();
});

async function oneWay(): Promise<void> {
  const pbxRtp = await rtpSocket();
  try {
    const a = await call(e, DIALLED, '127.0.0.1', pbxRtp.address().port);
    const v = await seenWhileStreaming(e, a.sid, 'media.one-way', [stream(pbxRtp, () => a.relayPort, tone, 0x11110001)]);
    assert.equal(v.status, 'in-progress');
    const f = finding(v, 'media.one-way')!;
    assert.ok(f.evidence.some((l) => l.startsWith('RTP only from the caller')), f.evidence.join(' | '));
    assert.ok(f.evidence.includes('no RTP from the callee after answer'), f.evidence.join(' | '));
    assert.ok(v.media!.directions.customer_to_carrier.packets > 0);
    assert.equal(v.media!.directions.carrier_to_customer.packets, 0);
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    const end = await finalKeeps(e, a.sid, 'media.one-way');
    assert.ok(end.media!.directions.customer_to_carrier.packets >= v.media!.directions.customer_to_carrier.packets);
  } finally {
    pbxRtp.close();
  }
}
test('one-way audio shows as media.one-way on the call while it is still up, with per-direction counters, and stays on the final record', oneWay);

test('no RTP either way shows as media.blocked-rtp while the call is up, once the media window (2 s) has passed', async () => {
  const a = await call(e, DIALLED, '127.0.0.1', 49170);
  const v = await liveView(e, a.sid, 'media.blocked-rtp while the call is up', (x) => finding(x, 'media.blocked-rtp') !== undefined);
  assert.equal(v.status, 'in-progress');
  const f = finding(v, 'media.blocked-rtp')!;
  assert.ok(f.evidence.includes('no RTP packet in either direction after answer'), f.evidence.join(' | '));
  assert.ok(f.evidence.some((l) => l.includes('the caller announced audio at 127.0.0.1:49170')), f.evidence.join(' | '));
  assert.equal(v.media!.directions.customer_to_carrier.packets, 0);
  assert.equal(v.media!.directions.carrier_to_customer.packets, 0);
  assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
  await finalKeeps(e, a.sid, 'media.blocked-rtp');
});

test('one-way audio towards a PBX that announced a private c= shows as media.one-way.nat while the call is up, quoting the address', async () => {
  const a = await call(e, DIALLED, '192.168.1.20', 4000);
  const v = await seenWhileStreaming(e, a.sid, 'media.one-way.nat', [stream(carrierRtp, () => c.relayForCarrier(), tone, 0x66660001)]);
  assert.equal(v.status, 'in-progress');
  const f = finding(v, 'media.one-way.nat')!;
  assert.ok(f.evidence.some((l) => l.startsWith('RTP only from the callee')), f.evidence.join(' | '));
  assert.ok(f.evidence.some((l) => l.includes('192.168.1.20:4000') && /private|1918/i.test(l)), f.evidence.join(' | '));
  assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
  await finalKeeps(e, a.sid, 'media.one-way.nat');
});


async function silentRtp(): Promise<void> {
  const pbxRtp = await rtpSocket();
  try {
    const a = await call(e, DIALLED, '127.0.0.1', pbxRtp.address().port);
    // The carrier speaks, the PBX sends packets of A-law idle only: audio both ways by the counters.
    const v = await seenWhileStreaming(e, a.sid, 'media.silent-rtp', [stream(pbxRtp, () => a.relayPort, silence, 0x22220001), stream(carrierRtp, () => c.relayForCarrier(), tone, 0x22220002)]);
    assert.equal(v.status, 'in-progress');
    const f = finding(v, 'media.silent-rtp')!;
    const silentFor = f.evidence.map((l) => /only silence for (\d+(?:\.\d+)?) s of \d+(?:\.\d+)? s of RTP/.exec(l)?.[1]).find((x) => x !== undefined);
    assert.ok(silentFor !== undefined, f.evidence.join(' | '));
    // serve's --silence-threshold 2 reached the diagnosis: the default (10 s) could not report less than 10 s.
    assert.ok(Number(silentFor) >= 2 && Number(silentFor) < 10, `silent for ${silentFor} s`);
    assert.ok(v.media!.directions.customer_to_carrier.packets > 0);
    assert.ok(v.media!.directions.carrier_to_customer.packets > 0);
    assert.equal(finding(v, 'media.one-way'), undefined);
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    await finalKeeps(e, a.sid, 'media.silent-rtp');
  } finally {
    pbxRtp.close();
  }
}
test('A-law RTP that carries only silence past the threshold shows as media.silent-rtp while the call is up', silentRtp);


async function asymmetricRtp(): Promise<void> {
  const announced = await rtpSocket();
  const real = await rtpSocket();
  try {
    const a = await call(e, DIALLED, '127.0.0.1', announced.address().port);
    const v = await seenWhileStreaming(e, a.sid, 'media.asymmetric-rtp', [stream(real, () => a.relayPort, tone, 0x33330001), stream(carrierRtp, () => c.relayForCarrier(), tone, 0x33330002)]);
    assert.equal(v.status, 'in-progress');
    const d = v.media!.directions.customer_to_carrier;
    assert.equal(d.source, `127.0.0.1:${real.address().port}`);
    assert.equal(d.sdp_address, `127.0.0.1:${announced.address().port}`);
    const f = finding(v, 'media.asymmetric-rtp')!;
    assert.ok(f.evidence.some((l) => l.includes(`comes from 127.0.0.1:${real.address().port} but its sender's SDP said 127.0.0.1:${announced.address().port}`)), f.evidence.join(' | '));
    assert.ok(f.evidence.some((l) => l.includes('latching fixed it')), f.evidence.join(' | '));
    // The carrier's audio reached the real source, not the announced port.
    assert.ok(real.received > 0);
    assert.equal(announced.received, 0);
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    await finalKeeps(e, a.sid, 'media.asymmetric-rtp');
  } finally {
    announced.close();
    real.close();
  }
}
test('RTP from another port than the PBX announced shows as media.asymmetric-rtp (fixed by latching) while the call is up', asymmetricRtp);


async function dropOneWay(): Promise<void> {
  const pbxRtp = await rtpSocket();
  try {
    const a = await call(e, DIALLED, '127.0.0.1', pbxRtp.address().port);
    const stopPbx = stream(pbxRtp, () => a.relayPort, tone, 0x44440001);
    try {
      const stopCarrier = stream(carrierRtp, () => c.relayForCarrier(), tone, 0x44440002);
      try {
        // Audio both ways first, as the live record counts it…
        await liveView(e, a.sid, 'RTP both ways', (v) => (v.media?.directions.customer_to_carrier.packets ?? 0) > 0 && (v.media?.directions.carrier_to_customer.packets ?? 0) > 0);
      } finally {
        await stopCarrier();
      }
      // …then the carrier's direction stops (a firewall closing one way) while the PBX's goes on.
      const v = await liveView(e, a.sid, 'media.rtp-timeout while the call is up', (x) => finding(x, 'media.rtp-timeout') !== undefined);
      assert.equal(v.status, 'in-progress');
      const f = finding(v, 'media.rtp-timeout')!;
      assert.equal(f.severity, 'warning');
      assert.ok(f.evidence.some((l) => /^RTP from the callee stopped \d+\.\d s after answer .*observation ended with the call still up/.test(l)), f.evidence.join(' | '));
      assert.ok(f.evidence.some((l) => l.startsWith('one direction stopped while the other went on')), f.evidence.join(' | '));
    } finally {
      await stopPbx();
    }
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    await finalKeeps(e, a.sid, 'media.rtp-timeout');
  } finally {
    pbxRtp.close();
  }
}
test('RTP that stops one way while the other goes on shows as media.rtp-timeout (one direction) while the call is up', dropOneWay);


test('on the native media engine (serve --media-engine native) the same findings show while the call is up: one-way, silent and asymmetric RTP, RTP stopping one way', async () => {
  const js = c;
  const native = await liveEdgeWithCarrier([...FLAGS, '--media-engine', 'native']);
  try {
    use(native);
    await oneWay();
    await silentRtp();
    await asymmetricRtp();
    await dropOneWay();
  } finally {
    use(js);
    await native.stop();
  }
});
