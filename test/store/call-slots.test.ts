import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ClusterRedis } from '../../src/store/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function twoNodes(slotTtlMs: number): Promise<{ a: ClusterRedis; b: ClusterRedis; cleanup(): Promise<void> }> {
  const prefix = `tl-test:${randomBytes(6).toString('hex')}:`;
  const options = { url: 'redis://127.0.0.1:6379', prefix, nodeTimeoutMs: slotTtlMs };
  const [a, b] = await Promise.all([ClusterRedis.connect(options), ClusterRedis.connect(options)]);
  return {
    a, b,
    async cleanup() {
      const keys = await a.redis.keys(`${prefix}*`);
      if (keys.length > 0) await a.redis.del(...keys);
      await Promise.all([a.close(), b.close()]);
    },
  };
}

test('Redis call slots: a concurrent slot held by a node that stops refreshing it lapses after the node timeout; a refreshed one does not', async () => {
  const { a, b, cleanup } = await twoNodes(600);
  try {
    const req = (callSid: string) => ({ trunkSid: 'TR1', callSid, callsPerMinute: null, maxConcurrent: 2 });
    assert.deepEqual(await a.slots.admit(req('a1')), { ok: true });
    assert.deepEqual(await b.slots.admit(req('b1')), { ok: true });
    const full = await a.slots.admit(req('a2'));
    assert.equal(full.ok, false);
    assert.equal(!full.ok && full.limit, 'concurrency');
    // Node b keeps beating, node a is silent (dead): only a's slot lapses.
    for (let i = 0; i < 4; i++) {
      await sleep(250);
      await b.slots.refresh();
    }
    assert.equal(await b.slots.concurrent('TR1'), 1);
    assert.deepEqual(await b.slots.admit(req('b2')), { ok: true }, 'the dead node\'s slot came back');
    await b.slots.release('TR1', 'b1');
    assert.equal(await a.slots.concurrent('TR1'), 1);
  } finally {
    await cleanup();
  }
});

test('Redis call slots: a refused call takes neither slot (the rate window counts only admitted calls)', async () => {
  const { a, b, cleanup } = await twoNodes(10_000);
  try {
    const req = (callSid: string) => ({ trunkSid: 'TR2', callSid, callsPerMinute: 2, maxConcurrent: 1 });
    assert.deepEqual(await a.slots.admit(req('c1')), { ok: true });
    const busy = await b.slots.admit(req('c2'));
    assert.equal(!busy.ok && busy.limit, 'concurrency');
    await a.slots.release('TR2', 'c1');
    assert.deepEqual(await b.slots.admit(req('c3')), { ok: true }, 'c2 used no rate slot: c3 is the second start in the minute');
    await b.slots.release('TR2', 'c3');
    const rate = await a.slots.admit(req('c4'));
    assert.equal(!rate.ok && rate.limit, 'rate');
    assert.ok(!rate.ok && rate.retryAfter >= 1 && rate.retryAfter <= 60);
  } finally {
    await cleanup();
  }
});

test('a secret shared by the cluster is made once: every node reads the same bytes', async () => {
  const { a, b, cleanup } = await twoNodes(1000);
  try {
    const [x, y] = await Promise.all([a.sharedSecret('digest-nonce'), b.sharedSecret('digest-nonce')]);
    assert.equal(x.length, 32);
    assert.ok(x.equals(y));
  } finally {
    await cleanup();
  }
});
