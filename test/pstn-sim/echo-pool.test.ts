import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { EchoPool } from '../../src/pstn-sim/index.js';

async function peer(): Promise<Socket> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

/** Sends one datagram to `port` and says whether it came back within `ms`. */
async function echoed(from: Socket, port: number, ms = 200): Promise<boolean> {
  const back = once(from, 'message').then(() => true);
  from.send(Buffer.from('rtp'), port, '127.0.0.1');
  return Promise.race([back, sleep(ms).then(() => false)]);
}

test('an ended call\'s echo endpoint serves a later call only after it has been quiet, and echoes nothing meanwhile', async () => {
  const pool = new EchoPool('127.0.0.1', { quietMs: 300 });
  const caller = await peer();
  try {
    const first = await pool.take(true);
    assert.equal(await echoed(caller, first.port), true, 'a call in progress hears its echo');
    assert.equal(first.packets, 1);
    pool.give(first);
    assert.equal(pool.idle, 1);

    // RTP still arriving after the call ended: not echoed, not counted, and it restarts the quiet time.
    assert.equal(await echoed(caller, first.port, 100), false);
    assert.equal(first.packets, 1);
    const meanwhile = await pool.take(true);
    assert.notEqual(meanwhile.port, first.port, 'not quiet long enough: a new endpoint');
    meanwhile.close();

    await sleep(350);
    const reused = await pool.take(false);
    assert.equal(reused, first, 'quiet for quietMs: taken again');
    assert.equal(reused.packets, 0, 'its count starts again');
    assert.equal(await echoed(caller, reused.port, 100), false, 'this call asked for no echo');
    assert.equal(reused.packets, 1);
    pool.give(reused);
  } finally {
    pool.close();
    caller.close();
  }
  assert.equal(pool.idle, 0);
});

test('a full or closed pool closes what it is given', async () => {
  const pool = new EchoPool('127.0.0.1', { max: 1 });
  const a = await pool.take(true);
  const b = await pool.take(true);
  pool.give(a);
  pool.give(b);
  assert.equal(pool.idle, 1);
  assert.throws(() => b.port, 'closed: no address');
  pool.close();
  assert.throws(() => a.port);
  const c = await pool.take(true);
  pool.give(c);
  assert.equal(pool.idle, 0);
  assert.throws(() => c.port);
});
