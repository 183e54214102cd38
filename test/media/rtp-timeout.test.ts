import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MediaRelay, type DropEvent, type TimeoutEvent, type FlowEvent } from '../../src/media/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { Peer, rtpPacket, SILENCE, TONE, until } from './rtp-peer.js';
import { engineRange, mediaEngines } from './engines.js';

for (const engine of mediaEngines()) {
describe(`${engine} engine`, () => {

  const clock = new FakeClock();
  const relay = new MediaRelay({ engine, host: '127.0.0.1', portRange: engineRange('3300-3399', engine), clock, rtpTimeoutMs: 30_000, dropAfterMs: 5_000, tickMs: 1000 });
  after(() => relay.close());

  async function setup(sid: string) {
    const session = await relay.createSession(sid);
    const pbx = await Peer.open();
    const carrier = await Peer.open();
    session.setRemote('A', { address: '127.0.0.1', rtpPort: pbx.port });
    session.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port });
    const events = { drop: [] as DropEvent[], timeout: [] as TimeoutEvent[], flow: [] as FlowEvent[] };
    session.on('drop', (e) => events.drop.push(e));
    session.on('timeout', (e) => events.timeout.push(e));
    session.on('flow', (e) => events.flow.push(e));
    let seqA = 0;
    let seqB = 0;
    const fromA = async (payload = TONE) => {
      const n = session.stats().directions.aToB.stream.packets;
      await pbx.send(rtpPacket({ seq: seqA++, payload, ts: seqA * 160 }), session.legA.rtpPort);
      await until(() => session.stats().directions.aToB.stream.packets === n + 1, 'packet A→B counted');
    };
    const fromB = async (pt = 8) => {
      const n = session.stats().directions.bToA.stream.packets;
      await carrier.send(rtpPacket({ seq: seqB++, ssrc: 0xb, pt, ...(pt === 13 ? { payload: Uint8Array.of(70) } : {}) }), session.legB.rtpPort);
      await until(() => session.stats().directions.bToA.stream.packets === n + 1, 'packet B→A counted');
    };
    const done = () => Promise.all([session.close(), pbx.close(), carrier.close()]);
    return { session, events, fromA, fromB, done };
  }

  test('no RTP timeout before answer: ringing without media is not a fault', async () => {
    const { events, done } = await setup('CA-ring');
    clock.advance(60_000);
    assert.equal(events.timeout.length, 0);
    await done();
  });

  test('one direction stopping while the other flows is a drop; media stopping both ways is an RTP timeout', async () => {
    const { session, events, fromA, fromB, done } = await setup('CA-stop');
    session.answered();
    await fromA();
    await fromB();
    assert.deepEqual(events.flow.map((f) => f.direction), ['aToB', 'bToA']);
    // A keeps talking for 6 s (one packet a second is enough for the detector); B has gone quiet.
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      await fromA();
    }
    assert.equal(events.drop.length, 1);
    assert.equal(events.drop[0].direction, 'bToA');
    assert.ok(events.drop[0].silentMs >= 5000);
    assert.equal(events.timeout.length, 0);
    // Now A stops too: 30 s after the last packet either way the call has timed out, once.
    clock.advance(31_000);
    assert.equal(events.timeout.length, 1);
    assert.ok(events.timeout[0].silentMs >= 30_000);
    assert.ok(events.timeout[0].lastAt.aToB! > events.timeout[0].lastAt.bToA!);
    clock.advance(31_000);
    assert.equal(events.timeout.length, 1);
    assert.equal(session.stats().timedOut, true);
    // B coming back is reported as a resumed flow.
    await fromB();
    assert.deepEqual(events.flow.at(-1), { direction: 'bToA', at: events.flow.at(-1)!.at, resumed: true });
    await done();
  });

  test('no RTP at all after answer times out (blocked RTP), and the per-session timeout is honoured', async () => {
    const { session, events, done } = await setup('CA-none');
    session.setRtpTimeout(10_000);
    session.answered();
    clock.advance(9_000);
    assert.equal(events.timeout.length, 0);
    clock.advance(2_000);
    assert.equal(events.timeout.length, 1);
    assert.deepEqual(events.timeout[0].lastAt, {});
    await done();
  });

  test('on hold (a=sendonly / inactive) media may stop without a timeout', async () => {
    const { session, events, fromA, fromB, done } = await setup('CA-hold');
    session.answered();
    await fromA();
    await fromB();
    session.setHold(true);
    clock.advance(120_000);
    assert.equal(events.timeout.length + events.drop.length, 0);
    session.setHold(false);
    clock.advance(31_000);
    assert.equal(events.timeout.length, 1);
    await done();
  });

  test('a pause after comfort noise is VAD (RFC 3389), not a drop', async () => {
    const { session, events, fromA, fromB, done } = await setup('CA-vad');
    session.answered();
    await fromA();
    await fromB();
    await fromB(13);
    for (let i = 0; i < 7; i++) {
      clock.advance(1000);
      await fromA();
    }
    assert.equal(events.drop.length, 0);
    assert.equal(session.stats().directions.bToA.stream.comfortNoisePackets, 1);
    await done();
  });

  test('silence inside flowing RTP is measured (A-law 0xD5) while a tone is not', async () => {
    const { session, fromA, done } = await setup('CA-silence');
    for (let i = 0; i < 10; i++) {
      await fromA(TONE);
      clock.advance(20);
    }
    for (let i = 0; i < 100; i++) {
      await fromA(SILENCE);
      clock.advance(20);
    }
    for (let i = 0; i < 10; i++) {
      await fromA(TONE);
      clock.advance(20);
    }
    const st = session.stats().directions.aToB.stream;
    assert.equal(st.packets, 120);
    assert.ok(st.longestSilenceMs! >= 1990 && st.longestSilenceMs! <= 2010, `silence ${st.longestSilenceMs}`);
    await done();
  });
});
}
