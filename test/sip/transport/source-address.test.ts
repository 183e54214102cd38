import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { isWildcard, SourceAddresses, TransportSet, UdpTransport } from '../../../src/sip/index.js';

// Issue 11 item 1: a listener on a wildcard has no address of its own; the address a peer is
// given is the one packets to it leave from (the kernel's route choice, from a connected UDP
// socket), never 0.0.0.0 or ::.

test('the local address towards a peer is the kernel\'s route choice: 127.0.0.1 for any 127/8 peer, ::1 for ::1; cached', async () => {
  const sources = new SourceAddresses();
  assert.equal(await sources.lookup('127.0.0.2'), '127.0.0.1', 'Linux routes 127/8 from 127.0.0.1');
  assert.equal(await sources.lookup('127.0.0.1'), '127.0.0.1');
  assert.equal(sources.for('127.0.0.2'), '127.0.0.1', 'cached: answered at once');
  assert.equal(await sources.lookup('::ffff:127.0.0.3'), '127.0.0.1', 'an IPv4 peer seen by a dual-stack socket');
  const v6 = await sources.lookup('::1');
  if (v6 !== undefined) assert.equal(v6, '::1');
});

test('before the kernel answered, for() guesses from the interfaces and never answers a wildcard', () => {
  const sources = new SourceAddresses();
  for (const peer of ['127.0.0.9', '203.0.113.50', '2001:db8::77', 'not-an-ip']) {
    const a = sources.for(peer);
    assert.ok(!isWildcard(a), `${peer} → ${a}`);
  }
  assert.equal(new SourceAddresses().for('127.0.0.9'), '127.0.0.1', 'loopback is on-link');
});

test('learnt choices expire after the TTL and are learnt again', async () => {
  let now = 0;
  const sources = new SourceAddresses({ ttlMs: 1000, now: () => now });
  assert.equal(await sources.lookup('127.0.0.4'), '127.0.0.1');
  now = 5000;
  assert.equal(await sources.lookup('127.0.0.4'), '127.0.0.1');
});

test('RFC 3261 §18.1.1: a request leaving a wildcard listener carries a Via sent-by of the address towards its destination (which reaches the listener), or the advertised (public) address', async () => {
  let arrived: (bytes: Buffer) => void = () => {};
  const udp = await UdpTransport.listen({ host: '0.0.0.0', port: 0, handlers: { onMessage: (m) => arrived(m.bytes) } });
  const peer = createSocket('udp4');
  try {
    const sources = new SourceAddresses();
    await sources.lookup('127.0.0.3');
    const set = new TransportSet([udp], { sources });
    const via = set.sentBy({ protocol: 'udp', address: '127.0.0.3', port: 5060 });
    assert.deepEqual(via, { transport: 'UDP', host: '127.0.0.1', port: udp.local.port });
    const nat = new TransportSet([udp], { advertisedHost: '198.51.100.9', sources });
    assert.equal(nat.sentBy({ protocol: 'udp', address: '127.0.0.3', port: 5060 }).host, '198.51.100.9');
    // The peer answers to sent-by: from 127.0.0.3 it reaches the wildcard listener there.
    peer.bind(0, '127.0.0.3');
    await once(peer, 'listening');
    const got = new Promise<Buffer>((resolve) => (arrived = resolve));
    peer.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), via.port, via.host);
    assert.match((await got).toString(), /^SIP\/2\.0 200/);
  } finally {
    peer.close();
    await udp.close();
  }
});
