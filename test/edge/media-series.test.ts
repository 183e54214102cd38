import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaSeries } from '../../src/edge/record/media-series.js';

const d = (packets: number, lost = 0, jitterMs = 0) => ({ packets, lost, jitterMs });

test('media series: one sample per refresh per direction, time from the first sample, jitter to 0.01 ms', () => {
  const s = new MediaSeries();
  assert.equal(s.view(), undefined, 'no sample, no series');
  s.add(1_000, d(0), d(0));
  s.add(1_250, d(12, 0, 0.123), d(10, 1, 2.345));
  const v = s.view()!;
  assert.equal(v.started_at, new Date(1_000).toISOString());
  assert.deepEqual(v.customer_to_carrier, [[0, 0, 0, 0], [250, 12, 0, 0.12]]);
  assert.deepEqual(v.carrier_to_customer, [[0, 0, 0, 0], [250, 10, 1, 2.35]]);
});

test('media series: counters that stopped moving are marked once, not sampled every refresh', () => {
  const s = new MediaSeries();
  s.add(0, d(10), d(10));
  s.add(100, d(20), d(20));
  s.add(200, d(20), d(20));
  const before = JSON.stringify(s.view());
  s.add(300, d(20), d(20));
  s.add(400, d(20), d(20));
  assert.equal(JSON.stringify(s.view()), before, 'a silent stretch leaves the series (and so the record) unchanged');
  s.add(500, d(20), d(30));
  assert.equal(s.length, 4, 'one direction moving again is a new sample for both');
});

test('media series: a long call is thinned evenly and never holds more than MAX samples, the latest kept', () => {
  const s = new MediaSeries();
  for (let i = 0; i < 5 * MediaSeries.MAX; i++) s.add(i * 100, d(i * 5), d(i * 5, i));
  const v = s.view()!;
  assert.ok(v.customer_to_carrier.length <= MediaSeries.MAX, `${v.customer_to_carrier.length} samples`);
  assert.ok(v.customer_to_carrier.length >= MediaSeries.MAX / 2);
  assert.equal(v.customer_to_carrier.length, v.carrier_to_customer.length);
  assert.deepEqual(v.customer_to_carrier.at(-1), [(5 * MediaSeries.MAX - 1) * 100, (5 * MediaSeries.MAX - 1) * 5, 0, 0]);
  assert.deepEqual(v.customer_to_carrier[0], [0, 0, 0, 0], 'the first sample stays');
  const times = v.customer_to_carrier.map((x) => x[0]);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'in time order');
});
