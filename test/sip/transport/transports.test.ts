import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createSocket } from 'node:dgram';
import { UdpTransport, type SipMessageEvent } from '../../../src/sip/index.js';
import { options, startStack, statusLines, streamClient, testCertificate, udpExchange, type Stack } from './stack.js';

// CONVENTIONS habit 6: one conformance suite over every transport, on IPv4 and IPv6.
const cert = testCertificate();
const hasIpv6 = Object.values(networkInterfaces()).some((l) => l?.some((i) => i.address === '::1'));
const hosts = ['127.0.0.1', '::1'];
const stacks = new Map<string, Stack>();

before(async () => {
  for (const host of hosts) if (host === '127.0.0.1' || hasIpv6) stacks.set(host, await startStack(host, cert ? { tls: cert } : {}));
});
after(async () => {
  for (const s of stacks.values()) await s.close();
});

for (const host of hosts) {
  const skipHost = host === '::1' && !hasIpv6 ? 'no IPv6 loopback on this host' : false;
  test(`OPTIONS over UDP on ${host} is answered 200 (RFC 3261 §11)`, { skip: skipHost }, async () => {
    const s = stacks.get(host)!;
    const reply = await udpExchange(host, s.port.udp, options(host, s.port.udp, 'udp', 'udp-call'));
    assert.match(reply ?? '', /^SIP\/2\.0 200 OK/);
    assert.match(reply ?? '', /Call-ID: udp-call/);
    assert.match(reply ?? '', /;rport=\d+;received=/, 'received/rport were added to the Via (RFC 3581)');
  });
  for (const protocol of ['tcp', 'tls'] as const) {
    const skip = skipHost || (protocol === 'tls' && !cert ? 'openssl not installed: no test certificate' : false);
    test(`OPTIONS over ${protocol.toUpperCase()} on ${host} is answered 200 on the same connection`, { skip }, async () => {
      const s = stacks.get(host)!;
      const c = await streamClient(protocol, host, s.port[protocol]);
      c.write(options(host, s.port[protocol], protocol));
      assert.ok(await c.until((t) => /\r\n\r\n/.test(t)), 'no answer');
      assert.deepEqual(statusLines(c.text()), [200]);
      c.end();
    });
    test(`${protocol.toUpperCase()} framing on ${host}: partial reads, several messages per read, CRLF keep-alive`, { skip }, async () => {
      const s = stacks.get(host)!;
      const c = await streamClient(protocol, host, s.port[protocol]);
      const one = options(host, 1, protocol, 'a');
      // One message byte by byte in a few chunks.
      for (let i = 0; i < one.length; i += 37) {
        c.write(one.slice(i, i + 37));
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(await c.until((t) => statusLines(t).length === 1));
      // RFC 5626 §4.4.1: CRLFCRLF ping → CRLF pong, then two messages in one write.
      c.write('\r\n\r\n' + options(host, 1, protocol, 'b') + options(host, 1, protocol, 'c'));
      assert.ok(await c.until((t) => statusLines(t).length === 3), `got ${c.text()}`);
      assert.match(c.text(), /Call-ID: b[\s\S]*Call-ID: c/);
      assert.ok(c.text().includes('\r\n\r\n\r\nSIP/2.0 200') || c.text().includes('\r\nSIP/2.0 200'), 'the pong is a CRLF');
      c.end();
    });
    test(`a message without Content-Length over ${protocol.toUpperCase()} on ${host} gets 400 and the connection closes (RFC 3261 §18.3)`, { skip }, async () => {
      const s = stacks.get(host)!;
      const c = await streamClient(protocol, host, s.port[protocol]);
      c.write(options(host, 1, protocol).replace('Content-Length: 0\r\n', ''));
      assert.ok(await c.until((t) => statusLines(t).length === 1));
      assert.deepEqual(statusLines(c.text()), [400]);
      assert.match(c.text(), /Warning: 399 trunkline "Missing Content-Length on a stream transport"/);
      assert.ok(await c.closed(), 'the connection was closed');
      assert.ok(s.events.some((e) => e.type === 'framing' && e.protocol === protocol));
    });
    test(`a message over 64 KiB over ${protocol.toUpperCase()} on ${host} gets 513 and the connection closes`, { skip }, async () => {
      const s = stacks.get(host)!;
      const c = await streamClient(protocol, host, s.port[protocol]);
      c.write(options(host, 1, protocol).replace('Content-Length: 0', 'Content-Type: text/plain\r\nContent-Length: 70000'));
      assert.ok(await c.until((t) => statusLines(t).length === 1));
      assert.deepEqual(statusLines(c.text()), [513]);
      assert.ok(await c.closed());
      assert.ok(s.events.some((e) => e.type === 'limit' && e.limit === 'message_size'));
    });
  }
}

test('a UDP request with more header lines than the limit gets 400 with a log event, and the listener stays up', async () => {
  const s = stacks.get('127.0.0.1')!;
  const many = Array.from({ length: 300 }, (_, i) => `X-H${i}: v`).join('\r\n');
  assert.match((await udpExchange('127.0.0.1', s.port.udp, options('127.0.0.1', 1, 'udp', 'many', many))) ?? '', /^SIP\/2\.0 400 .*\r\n[\s\S]*Warning: 399 trunkline "Too many header fields"/);
  assert.ok(s.events.some((e) => e.type === 'limit' && e.limit === 'header_count'));
  assert.match((await udpExchange('127.0.0.1', s.port.udp, options('127.0.0.1', 1, 'udp'))) ?? '', /^SIP\/2\.0 200/);
});

test('a TCP request with more header lines than the limit gets 400 and a log event', async () => {
  const s = stacks.get('127.0.0.1')!;
  const many = Array.from({ length: 300 }, (_, i) => `X-H${i}: v`).join('\r\n');
  const c = await streamClient('tcp', '127.0.0.1', s.port.tcp);
  c.write(options('127.0.0.1', 1, 'tcp', 'many-tcp', many));
  assert.ok(await c.until((t) => statusLines(t).length > 0));
  assert.deepEqual(statusLines(c.text()), [400]);
  assert.ok(s.events.some((e) => e.type === 'limit' && e.limit === 'header_count' && e.protocol === 'tcp'));
  c.end();
});

test('connections per source beyond the limit are refused with a log event; idle connections are closed', async () => {
  const s = await startStack('127.0.0.1', { limits: { maxConnectionsPerSource: 2, idleTimeoutMs: 200 } });
  try {
    const a = await streamClient('tcp', '127.0.0.1', s.port.tcp);
    const b = await streamClient('tcp', '127.0.0.1', s.port.tcp);
    const c = await streamClient('tcp', '127.0.0.1', s.port.tcp);
    assert.ok(await c.closed(), 'the third connection from one source is closed');
    assert.ok(s.events.some((e) => e.type === 'limit' && e.limit === 'connections_per_source'));
    assert.ok(await a.closed(3000), 'an idle connection is closed');
    assert.ok(s.events.some((e) => e.type === 'limit' && e.limit === 'idle_timeout'));
    b.end();
  } finally {
    await s.close();
  }
});

test('every message in and out is published on trunkline:sip:message for the trace recorder', async () => {
  const s = stacks.get('127.0.0.1')!;
  const seen: SipMessageEvent[] = [];
  const listener = (m: unknown) => seen.push(m as SipMessageEvent);
  subscribe('trunkline:sip:message', listener);
  try {
    await udpExchange('127.0.0.1', s.port.udp, options('127.0.0.1', s.port.udp, 'udp', 'traced'));
  } finally {
    unsubscribe('trunkline:sip:message', listener);
  }
  const mine = seen.filter((e) => e.bytes.toString('latin1').includes('Call-ID: traced'));
  assert.deepEqual(mine.map((e) => `${e.direction} ${e.protocol}`), ['in udp', 'out udp']);
  assert.equal(mine[0].local.port, s.port.udp);
});

test('UDP sends reach an IP literal and a host name alike (literals skip the system resolver, names still use it)', async () => {
  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const got: string[] = [];
  peer.on('message', (m) => got.push(m.toString()));
  const t = await UdpTransport.listen({ host: '127.0.0.1', port: 0, handlers: { onMessage: () => {} } });
  try {
    const port = peer.address().port;
    await t.send(Buffer.from('to-literal'), { protocol: 'udp', address: '127.0.0.1', port });
    await t.send(Buffer.from('to-name'), { protocol: 'udp', address: 'localhost', port });
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got.sort(), ['to-literal', 'to-name']);
  } finally {
    await t.close();
    peer.close();
  }
});
