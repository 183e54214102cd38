import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryRateCounter, RedisRateCounter, type RateCounter } from '../../src/store/index.js';
import { FakeClock } from '../support/fake-clock.js';

async function exhaust(counter: RateCounter, key: string, limit: number): Promise<void> {
  for (let i = 1; i <= limit; i++) {
    const d = await counter.hit(key, limit, 60_000);
    assert.equal(d.allowed, true, `hit ${i} of ${limit} is allowed`);
    assert.equal(d.remaining, limit - i);
    assert.ok(d.resetMs > 0 && d.resetMs <= 60_000);
  }
  const over = await counter.hit(key, limit, 60_000);
  assert.equal(over.allowed, false);
  assert.equal(over.remaining, 0);
}

test('memory rate counter allows the limit per window, refuses the next, and resets with the window', async () => {
  const clock = new FakeClock(Date.parse('2026-01-23T09:24:00Z'));
  const counter = new MemoryRateCounter(clock);
  await exhaust(counter, 'acct-a', 5);
  assert.equal((await counter.hit('acct-b', 5, 60_000)).allowed, true, 'keys are independent');
  clock.advance(60_000);
  assert.equal((await counter.hit('acct-a', 5, 60_000)).remaining, 4);
  await counter.close();
});

test('Redis rate counter shares one budget between two clients (two nodes) and expires its keys', async () => {
  const prefix = `trunkline-test:${randomBytes(6).toString('hex')}:`;
  const a = new RedisRateCounter({ url: 'redis://127.0.0.1:6379', prefix });
  const b = new RedisRateCounter({ url: 'redis://127.0.0.1:6379', prefix });
  const raw = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  await Promise.all([a.connect(), b.connect(), raw.connect()]);
  try {
    for (let i = 0; i < 3; i++) assert.equal((await a.hit('acct', 6, 60_000)).allowed, true);
    for (let i = 0; i < 3; i++) assert.equal((await b.hit('acct', 6, 60_000)).allowed, true);
    const over = await a.hit('acct', 6, 60_000);
    assert.equal(over.allowed, false, 'the seventh hit across both nodes is refused');
    const keys = await raw.keys(`${prefix}*`);
    assert.equal(keys.length, 1);
    const ttl = await raw.pttl(keys[0]);
    assert.ok(ttl > 0 && ttl <= 60_000, 'the window key expires by itself');
  } finally {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
    await Promise.all([a.close(), b.close()]);
    raw.disconnect();
  }
});
