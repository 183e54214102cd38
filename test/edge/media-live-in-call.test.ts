import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { call, completedCall, finding, liveEdgeWithCarrier, rtpPacket, rtpSocket, silence, sleep, tone, type CallView, type CarrierEdge, type LiveEdge } from './media-live-support.js';

// Issue 7 item 4, "detected while the call is up": the calls API shows a call in progress with
// its per-direction media statistics and the media findings with their evidence before anyone
// hangs up — refreshed from the relay's live statistics — and the final record at BYE keeps them.
// The carrier is a raw UAS of this test, so the test decides who sends RTP; the silence
// threshold is 2 s (--silence-threshold) to keep the silent-RTP case short, and the live
// refresh every 0.5 s (--live-refresh).
const DIALLED = '+919876543210';
let c: CarrierEdge;
let e: LiveEdge;
let carrierRtp: CarrierEdge['carrierRtp'];

before(async () => {
  c = await liveEdgeWithCarrier(['--silence-threshold', '2', '--live-refresh', '0.5']);
  ({ e, carrierRtp } = c);
});
after(async () => {
  await c?.stop();
});

/** Streams RTP every 20 ms until stopped (the call stays up meanwhile); returns the stopper. */
function stream(sock: Socket, port: () => number, fill: (i: number) => number, ssrc: number): () => Promise<void> {
  let on = true;
  const done = (async () => {
    for (let seq = 0; on && seq < 3000; seq++) {
      sock.send(rtpPacket(seq, ssrc, fill), port(), '127.0.0.1');
      await sleep(20);
    }
  })();
  return async () => {
    on = false;
    await done;
  };
}

/** Polls GET …/calls/{sid} until `id` is among the findings (bounded); the view it was seen in. */
async function whileUp(sid: string, id: string, timeoutMs = 12_000): Promise<CallView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await e.s.api<CallView>('GET', `/v2/accounts/${e.s.account}/calls/${sid}`);
    if (r.status === 200 && finding(r.json.response.data, id)) return r.json.response.data;
    if (Date.now() > deadline) throw new Error(`${id} not shown within ${timeoutMs} ms while the call is up: ${JSON.stringify(r.json).slice(0, 600)}`);
    await sleep(100);
  }
}

/** Polls while the streams run, then stops them (whether the finding showed or not). */
async function seenWhileStreaming(sid: string, id: string, stops: readonly (() => Promise<void>)[]): Promise<CallView> {
  try {
    return await whileUp(sid, id);
  } finally {
    await Promise.all(stops.map((s) => s()));
  }
}

/** After the end: the completed record holds `id`, and refreshes that were under way do not overwrite it later. */
async function finalKeeps(sid: string, id: string): Promise<CallView> {
  const v = await completedCall(e, sid);
  assert.ok(finding(v, id), `final record lost ${id}: ${JSON.stringify(v.findings.map((f) => f.id))}`);
  // Longer than two refresh intervals: a late live write would have landed by now.
  await sleep(1200);
  const again = (await e.s.api<CallView>('GET', `/v2/accounts/${e.s.account}/calls/${sid}`)).json.response.data;
  assert.equal(again.status, 'completed');
  assert.deepEqual(again.findings.map((f) => f.id), v.findings.map((f) => f.id));
  assert.deepEqual(again.media, v.media);
  return v;
}

test('one-way audio shows as media.one-way on the call while it is still up, with per-direction counters, and stays on the final record', async () => {
  const pbxRtp = await rtpSocket();
  try {
    const a = await call(e, DIALLED, '127.0.0.1', pbxRtp.address().port);
    const v = await seenWhileStreaming(a.sid, 'media.one-way', [stream(pbxRtp, () => a.relayPort, tone, 0x11110001)]);
    assert.equal(v.status, 'in-progress');
    const f = finding(v, 'media.one-way')!;
    assert.ok(f.evidence.some((l) => l.startsWith('RTP only from the caller')), f.evidence.join(' | '));
    assert.ok(f.evidence.includes('no RTP from the callee after answer'), f.evidence.join(' | '));
    assert.ok(v.media!.directions.customer_to_carrier.packets > 0);
    assert.equal(v.media!.directions.carrier_to_customer.packets, 0);
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    const end = await finalKeeps(a.sid, 'media.one-way');
    assert.ok(end.media!.directions.customer_to_carrier.packets >= v.media!.directions.customer_to_carrier.packets);
  } finally {
    pbxRtp.close();
  }
});

test('A-law RTP that carries only silence past the threshold shows as media.silent-rtp while the call is up', async () => {
  const pbxRtp = await rtpSocket();
  try {
    const a = await call(e, DIALLED, '127.0.0.1', pbxRtp.address().port);
    // The carrier speaks, the PBX sends packets of A-law idle only: audio both ways by the counters.
    const v = await seenWhileStreaming(a.sid, 'media.silent-rtp', [stream(pbxRtp, () => a.relayPort, silence, 0x22220001), stream(carrierRtp, () => c.relayForCarrier(), tone, 0x22220002)]);
    assert.equal(v.status, 'in-progress');
    const f = finding(v, 'media.silent-rtp')!;
    assert.ok(f.evidence.some((l) => /only silence for \d+(\.\d+)? s of \d+(\.\d+)? s of RTP/.test(l)), f.evidence.join(' | '));
    assert.ok(v.media!.directions.customer_to_carrier.packets > 0);
    assert.ok(v.media!.directions.carrier_to_customer.packets > 0);
    assert.equal(finding(v, 'media.one-way'), undefined);
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    await finalKeeps(a.sid, 'media.silent-rtp');
  } finally {
    pbxRtp.close();
  }
});

test('RTP from another port than the PBX announced shows as media.asymmetric-rtp (fixed by latching) while the call is up', async () => {
  const announced = await rtpSocket();
  const real = await rtpSocket();
  try {
    const a = await call(e, DIALLED, '127.0.0.1', announced.address().port);
    const v = await seenWhileStreaming(a.sid, 'media.asymmetric-rtp', [stream(real, () => a.relayPort, tone, 0x33330001), stream(carrierRtp, () => c.relayForCarrier(), tone, 0x33330002)]);
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
    await finalKeeps(a.sid, 'media.asymmetric-rtp');
  } finally {
    announced.close();
    real.close();
  }
});
