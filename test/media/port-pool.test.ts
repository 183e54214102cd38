import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { MediaRelay, PortPool, parsePortRange } from '../../src/media/index.js';
import { isTrunklineError } from '../../src/core/index.js';
import { mediaEngines } from './engines.js';

/** A UDP socket on 127.0.0.1:port standing for another process's; rejects when the port is taken (a pending bind would hang the file). */
function bindUdp(port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

for (const engine of mediaEngines()) {
describe(`${engine} engine`, () => {

  test('the pool holds even/odd pairs of the range (RFC 3550 §11: RTP even, RTCP odd)', () => {
    const pool = new PortPool({ lo: 10001, hi: 10010 }, () => 0);
    const ports: number[] = [];
    for (let p = pool.take(); p !== undefined; p = pool.take()) ports.push(p);
    assert.deepEqual(ports, [10002, 10004, 10006, 10008]);
    assert.equal(pool.stats().free, 0);
    pool.give(10004);
    pool.give(10004); // a double return is ignored
    assert.deepEqual(pool.stats(), { capacity: 4, free: 1, inUse: 3, busyElsewhere: 0 });
  });

  test('the pool starts at the pair its random source picks and wraps round the range, so relays sharing a range do not all start at its low end', () => {
    const take = (pool: PortPool) => Array.from({ length: pool.capacity }, () => pool.take());
    assert.deepEqual(take(new PortPool({ lo: 10000, hi: 10009 }, () => 0.5)), [10004, 10006, 10008, 10000, 10002]);
    assert.deepEqual(take(new PortPool({ lo: 10000, hi: 10009 }, () => 0.9999999)), [10008, 10000, 10002, 10004, 10006]);
  });

  test('bad ranges are refused with MEDIA_BAD_PORT_RANGE', () => {
    assert.throws(() => new PortPool({ lo: 100, hi: 200 }), (e: unknown) => isTrunklineError(e, 'MEDIA_BAD_PORT_RANGE'));
    assert.throws(() => new PortPool({ lo: 20000, hi: 20000 }), (e: unknown) => isTrunklineError(e, 'MEDIA_BAD_PORT_RANGE'));
    assert.throws(() => new MediaRelay({ portRange: '20000' }), (e: unknown) => isTrunklineError(e, 'MEDIA_BAD_PORT_RANGE'));
    assert.deepEqual(parsePortRange('10000-40000'), { lo: 10000, hi: 40000 });
  });

  test('a churn of thousands of sessions, closed however they end, leaves the pool whole', async (t) => {
    const relay = new MediaRelay({ engine, host: '127.0.0.1', portRange: engine === 'js' ? '3400-3599' : '4400-4599' });
    // Closed again (a no-op) if an assertion stops the test first: an open relay would keep the file running.
    t.after(() => relay.close());
    const capacity = relay.pool.capacity;
    let made = 0;
    for (let round = 0; round < 50; round++) {
      const batch = await Promise.all(Array.from({ length: 40 }, (_, i) => relay.createSession(`CA${round}-${i}`)));
      made += batch.length;
      // Some close twice, some are closed by relay shutdown, some by a replacing session.
      await Promise.all(batch.map((s, i) => (i % 5 === 0 ? Promise.all([s.close('bye'), s.close('again')]) : i % 7 === 0 ? relay.createSession(s.callSid).then((r) => r.close()) : s.close('bye'))));
    }
    const leftovers = await Promise.all(Array.from({ length: 10 }, (_, i) => relay.createSession(`tail-${i}`)));
    assert.equal(relay.pool.stats().inUse, 20);
    await relay.close();
    assert.ok(made >= 2000);
    assert.equal(leftovers.every((s) => s.closed), true);
    assert.deepEqual({ ...relay.pool.stats(), busyElsewhere: 0 }, { capacity, free: capacity, inUse: 0, busyElsewhere: 0 });
    assert.equal(relay.size, 0);
  });

  test('a port bound by someone else is skipped gracefully and the pool stays whole', async () => {
    const base = engine === 'js' ? 3600 : 3610;
    // The pool starts at the squatted pair, so the first call meets it.
    const relay = new MediaRelay({ engine, host: '127.0.0.1', portRange: `${base}-${base + 9}`, random: () => 0 });
    let squatter: dgram.Socket | undefined;
    try {
      squatter = await bindUdp(base + 1);
      const sessions = [await relay.createSession('x1'), await relay.createSession('x2')];
      const used = sessions.flatMap((s) => [s.legA.rtpPort, s.legB.rtpPort]);
      assert.ok(!used.includes(base), `${base}/${base + 1} is taken by another socket, got ${used}`);
      assert.ok(relay.pool.stats().busyElsewhere >= 1);
      // Only one pair left now; a third session needs two.
      await assert.rejects(relay.createSession('x3'), (e: unknown) => isTrunklineError(e, 'MEDIA_PORTS_EXHAUSTED'));
    } finally {
      await relay.close();
      squatter?.close();
    }
    assert.equal(relay.pool.stats().free, relay.pool.capacity);
  });

  test('a block of 100 pairs held elsewhere where the pool starts (another relay on the range, a load run) is searched past: the call gets the first free pair, not MEDIA_PORTS_EXHAUSTED', async () => {
    const lo = engine === 'js' ? 3000 : 4000;
    const relay = new MediaRelay({ engine, host: '127.0.0.1', portRange: `${lo}-${lo + 299}`, random: () => 0 });
    const held: dgram.Socket[] = [];
    try {
      for (let port = lo; port < lo + 200; port += 2) {
        held.push(await bindUdp(port));
      }
      const s = await relay.createSession('after-the-block');
      assert.deepEqual([s.legA.rtpPort, s.legB.rtpPort], [lo + 200, lo + 202]);
      assert.equal(relay.pool.stats().busyElsewhere, 100);
      // The held pairs went to the back of the pool: the next call does not search through them again.
      const next = await relay.createSession('next');
      assert.deepEqual([next.legA.rtpPort, next.legB.rtpPort], [lo + 204, lo + 206]);
      assert.equal(relay.pool.stats().busyElsewhere, 100);
    } finally {
      await relay.close();
      for (const s of held) s.close();
    }
  });

  test('MEDIA_PORTS_EXHAUSTED only once every free pair of the range was tried', async () => {
    const lo = engine === 'js' ? 3620 : 3640;
    const relay = new MediaRelay({ engine, host: '127.0.0.1', portRange: `${lo}-${lo + 9}` });
    const held: dgram.Socket[] = [];
    try {
      for (let port = lo; port < lo + 10; port += 2) {
        held.push(await bindUdp(port));
      }
      await assert.rejects(relay.createSession('none'), (e: unknown) => isTrunklineError(e, 'MEDIA_PORTS_EXHAUSTED'));
      assert.deepEqual(relay.pool.stats(), { capacity: 5, free: 5, inUse: 0, busyElsewhere: 5 });
      // Freed by the other process: found again on the next search.
      held.pop()!.close();
      held.pop()!.close();
      const s = await relay.createSession('later');
      assert.deepEqual([s.legA.rtpPort, s.legB.rtpPort].sort(), [lo + 6, lo + 8]);
    } finally {
      await relay.close();
      for (const s of held) s.close();
    }
  });
});
}
