import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coarseClock } from '../../src/core/index.js';
import { FakeClock } from '../support/fake-clock.js';

// Issue 13: the SIP stack's long timers share one base timer per slot. What must hold: a long
// timer never fires early and at most one slot late, a cancelled one never fires, a slot whose
// timers are all cancelled leaves no base timer behind, and short timers stay exact.

test('a long timer fires no earlier than asked and within one slot after', () => {
  const base = new FakeClock();
  const clock = coarseClock(base, { fromMs: 5000, granularityMs: 100 });
  base.advance(37); // not on a slot boundary
  let fired = 0;
  clock.setTimer(32_000, () => fired++);
  base.advance(31_999);
  assert.equal(fired, 0, 'not before its 32 s');
  base.advance(100);
  assert.equal(fired, 1, 'by the end of the slot it falls in');
  base.advance(60_000);
  assert.equal(fired, 1, 'once');
});

test('timers due in one slot share one base timer and fire in the order they were set', () => {
  const base = new FakeClock();
  const clock = coarseClock(base, { fromMs: 5000, granularityMs: 100 });
  const order: number[] = [];
  for (let i = 0; i < 50; i++) clock.setTimer(32_000, () => order.push(i));
  assert.equal(base.pendingTimers, 1);
  base.advance(32_000);
  assert.deepEqual(order, Array.from({ length: 50 }, (_, i) => i));
});

test('a cancelled long timer never fires, and a slot with every timer cancelled holds no base timer', () => {
  const base = new FakeClock();
  const clock = coarseClock(base, { fromMs: 5000, granularityMs: 100 });
  let fired = 0;
  const a = clock.setTimer(32_000, () => fired++);
  const b = clock.setTimer(32_000, () => fired++);
  const c = clock.setTimer(32_000, () => fired++);
  a.cancel();
  a.cancel();
  b.cancel();
  assert.equal(base.pendingTimers, 1, 'c still waits');
  c.cancel();
  assert.equal(base.pendingTimers, 0);
  base.advance(40_000);
  assert.equal(fired, 0);
  // A timer set later for the same slot gets a base timer again.
  clock.setTimer(32_000, () => fired++);
  base.advance(32_100);
  assert.equal(fired, 1);
});

test('timers shorter than fromMs (retransmission intervals) stay exact on the base clock', () => {
  const base = new FakeClock();
  const clock = coarseClock(base, { fromMs: 5000, granularityMs: 100 });
  base.advance(3);
  let fired = 0;
  clock.setTimer(500, () => fired++);
  base.advance(499);
  assert.equal(fired, 0);
  base.advance(1);
  assert.equal(fired, 1);
});
