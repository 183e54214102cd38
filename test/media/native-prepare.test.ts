import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { MediaRelay, loadNativeRelay } from '../../src/media/index.js';

// The native engine's relay thread opens the next calls' port pairs ahead of them (issue 13):
// they are bound before a call asks, taken by it, kept apart in the pool's figures, kept over a
// short gap without calls and given back once the relay has been idle a while (nativeAheadIdleMs).
// A pair someone else took meanwhile is skipped as before.

/** The pool's figures once the pairs opened ahead went back (the idle release is a timer). */
async function wholeAgain(relay: MediaRelay): Promise<ReturnType<MediaRelay['pool']['stats']>> {
  for (let i = 0; i < 200 && relay.pool.stats().ahead !== undefined; i++) await new Promise((r) => setTimeout(r, 10));
  return relay.pool.stats();
}

async function tryBind(port: number): Promise<Socket | undefined> {
  const s = createSocket('udp4');
  try {
    s.bind(port, '127.0.0.1');
    await once(s, 'listening');
    return s;
  } catch {
    s.close();
    return undefined;
  }
}

test('native engine: the next pairs are bound ahead while calls are up, taken by the next call, and back in the pool after the last one', async () => {
  const lo = 4800;
  const relay = new MediaRelay({ engine: 'native', host: '127.0.0.1', portRange: `${lo}-${lo + 199}`, random: () => 0, nativeAheadIdleMs: 50 });
  try {
    const first = await relay.createSession('CA-ahead-1');
    assert.deepEqual([first.legA.rtpPort, first.legB.rtpPort], [lo, lo + 2]);
    // Two legs are open, so two pairs are opened ahead: the next in the pool's order.
    assert.equal(relay.pool.stats().inUse, 2);
    assert.equal(relay.pool.stats().ahead, 2);
    let held = false;
    for (let i = 0; i < 100 && !held; i++) {
      const probe = await tryBind(lo + 4);
      if (probe) {
        probe.close();
        await new Promise((r) => setTimeout(r, 10));
      } else held = true;
    }
    assert.ok(held, `${lo + 4} was not bound ahead by the relay thread`);
    const second = await relay.createSession('CA-ahead-2');
    assert.deepEqual([second.legA.rtpPort, second.legB.rtpPort], [lo + 4, lo + 6]);
    await Promise.all([first.close(), second.close()]);
    assert.deepEqual(await wholeAgain(relay), { capacity: 100, free: 100, inUse: 0, busyElsewhere: 0 });
  } finally {
    await relay.close();
  }
});

test('native engine: a pair bound by another socket before it was opened ahead is skipped, and the pool stays whole', async () => {
  const lo = 5000;
  const relay = new MediaRelay({ engine: 'native', host: '127.0.0.1', portRange: `${lo}-${lo + 199}`, random: () => 0, nativeAheadIdleMs: 50 });
  const squatter = await tryBind(lo + 9); // the RTCP port of the fifth pair
  assert.ok(squatter, 'the test could not take its port');
  try {
    const sessions = [await relay.createSession('CA-sq-1'), await relay.createSession('CA-sq-2'), await relay.createSession('CA-sq-3')];
    const used = sessions.flatMap((s) => [s.legA.rtpPort, s.legB.rtpPort]);
    assert.ok(!used.includes(lo + 8), `${lo + 8}/${lo + 9} is another socket's, got ${used.join(', ')}`);
    assert.ok(relay.pool.stats().busyElsewhere >= 1);
    await Promise.all(sessions.map((s) => s.close()));
    const { capacity, free, inUse, ahead } = await wholeAgain(relay);
    assert.deepEqual({ free, inUse, ahead }, { free: capacity, inUse: 0, ahead: undefined });
  } finally {
    squatter.close();
    await relay.close();
  }
});

