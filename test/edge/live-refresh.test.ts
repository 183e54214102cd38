import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveRefresh } from '../../src/edge/record/live-refresh.js';
import { FakeClock } from '../support/fake-clock.js';

// The live call record's schedule (issue 7 item 4): periodic, sooner after media events but
// throttled, never two at once, nothing after stop. Driven by the fake clock; nothing sleeps.

/** Lets the refresh's promise chain settle (it runs in microtasks, outside the fake clock). */
const settle = () => new Promise<void>((r) => setImmediate(r));

function counting(clock: FakeClock, opts: { intervalMs?: number; minGapMs?: number } = {}) {
  const starts: number[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const refresh = new LiveRefresh({
    clock,
    intervalMs: opts.intervalMs ?? 2000,
    minGapMs: opts.minGapMs ?? 500,
    run: () => {
      starts.push(clock.monotonic());
      if (!hold) return Promise.resolve();
      return new Promise<void>((r) => (release = r));
    },
  });
  return {
    refresh, starts,
    holdRuns: (on: boolean) => (hold = on),
    finishRun: () => release?.(),
  };
}

test('an answered call is refreshed once per interval while it is up', async () => {
  const clock = new FakeClock();
  const { refresh, starts } = counting(clock);
  refresh.start();
  for (let i = 0; i < 5; i++) {
    clock.advance(1000);
    await settle();
  }
  assert.deepEqual(starts, [2000, 4000]);
});

test('a media event brings the refresh forward, and a burst of events folds into one refresh per gap', async () => {
  const clock = new FakeClock();
  const { refresh, starts } = counting(clock);
  refresh.start();
  clock.advance(100);
  for (let i = 0; i < 50; i++) refresh.poke();
  clock.advance(0);
  await settle();
  assert.deepEqual(starts, [100]);
  // More events right after: held back until the gap (500 ms) since the last start has passed.
  clock.advance(100);
  refresh.poke();
  refresh.poke();
  clock.advance(399);
  await settle();
  assert.deepEqual(starts, [100]);
  clock.advance(1);
  await settle();
  assert.deepEqual(starts, [100, 600]);
  // Then the periodic schedule resumes from the last refresh.
  clock.advance(2000);
  await settle();
  assert.deepEqual(starts, [100, 600, 2600]);
});

test('no two refreshes run at once: events during a slow refresh give one more refresh after it', async () => {
  const clock = new FakeClock();
  const { refresh, starts, holdRuns, finishRun } = counting(clock, { intervalMs: 1000, minGapMs: 200 });
  holdRuns(true);
  refresh.start();
  clock.advance(1000);
  await settle();
  assert.deepEqual(starts, [1000]);
  // The store is slow: ticks and events pile up while the refresh is still running.
  refresh.poke();
  clock.advance(3000);
  refresh.poke();
  await settle();
  assert.deepEqual(starts, [1000]);
  holdRuns(false);
  finishRun();
  await settle();
  clock.advance(0);
  await settle();
  assert.deepEqual(starts, [1000, 4000]);
});

test('after stop (the call ended) no refresh starts, whatever events or time follow', async () => {
  const clock = new FakeClock();
  const { refresh, starts, holdRuns, finishRun } = counting(clock, { intervalMs: 1000, minGapMs: 100 });
  refresh.start();
  clock.advance(1000);
  await settle();
  holdRuns(true);
  clock.advance(1000);
  await settle();
  assert.deepEqual(starts, [1000, 2000]);
  refresh.poke();
  refresh.stop();
  finishRun();
  await settle();
  refresh.poke();
  refresh.start();
  clock.advance(10_000);
  await settle();
  assert.deepEqual(starts, [1000, 2000]);
  assert.equal(refresh.stopped, true);
  assert.equal(clock.pendingTimers, 0);
});

test('a failing refresh is reported and the schedule goes on', async () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  let n = 0;
  const refresh = new LiveRefresh({
    clock, intervalMs: 1000,
    run: async () => {
      n++;
      throw new Error('store down');
    },
    onError: (err) => errors.push(err),
  });
  refresh.start();
  for (let i = 0; i < 3; i++) {
    clock.advance(1000);
    await settle();
  }
  assert.equal(n, 3);
  assert.equal(errors.length, 3);
  refresh.stop();
});
