import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThreadedMediaRelay, type TimeoutEvent, type LatchEvent } from '../../src/media/index.js';
import { isTrunklineError } from '../../src/core/index.js';
import { Peer, rtpPacket, until } from './rtp-peer.js';

test('worker-thread relay: sessions spread over threads relay both ways, forward events, and return every port', async () => {
  const relay = new ThreadedMediaRelay({ workers: 2, host: '127.0.0.1', portRange: '3900-3999', rtpTimeoutMs: 200, tickMs: 50 });
  try {
    const sessions = await Promise.all([relay.createSession('T1'), relay.createSession('T2')]);
    const c0 = await relay.counters();
    assert.equal(c0.sessionsActive, 2);
    assert.equal(c0.ports.inUse, 4);
    // Least-loaded placement: one session per thread, so their ports come from different halves.
    assert.notEqual(sessions[0].legA.rtpPort < 3950, sessions[1].legA.rtpPort < 3950);
    const s = sessions[0];
    const latches: LatchEvent[] = [];
    const timeouts: TimeoutEvent[] = [];
    s.on('latch', (e) => latches.push(e));
    s.on('timeout', (e) => timeouts.push(e));
    const pbx = await Peer.open();
    const carrier = await Peer.open();
    s.setRemote('A', { address: '127.0.0.1', rtpPort: pbx.port });
    s.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port });
    assert.throws(() => s.setRemote('A', { address: 'pbx.example', rtpPort: 1 }), (e: unknown) => isTrunklineError(e, 'MEDIA_BAD_ADDRESS'));
    s.answered();
    for (let i = 0; i < 20; i++) {
      await pbx.send(rtpPacket({ seq: i }), s.legA.rtpPort);
      await carrier.send(rtpPacket({ seq: i, ssrc: 0xb }), s.legB.rtpPort);
    }
    await until(() => pbx.received.length === 20 && carrier.received.length === 20, 'media both ways through a worker');
    const st = await s.statsAsync();
    assert.equal(st.directions.aToB.stream.packets, 20);
    assert.equal(st.directions.bToA.stream.packets, 20);
    await until(() => latches.length === 2, 'latch events from the worker');
    // Media has stopped: the worker's ticker reports the RTP timeout to the main thread.
    await until(() => timeouts.length === 1, 'the RTP timeout event', 5000);
    await Promise.all(sessions.map((x) => x.close('bye')));
    assert.equal(s.stats().closeReason, 'bye');
    assert.equal(s.stats().directions.aToB.forwardedPackets, 20);
    const c1 = await relay.counters();
    assert.equal(c1.ports.inUse, 0);
    assert.equal(c1.ports.free, c1.ports.capacity);
    assert.equal(c1.packetsRelayed, 40);
    await Promise.all([pbx.close(), carrier.close()]);
  } finally {
    await relay.close();
  }
});
