import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { MediaRelay, type LatchEvent, type MediaSessionMessage } from '../../src/media/index.js';
import { Peer, rtpPacket, rtcpReceiverReport, until } from './rtp-peer.js';
import { engineRange, mediaEngines } from './engines.js';
import { seededRandom } from '../support/prng.js';

for (const engine of mediaEngines()) {
describe(`${engine} engine`, () => {

  const relay = new MediaRelay({ engine, host: '127.0.0.1', portRange: engineRange('2000-2999', engine) });
  after(() => relay.close());

  async function call(sid: string) {
    const session = await relay.createSession(sid);
    const pbx = await Peer.open();
    const carrier = await Peer.open();
    return { session, pbx, carrier, done: () => Promise.all([session.close(), pbx.close(), carrier.close()]) };
  }

  test('RTP is relayed and counted in both directions (customer → carrier and back)', async () => {
    const { session, pbx, carrier, done } = await call('CA-both');
    session.setRemote('A', { address: '127.0.0.1', rtpPort: pbx.port });
    session.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port });
    for (let i = 0; i < 50; i++) {
      await pbx.send(rtpPacket({ seq: 100 + i, ssrc: 0xa }), session.legA.rtpPort);
      await carrier.send(rtpPacket({ seq: 500 + i, ssrc: 0xb }), session.legB.rtpPort);
    }
    await until(() => pbx.received.length === 50 && carrier.received.length === 50, 'both sides to receive 50 packets');
    const s = session.stats();
    assert.equal(s.directions.aToB.stream.packets, 50);
    assert.equal(s.directions.bToA.stream.packets, 50);
    assert.equal(s.directions.aToB.stream.lost, 0);
    assert.equal(s.directions.aToB.forwardedPackets, 50);
    assert.equal(s.streams.length, 2);
    assert.equal(s.streams[0].codec, 'PCMA');
    assert.equal(s.streams[0].src, `127.0.0.1:${pbx.port}`);
    assert.equal(s.streams[0].dst, `127.0.0.1:${session.legA.rtpPort}`);
    // The call's evidence is the relay's measurement as it is, as a capture's is (issue 13 stage 5):
    // what the E-model reads (expected, loss bursts, late packets) is not projected away.
    assert.deepEqual(s.streams, [s.directions.aToB.stream, s.directions.bToA.stream]);
    assert.equal(s.streams[0].expected, 50);
    assert.equal(s.streams[0].latePackets, 0);
    // The relay sends each side's media from the leg that side talks to (symmetric RTP).
    assert.equal(carrier.from[0], `127.0.0.1:${session.legB.rtpPort}`);
    assert.equal(pbx.from[0], `127.0.0.1:${session.legA.rtpPort}`);
    await done();
  });

  test('symmetric RTP: the relay latches to the real source port behind NAT, not the SDP one', async () => {
    const { session, pbx, carrier, done } = await call('CA-nat');
    const latches: LatchEvent[] = [];
    session.on('latch', (e) => latches.push(e));
    // The PBX's SDP names a private port nothing listens on; its RTP really comes from pbx.port.
    session.setRemote('A', { address: '127.0.0.1', rtpPort: 9 });
    session.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port });
    await pbx.send(rtpPacket({ seq: 1 }), session.legA.rtpPort);
    await until(() => carrier.received.length === 1, 'the first packet to reach the carrier');
    for (let i = 0; i < 5; i++) await carrier.send(rtpPacket({ seq: i, ssrc: 0xb }), session.legB.rtpPort);
    await until(() => pbx.received.length === 5, 'carrier audio to reach the PBX at its real port');
    const s = session.stats();
    assert.equal(s.directions.aToB.source, `127.0.0.1:${pbx.port}`);
    assert.equal(s.directions.aToB.sdpAddress, '127.0.0.1:9');
    assert.equal(s.directions.aToB.stream.latched, true);
    assert.equal(s.directions.aToB.stream.sdpAddress, '127.0.0.1:9');
    assert.deepEqual(latches.map((l) => [l.leg, l.matchesSdp]), [['A', false], ['B', true]]);
    await done();
  });

  test('a stream injected from another address after latching is dropped and counted (RTP bleed)', async () => {
    const { session, pbx, carrier, done } = await call('CA-bleed');
    const intruder = await Peer.open('127.0.0.2');
    const samehost = await Peer.open();
    session.setRemote('A', { address: '127.0.0.1', rtpPort: pbx.port });
    session.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port });
    for (let i = 0; i < 10; i++) await pbx.send(rtpPacket({ seq: i, ssrc: 0xa }), session.legA.rtpPort);
    for (let i = 0; i < 10; i++) await intruder.send(rtpPacket({ seq: 1000 + i, ssrc: 0xbad }), session.legA.rtpPort);
    // Same host, same SSRC, another port: not a new stream, so not a reason to move the latch either.
    for (let i = 0; i < 5; i++) await samehost.send(rtpPacket({ seq: 20 + i, ssrc: 0xa }), session.legA.rtpPort);
    for (let i = 10; i < 20; i++) await pbx.send(rtpPacket({ seq: i, ssrc: 0xa }), session.legA.rtpPort);
    await until(() => session.stats().directions.aToB.drops.bleed === 15 && carrier.received.length === 20, 'the injected packets to be dropped');
    const s = session.stats();
    assert.equal(carrier.received.length, 20);
    assert.equal(s.directions.aToB.stream.packets, 20);
    assert.equal(s.directions.aToB.source, `127.0.0.1:${pbx.port}`);
    assert.equal(s.directions.aToB.latches, 1);
    await Promise.all([intruder.close(), samehost.close()]);
    await done();
  });

  test('an SSRC change from the same host re-latches (new stream), and a re-INVITE re-opens the latch', async () => {
    const { session, pbx, carrier, done } = await call('CA-ssrc');
    const pbx2 = await Peer.open();
    session.setRemote('A', { address: '127.0.0.1', rtpPort: pbx.port });
    session.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port });
    for (let i = 0; i < 5; i++) await pbx.send(rtpPacket({ seq: i, ssrc: 0x111 }), session.legA.rtpPort);
    await until(() => carrier.received.length === 5, 'first stream');
    for (let i = 0; i < 5; i++) await pbx2.send(rtpPacket({ seq: 7000 + i, ssrc: 0x222 }), session.legA.rtpPort);
    await until(() => carrier.received.length === 10, 'second stream');
    await carrier.send(rtpPacket({ seq: 1, ssrc: 0xb }), session.legB.rtpPort);
    await until(() => pbx2.received.length === 1, 'carrier audio to follow the new source');
    let s = session.stats();
    assert.equal(s.directions.aToB.latches, 2);
    assert.equal(s.directions.aToB.stream.ssrcChanges, 1);
    assert.equal(s.directions.aToB.drops.bleed, 0);
    // After a re-INVITE (relatch) the first source to send is taken again, whatever its SSRC.
    session.relatch('A');
    await pbx.send(rtpPacket({ seq: 5, ssrc: 0x222 }), session.legA.rtpPort);
    await until(() => carrier.received.length === 11, 'packet after relatch');
    s = session.stats();
    assert.equal(s.directions.aToB.source, `127.0.0.1:${pbx.port}`);
    assert.equal(s.directions.aToB.latches, 3);
    await pbx2.close();
    await done();
  });

  test('packets that are not RTP, or too short, are dropped and counted; relaying goes on', async () => {
    const { session, pbx, carrier, done } = await call('CA-garbage');
    session.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port });
    await pbx.send(Buffer.from('hello, not rtp'), session.legA.rtpPort);
    await pbx.send(Buffer.from([0x80, 8, 0, 1]), session.legA.rtpPort);
    await pbx.send(Buffer.alloc(0), session.legA.rtpPort);
    const badVersion = rtpPacket({ seq: 1 });
    badVersion[0] = 0x40;
    await pbx.send(badVersion, session.legA.rtpPort);
    // X bit set but no room for the extension header: RFC 3550 §5.3.1 length cannot be read.
    const badExt = Buffer.alloc(12);
    badExt[0] = 0x90;
    await pbx.send(badExt, session.legA.rtpPort);
    await pbx.send(rtpPacket({ seq: 2 }), session.legA.rtpPort);
    await until(() => carrier.received.length === 1, 'the valid packet to be relayed');
    assert.equal(session.stats().directions.aToB.drops.malformed, 5);
    assert.equal(session.stats().directions.aToB.stream.packets, 1);
    await done();
  });

  test('a storm of random datagrams (any bytes, any length, RTP-looking headers too) is survived; valid media still flows', async () => {
    const { session, pbx, carrier, done } = await call('CA-fuzz');
    session.setRemote('A', { address: '127.0.0.1', rtpPort: pbx.port });
    session.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port });
    const seed = 0x7e1a7;
    const rnd = seededRandom(seed);
    const ports = [session.legA.rtpPort, session.legA.rtcpPort, session.legB.rtpPort, session.legB.rtcpPort];
    const intruder = await Peer.open('127.0.0.2');
    // Both sides latched first, so what follows is what a live call would see.
    await pbx.send(rtpPacket({ seq: 1, ssrc: 0xa }), session.legA.rtpPort);
    await carrier.send(rtpPacket({ seq: 1, ssrc: 0xb }), session.legB.rtpPort);
    await until(() => pbx.received.length === 1 && carrier.received.length === 1, 'both sides latched');
    for (let i = 0; i < 1500; i++) {
      const b = Buffer.alloc(Math.floor(rnd() * (rnd() < 0.5 ? 40 : 1400)));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
      // Half look like RTP/RTCP (version 2, random X/P/CC bits and types), to reach the deeper checks.
      if (b.length > 0 && rnd() < 0.5) b[0] = 0x80 | (b[0] & 0x3f);
      await (rnd() < 0.5 ? pbx : intruder).send(b, ports[Math.floor(rnd() * 4)]);
    }
    // A storm can overflow a socket's kernel queue (the JS engine reads slower than it arrives), so
    // valid packets keep coming until one is through.
    let seq = 900;
    await until(() => {
      void carrier.send(rtpPacket({ seq: seq++, ssrc: 0xb }), session.legB.rtpPort);
      return pbx.received.some((m) => m.length === 172 && m.readUInt32BE(8) === 0xb && m.readUInt16BE(2) >= 900);
    }, `valid media after the storm (seed ${seed})`, 10_000);
    const d = session.stats().directions;
    const refused = [d.aToB, d.bToA].reduce((t, x) => t + x.drops.malformed + x.drops.bleed + x.rtcp.malformed, 0);
    assert.ok(refused > 0, `seed ${seed}: ${JSON.stringify([d.aToB.drops, d.bToA.drops])}`);
    await intruder.close();
    await done();
    await session.close('twice');
  });

  test('sequence loss, duplicates and reordering are counted (RFC 3550 A.3); CN is not loss', async () => {
    const { session, pbx, carrier, done } = await call('CA-loss');
    session.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port });
    const seqs = [1, 2, 3, 4, 6, 7, 7, 8, 10, 9, 11, 12];
    for (const seq of seqs) await pbx.send(rtpPacket({ seq }), session.legA.rtpPort);
    // Comfort noise (RFC 3389, PT 13) continues the sequence: VAD, not loss.
    for (let seq = 13; seq < 20; seq++) await pbx.send(rtpPacket({ seq, pt: 13, payload: Uint8Array.of(60) }), session.legA.rtpPort);
    await pbx.send(rtpPacket({ seq: 20, marker: true }), session.legA.rtpPort);
    await until(() => session.stats().directions.aToB.stream.packets === seqs.length + 8, 'all packets counted');
    const st = session.stats().directions.aToB.stream;
    assert.equal(st.lost, 1);
    assert.equal(st.duplicates, 1);
    assert.ok(st.reordered >= 1);
    assert.equal(st.comfortNoisePackets, 7);
    assert.deepEqual(st.payloadTypes.map((p) => p.pt).sort((a, b) => a - b), [8, 13]);
    await done();
  });

  test('RTCP is relayed to the other side and its reports are read', async () => {
    const { session, pbx, carrier, done } = await call('CA-rtcp');
    const carrierRtcp = await Peer.open();
    session.setRemote('A', { address: '127.0.0.1', rtpPort: pbx.port });
    session.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port, rtcpPort: carrierRtcp.port });
    await pbx.send(rtpPacket({ seq: 1 }), session.legA.rtpPort);
    await pbx.send(rtcpReceiverReport(0xa, 0xb, 0.25, 3, 80), session.legA.rtcpPort);
    await until(() => carrierRtcp.received.length === 1, 'the RTCP report to reach the carrier');
    const rtcp = session.stats().directions.aToB.rtcp;
    assert.equal(rtcp.receiverReports, 1);
    assert.equal(rtcp.lastReport?.cumulativeLost, 3);
    assert.equal(rtcp.lastReport?.fractionLost, 0.25);
    assert.equal(carrierRtcp.from[0], `127.0.0.1:${session.legB.rtcpPort}`);
    await carrierRtcp.close();
    await done();
  });

  test('echo mode sends every packet back to its source', async () => {
    const session = await relay.createSession('CA-echo', { echo: true });
    const caller = await Peer.open();
    for (let i = 0; i < 30; i++) await caller.send(rtpPacket({ seq: i }), session.legA.rtpPort);
    await until(() => caller.received.length === 30, 'every packet to come back');
    assert.deepEqual(caller.received.map((b) => b.readUInt16BE(2)), Array.from({ length: 30 }, (_, i) => i));
    assert.equal(session.stats().directions.aToB.forwardedPackets, 30);
    await Promise.all([session.close(), caller.close()]);
  });

  test('session life is published on diagnostics_channel trunkline:media:session', async () => {
    const seen: MediaSessionMessage[] = [];
    const onMessage = (m: unknown) => seen.push(m as MediaSessionMessage);
    subscribe('trunkline:media:session', onMessage);
    try {
      const s = await relay.createSession('CA-dc');
      await s.close('bye');
    } finally {
      unsubscribe('trunkline:media:session', onMessage);
    }
    assert.deepEqual(seen.filter((m) => m.callSid === 'CA-dc').map((m) => m.event), ['created', 'closed']);
    assert.deepEqual(seen.at(-1)!.data, { reason: 'bye' });
  });

  test('relay counters sum the sessions, live and closed', async () => {
    const c = relay.counters();
    assert.ok(c.packetsRelayed > 100);
    assert.ok(c.packetsDropped.bleed >= 15);
    assert.ok(c.packetsDropped.malformed >= 5);
    assert.equal(c.ports.inUse, 2 * c.sessionsActive);
  });

  test('the relay works over IPv6 too, with [v6]:port addresses in its statistics', async () => {
    const relay6 = new MediaRelay({ engine, host: '::1', portRange: engineRange('2000-2999', engine) });
    const session = await relay6.createSession('CA-v6');
    const pbx = await Peer.open('::1');
    const carrier = await Peer.open('::1');
    session.setRemote('A', { address: '::1', rtpPort: pbx.port });
    session.setRemote('B', { address: '::1', rtpPort: carrier.port });
    for (let i = 0; i < 5; i++) {
      await pbx.send(rtpPacket({ seq: i }), session.legA.rtpPort, '::1');
      await carrier.send(rtpPacket({ seq: i, ssrc: 0xb }), session.legB.rtpPort, '::1');
    }
    await until(() => pbx.received.length === 5 && carrier.received.length === 5, 'IPv6 media both ways');
    const s = session.stats();
    assert.equal(s.streams[0].src, `[::1]:${pbx.port}`);
    assert.equal(s.directions.aToB.sdpAddress, `[::1]:${pbx.port}`);
    assert.equal(s.directions.aToB.stream.latched, false);
    await Promise.all([pbx.close(), carrier.close()]);
    await relay6.close();
  });
});
}
