import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { isTrunklineError } from '../../../src/core/index.js';
import { UdpTransport } from '../../../src/sip/index.js';
import { loadNativeSender } from '../../../src/sip/transport/native-udp-sender.js';

// The addon's UDP sender (native/relay/udp-sender.c) and dgram must be the same transport to
// the stack: order, failures, close. Each case runs on both paths.
const native = loadNativeSender();
const noThread = native.ok ? false : `native addon not usable here (${native.reason}): only dgram is tested`;
const hasIpv6 = Object.values(networkInterfaces()).some((l) => l?.some((i) => i.address === '::1'));
const paths = [{ name: 'the send thread', sendThread: true, skip: noThread }, { name: 'dgram', sendThread: false, skip: false }] as const;

async function peerOn(host: string): Promise<{ socket: Socket; port: number; got: string[] }> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((r) => socket.bind(0, host, () => r()));
  socket.setRecvBufferSize(8 * 1024 * 1024);
  const got: string[] = [];
  socket.on('message', (m) => got.push(m.toString('latin1')));
  return { socket, port: socket.address().port, got };
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}

for (const p of paths) {
  test(`UDP sends through ${p.name}: a burst of 2 000 leaves in the order it was made, every promise resolved`, { skip: p.skip }, async () => {
    const peer = await peerOn('127.0.0.1');
    const t = await UdpTransport.listen({ host: '127.0.0.1', port: 0, handlers: { onMessage: () => {} }, sendThread: p.sendThread });
    try {
      assert.equal(t.sendPath.path, p.sendThread ? 'thread' : 'dgram');
      const sends = Array.from({ length: 2000 }, (_, i) => t.send(Buffer.from(`m${i}`), { protocol: 'udp', address: '127.0.0.1', port: peer.port }));
      await Promise.all(sends);
      await until(() => peer.got.length === 2000);
      assert.equal(peer.got.length, 2000, 'every datagram arrived (loopback, 8 MB receive buffer)');
      assert.deepEqual(peer.got.slice(0, 3), ['m0', 'm1', 'm2']);
      assert.ok(peer.got.every((m, i) => m === `m${i}`), 'in order');
    } finally {
      await t.close();
      peer.socket.close();
    }
  });

  test(`UDP sends through ${p.name}: a send the system refuses rejects SIP_TRANSPORT_SEND_FAILED with its errno, and the next one still goes`, { skip: p.skip }, async () => {
    const peer = await peerOn('127.0.0.1');
    const t = await UdpTransport.listen({ host: '127.0.0.1', port: 0, handlers: { onMessage: () => {} }, sendThread: p.sendThread });
    try {
      // Broadcast without SO_BROADCAST: Linux refuses it with EACCES.
      const refused = await t.send(Buffer.from('to-broadcast'), { protocol: 'udp', address: '255.255.255.255', port: 9 }).then(() => undefined, (err: unknown) => err);
      assert.ok(isTrunklineError(refused), `rejected with a TrunklineError, got ${String(refused)}`);
      assert.equal(refused.code, 'SIP_TRANSPORT_SEND_FAILED');
      assert.equal((refused.cause as NodeJS.ErrnoException).code, 'EACCES');
      assert.match(refused.message, /255\.255\.255\.255:9/);
      await t.send(Buffer.from('after'), { protocol: 'udp', address: '127.0.0.1', port: peer.port });
      await until(() => peer.got.length === 1);
      assert.deepEqual(peer.got, ['after']);
    } finally {
      await t.close();
      peer.socket.close();
    }
  });

  test(`UDP sends through ${p.name}: close() sends what was queued first; a send after it rejects SIP_TRANSPORT_CLOSED`, { skip: p.skip }, async () => {
    const peer = await peerOn('127.0.0.1');
    const t = await UdpTransport.listen({ host: '127.0.0.1', port: 0, handlers: { onMessage: () => {} }, sendThread: p.sendThread });
    const sends = Array.from({ length: 500 }, (_, i) => t.send(Buffer.from(`q${i}`), { protocol: 'udp', address: '127.0.0.1', port: peer.port }));
    await t.close();
    const settled = await Promise.allSettled(sends);
    assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 500);
    await until(() => peer.got.length === 500);
    assert.equal(peer.got.length, 500);
    const late = await t.send(Buffer.from('late'), { protocol: 'udp', address: '127.0.0.1', port: peer.port }).then(() => undefined, (err: unknown) => err);
    assert.ok(isTrunklineError(late) && late.code === 'SIP_TRANSPORT_CLOSED');
    peer.socket.close();
  });

  test(`UDP sends through ${p.name} on ::1, and to a host name (resolved, then sent)`, { skip: p.skip || (!hasIpv6 && 'no IPv6 loopback on this host') }, async () => {
    const peer = await peerOn('::1');
    const t = await UdpTransport.listen({ host: '::1', port: 0, handlers: { onMessage: () => {} }, sendThread: p.sendThread });
    try {
      assert.equal(t.sendPath.path, p.sendThread ? 'thread' : 'dgram');
      await t.send(Buffer.from('v6'), { protocol: 'udp', address: '::1', port: peer.port });
      await t.send(Buffer.from('by-name'), { protocol: 'udp', address: 'ip6-localhost', port: peer.port }).catch(() => undefined);
      await until(() => peer.got.length >= 1);
      assert.equal(peer.got[0], 'v6');
    } finally {
      await t.close();
      peer.socket.close();
    }
  });
}

test('two UDP transports on the same port number of different families each send from their own socket', { skip: noThread || (!hasIpv6 && 'no IPv6 loopback on this host') }, async () => {
  const v4 = await UdpTransport.listen({ host: '127.0.0.1', port: 0, handlers: { onMessage: () => {} } });
  const v6 = await UdpTransport.listen({ host: '::1', port: v4.local.port, handlers: { onMessage: () => {} } });
  const p4 = await peerOn('127.0.0.1');
  const p6 = await peerOn('::1');
  const from: string[] = [];
  p4.socket.on('message', (_m, r) => from.push(`${r.address}:${r.port}`));
  p6.socket.on('message', (_m, r) => from.push(`${r.address}:${r.port}`));
  try {
    assert.equal(v4.sendPath.path, 'thread');
    assert.equal(v6.sendPath.path, 'thread');
    await v4.send(Buffer.from('a'), { protocol: 'udp', address: '127.0.0.1', port: p4.port });
    await v6.send(Buffer.from('b'), { protocol: 'udp', address: '::1', port: p6.port });
    await until(() => from.length === 2);
    assert.deepEqual(from.sort(), [`127.0.0.1:${v4.local.port}`, `::1:${v4.local.port}`]);
  } finally {
    await v4.close();
    await v6.close();
    p4.socket.close();
    p6.socket.close();
  }
});