test('native engine: short calls one after another keep their pairs opened ahead over the gaps, sized by how many legs were just opened', async () => {
  const lo = 5200;
  const relay = new MediaRelay({ engine: 'native', host: '127.0.0.1', portRange: `${lo}-${lo + 999}`, random: () => 0, nativeAheadIdleMs: 60_000 });
  try {
    // Calls of no duration, one at a time: never more than two legs open.
    for (let i = 0; i < 6; i++) {
      const call = await relay.createSession(`CA-short-${i}`);
      await call.close();
    }
    // Twelve legs were opened in the last moments: as many pairs wait, though no leg is open now.
    assert.equal(relay.pool.stats().inUse, 0);
    assert.ok((relay.pool.stats().ahead ?? 0) >= 6, `opened ahead after the last close: ${JSON.stringify(relay.pool.stats())}`);
    // The next call takes pairs opened ahead: the ports after those the six calls used.
    const next = await relay.createSession('CA-short-next');
    assert.ok(next.legA.rtpPort >= lo + 24, `took ${next.legA.rtpPort}, not a pair opened ahead`);
    await next.close();
  } finally {
    await relay.close();
  }
  assert.equal(relay.pool.stats().ahead, undefined);
});

test('native engine: the pairs opened ahead go back to the pool once the relay has been idle for nativeAheadIdleMs', async () => {
  const lo = 6400;
  const relay = new MediaRelay({ engine: 'native', host: '127.0.0.1', portRange: `${lo}-${lo + 199}`, random: () => 0, nativeAheadIdleMs: 300 });
  try {
    const call = await relay.createSession('CA-idle');
    await call.close();
    // Still kept right after the last close (the gap before the next call)…
    assert.ok((relay.pool.stats().ahead ?? 0) > 0);
    // …and given back, all of them, once no leg was opened for the idle time.
    const whole = await wholeAgain(relay);
    assert.deepEqual(whole, { capacity: 100, free: 100, inUse: 0, busyElsewhere: 0 });
  } finally {
    await relay.close();
  }
});

/** A minimal valid RTP packet (RFC 3550 §5.1): PCMA, the given SSRC. */
function rtp(ssrc: number): Buffer {
  const p = Buffer.alloc(172);
  p[0] = 0x80;
  p[1] = 8;
  p.writeUInt32BE(ssrc, 8);
  return p;
}

async function received(socket: Socket, ms: number): Promise<number> {
  let n = 0;
  const count = () => n++;
  socket.on('message', count);
  await new Promise((r) => setTimeout(r, ms));
  socket.off('message', count);
  return n;
}

test('native engine: a datagram reaching a pair opened ahead before its leg is opened is dropped, and the leg then relays what comes after', async (t) => {
  const loaded = loadNativeRelay();
  if (!loaded.ok) return t.skip(`native engine not built: ${loaded.reason}`);
  const { binding } = loaded;
  const engine = binding.create(1 << 20);
  const early = createSocket('udp4');
  const caller = createSocket('udp4');
  const port = 6600;
  try {
    early.bind(0, '127.0.0.1');
    caller.bind(0, '127.0.0.1');
    await Promise.all([once(early, 'listening'), once(caller, 'listening')]);
    binding.prepareLeg(engine, '127.0.0.1', port);
    // The relay thread binds it on its own time: wait until the port is taken.
    let bound = false;
    for (let i = 0; i < 100 && !bound; i++) {
      const probe = await tryBind(port);
      if (probe) {
        probe.close();
        await new Promise((r) => setTimeout(r, 10));
      } else bound = true;
    }
    assert.ok(bound, `${port} was not bound ahead by the relay thread`);
    // A late packet of the port's last call: no leg owns the pair yet.
    early.send(rtp(0x1111), port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 100));
    const leg = binding.openLeg(engine, '127.0.0.1', port);
    binding.setEcho(engine, leg, true);
    caller.send(rtp(0x2222), port, '127.0.0.1');
    const [toEarly, toCaller] = await Promise.all([received(early, 300), received(caller, 300)]);
    // Before the relay thread watched the pair itself, the early packet waited in the socket and
    // was the first the leg read: it latched, and was echoed to a sender that is not the call's.
    assert.equal(toEarly, 0, 'the packet sent before the leg was opened was relayed');
    assert.equal(toCaller, 1, 'the leg did not relay what came after it was opened');
    const counters = new Float64Array(8);
    assert.ok(binding.counters(engine, leg, counters));
    assert.equal(counters[0], 1, 'forwarded');
    binding.closeLeg(engine, leg);
  } finally {
    early.close();
    caller.close();
    binding.close(engine);
  }
});
