import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { MediaRelay, PortPool, loadNativeRelay } from '../../src/media/index.js';
import { NativeEngine } from '../../src/media/native-engine.js';
import { systemClock } from '../../src/core/index.js';

// The native engine closes a leg's sockets on its own thread (issue 13): the port must still be
// free for the very next call, and given back to the system, not kept.

test('native engine: a port pair is taken again at once after its call closed, 300 times over two pairs', async () => {
  const relay = new MediaRelay({ engine: 'native', host: '127.0.0.1', portRange: '4720-4723' });
  try {
    for (let i = 0; i < 300; i++) {
      // Two legs: both pairs of the range, so each session binds the ports the last one just closed.
      const session = await relay.createSession(`CA-reuse-${i}`);
      assert.deepEqual([session.legA.rtpPort, session.legB.rtpPort].sort(), [4720, 4722], `session ${i}`);
      await session.close();
    }
  } finally {
    await relay.close();
  }
});

test('native engine: a closed leg\'s ports are given back to the system (another socket binds them)', async () => {
  const relay = new MediaRelay({ engine: 'native', host: '127.0.0.1', portRange: '4730-4733' });
  try {
    const session = await relay.createSession('CA-free');
    const port = session.legA.rtpPort;
    await session.close();
    let bound = false;
    for (let i = 0; i < 100 && !bound; i++) {
      const probe = createSocket('udp4');
      try {
        probe.bind(port, '127.0.0.1');
        await once(probe, 'listening');
        bound = true;
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      } finally {
        probe.close();
      }
    }
    assert.ok(bound, `port ${port} still held after its leg closed`);
  } finally {
    await relay.close();
  }
});

test('native engine: a closed leg lets go of its session (its sink), so whatever still holds the transport holds no call', async (t) => {
  const loaded = loadNativeRelay();
  if (!loaded.ok) return t.skip(`native engine not built: ${loaded.reason}`);
  const engine = new NativeEngine(loaded.binding, systemClock);
  try {
    const { transport } = engine.bindLeg(new PortPool({ lo: 4740, hi: 4743 }), '127.0.0.1', 2);
    const sink = { datagram: () => undefined, relayed: () => undefined, rtcp: () => undefined };
    transport.attach(sink);
    assert.equal(transport.sink, sink);
    await transport.close();
    assert.equal(transport.sink, undefined);
    // Its figures stay readable for the call's record.
    assert.equal(transport.counters().forwarded, 0);
  } finally {
    engine.close();
  }
});
