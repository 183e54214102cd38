import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, systemClock } from '../../../src/core/index.js';
import { startSipEndpoint } from '../../../src/sip/index.js';
import { startQueueProbe } from '../../../src/sip/endpoint/queue-probe.js';
import type { Transport } from '../../../src/sip/transport/transport.js';

function options(port: number, n: number): Buffer {
  return Buffer.from([
    `OPTIONS sip:edge@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKprobe${n};rport`, 'Max-Forwards: 70',
    'From: <sip:peer@127.0.0.1>;tag=p1', 'To: <sip:edge@127.0.0.1>', `Call-ID: probe-${n}@127.0.0.1`, `CSeq: ${n} OPTIONS`, 'Content-Length: 0', '', '',
  ].join('\r\n'));
}

test('the queue probe measures how long a datagram waits to be read: near zero when idle, the backlog\'s drain time behind a burst; a stranger\'s NUL datagram is dropped as any junk is', async (t) => {
  const ep = await startSipEndpoint({ host: '127.0.0.1', port: 0, tls: null, clock: systemClock, logger: silentLogger });
  const peer = createSocket('udp4');
  t.after(async () => {
    peer.close();
    await ep.stop();
  });
  peer.bind(0, '127.0.0.1');
  await once(peer, 'listening');
  // The peer reads on the endpoint's own event loop: while the stack works through the burst,
  // the UDP send thread puts the 2 000 answers on the wire faster than this loop reads them,
  // and the default ~200 KB receive buffer (700 KB of answers) dropped 20–70 of them.
  peer.setRecvBufferSize(4 * 1024 * 1024);
  let answered = 0;
  peer.on('message', (m) => {
    if (m.toString('latin1').startsWith('SIP/2.0 ')) answered++;
  });
  const probe = ep.probeQueues(10);
  assert.equal(ep.probeQueues(50), probe, 'started once');
  await sleep(200);
  assert.ok(probe.delayMs() < 20, `idle: ${probe.delayMs()} ms`);

  // A burst lands in the socket's queue at once; the probes sent while the stack works through
  // it wait behind what is left of it.
  const BURST = 2000;
  for (let n = 1; n <= BURST; n++) peer.send(options(peer.address().port, n), ep.ports.sip, '127.0.0.1');
  let worst = 0;
  for (let i = 0; i < 500 && answered < BURST; i++) {
    await sleep(10);
    worst = Math.max(worst, probe.delayMs());
  }
  assert.equal(answered, BURST, 'every OPTIONS answered');
  assert.ok(worst >= 15, `behind a burst of ${BURST} requests the probe waited ${worst} ms`);
  await sleep(100);
  assert.ok(probe.delayMs() < 20, `idle again: ${probe.delayMs()} ms`);

  // Not our probe: handled as any datagram that is not SIP (dropped, counted), and the stack goes on.
  answered = 0;
  const dropped = ep.layer.stats.dropped;
  peer.send(Buffer.from('\0not a probe at all'), ep.ports.sip, '127.0.0.1');
  peer.send(options(peer.address().port, BURST + 1), ep.ports.sip, '127.0.0.1');
  for (let i = 0; i < 50 && answered === 0; i++) await sleep(20);
  await sleep(50);
  assert.equal(answered, 1, 'the OPTIONS after it is answered, the NUL datagram was not');
  assert.equal(ep.layer.stats.dropped, dropped + 1, 'the stranger\'s datagram went to the layer, which dropped it');
});

test('a listener the probe never reached (no route, no IPv6 loopback) does not read as a queue growing for ever', async (t) => {
  // A port nothing listens on: the probes go out and never come back.
  const hole = createSocket('udp4');
  hole.bind(0, '127.0.0.1');
  await once(hole, 'listening');
  const port = hole.address().port;
  hole.close();
  const nowhere = { protocol: 'udp', local: { address: '127.0.0.1', port, family: 'IPv4' } } as unknown as Transport;
  const probe = startQueueProbe([nowhere], systemClock, 10);
  t.after(() => probe.stop());
  await sleep(200);
  assert.equal(probe.delayMs(), 0);
});

test('a datagram read now is taken to have waited as long as the last probe read, or longer if a probe sent after it is still unread', async (t) => {
  const listener = createSocket('udp4');
  listener.bind(0, '127.0.0.1');
  await once(listener, 'listening');
  const probes: Buffer[] = [];
  listener.on('message', (m) => probes.push(m));
  let now = 0;
  const clock = { ...systemClock, monotonic: () => now };
  const target = { protocol: 'udp', local: { address: '127.0.0.1', port: listener.address().port, family: 'IPv4' } } as unknown as Transport;
  const probe = startQueueProbe([target], clock, 10);
  t.after(() => {
    probe.stop();
    listener.close();
  });
  for (let i = 0; i < 100 && probes.length < 2; i++) await sleep(10);
  assert.ok(probes.length >= 2, 'probes sent at 0 ms');
  // Each step runs in one turn: the probe's timer cannot send another meanwhile.
  assert.equal(probe.waitNowMs(), 0, 'nothing read back yet: no estimate');
  now = 500;
  assert.equal(probe.received(probes[0]), true);
  assert.equal(probe.waitNowMs(), 500, 'the first probe waited 500 ms; the next, sent at 0, is still unread');
  now = 800;
  assert.equal(probe.waitNowMs(), 800, 'a datagram read now is ahead of the unread probe sent at 0: it waited ≥ 800 ms');
  for (const p of probes.slice(1)) probe.received(p);
  assert.equal(probe.waitNowMs(), 800, 'all read: as long as the last probe waited');
  assert.equal(probe.delayMs(), 800);
  assert.equal(probe.waitNowMs(), 800, 'delayMs() resets its own peak, not this estimate');
});

test('each UDP listener has its own queue: a datagram read on one is not given the other\'s wait', async (t) => {
  const listeners = await Promise.all([0, 1].map(async () => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1');
    await once(s, 'listening');
    const probes: Buffer[] = [];
    s.on('message', (m) => probes.push(m));
    return { socket: s, probes, port: s.address().port };
  }));
  let now = 0;
  const clock = { ...systemClock, monotonic: () => now };
  const targets = listeners.map((l) => ({ protocol: 'udp', local: { address: '127.0.0.1', port: l.port, family: 'IPv4' } }) as unknown as Transport);
  const probe = startQueueProbe(targets, clock, 10);
  t.after(() => {
    probe.stop();
    for (const l of listeners) l.socket.close();
  });
  for (let i = 0; i < 100 && listeners.some((l) => l.probes.length < 2); i++) await sleep(10);
  // No more probes from here (one still on its way would count as unread): what was sent arrives.
  probe.stop();
  await sleep(50);
  // The first listener reads its probes at once; the second reads its first one 900 ms late and has more waiting.
  for (const p of listeners[0].probes) probe.received(p);
  now = 900;
  probe.received(listeners[1].probes[0]);
  assert.equal(probe.waitNowMs({ family: 'IPv4', port: listeners[0].port }), 0, 'the idle listener');
  assert.equal(probe.waitNowMs({ family: 'IPv4', port: listeners[1].port }), 900, 'the busy one');
  assert.equal(probe.waitNowMs(), 900, 'no listener named: the longest');
  assert.equal(probe.waitNowMs({ family: 'IPv6', port: listeners[0].port }), 900, 'a listener the probe does not know: the longest');
});
