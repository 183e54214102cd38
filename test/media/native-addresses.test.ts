import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaRelay } from '../../src/media/index.js';
import { formatIpBytes } from '../../src/media/native-engine.js';
import { Peer, rtpPacket, until } from './rtp-peer.js';
import { seededRandom } from '../support/prng.js';

// The native engine hands addresses over as bytes; JS compares them with what node:dgram reports
// (latches, RTCP's same-host rule), so the text must be the same: RFC 5952, as WHATWG URL writes it.
test('native addresses are written as node:dgram writes them (v4, v6 with the longest zero run as ::, v4-mapped)', () => {
  const rnd = seededRandom(5952);
  for (let i = 0; i < 2000; i++) {
    const b = new Uint8Array(16);
    // Mostly zero groups, so runs of every length and ties between them occur.
    for (let g = 0; g < 8; g++) if (rnd() < 0.4) { b[2 * g] = rnd() < 0.5 ? 0 : Math.floor(rnd() * 256); b[2 * g + 1] = Math.floor(rnd() * 256); }
    const groups = Array.from({ length: 8 }, (_, g) => ((b[2 * g] << 8) | b[2 * g + 1]).toString(16)).join(':');
    const expected = new URL(`http://[${groups}]/`).hostname.slice(1, -1);
    if (expected.startsWith('::ffff:')) continue; // URL writes v4-mapped in hex; dgram in dotted form (below)
    assert.equal(formatIpBytes(b, 0, 6), expected, groups);
  }
  assert.equal(formatIpBytes(Uint8Array.of(127, 0, 0, 1), 0, 4), '127.0.0.1');
  assert.equal(formatIpBytes(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7), 0, 6), '::ffff:192.0.2.7');
  assert.equal(formatIpBytes(new Uint8Array(16), 0, 6), '::');
});

test('native engine: packets relayed while JS could not take them in are counted as unmeasured, not hidden', async () => {
  // 64 KiB holds about 270 relayed G.711 packets; JS is not asked for anything until all 600 went through.
  const relay = new MediaRelay({ engine: 'native', host: '127.0.0.1', portRange: '4600-4699', nativeRingBytes: 65536, nativeDrainMs: 600_000 });
  const session = await relay.createSession('CA-overflow');
  const pbx = await Peer.open();
  const carrier = await Peer.open();
  try {
    session.setRemote('B', { address: '127.0.0.1', rtpPort: carrier.port });
    for (let i = 0; i < 600; i++) {
      await pbx.send(rtpPacket({ seq: i }), session.legA.rtpPort);
      if (i % 20 === 19) await until(() => carrier.received.length === i + 1, `${i + 1} relayed`);
    }
    const d = session.stats().directions.aToB;
    assert.equal(d.forwardedPackets, 600);
    assert.ok(d.unmeasured !== undefined && d.unmeasured > 0, JSON.stringify(d));
    assert.equal(d.stream.packets + d.unmeasured, 600);
    // The relay's totals (what /metrics shows) carry them too, before and after the call.
    assert.equal(relay.counters().packetsUnmeasured, d.unmeasured);
    await session.close();
    assert.equal(relay.counters().packetsUnmeasured, d.unmeasured);
  } finally {
    await Promise.all([session.close(), pbx.close(), carrier.close()]);
    await relay.close();
  }
});
