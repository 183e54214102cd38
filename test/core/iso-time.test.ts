import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoMillis, isoSeconds } from '../../src/core/index.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

test('isoMillis writes what Date#toISOString writes: day edges, leap days, the ends of the four-digit years', () => {
  const cases = [0, 1, 999, 1000, DAY - 1, DAY, DAY + 1, Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 2, 1), Date.UTC(2100, 1, 28, 12), Date.UTC(2100, 2, 1),
    Date.UTC(2026, 11, 7, 3, 4, 5, 6), Date.UTC(2026, 11, 7, 13, 14, 15, 60), 253_402_300_799_999];
  for (const ms of cases) assert.equal(isoMillis(ms), iso(ms), `at ${ms}`);
  // The cached day must not leak into another: back and forth across a midnight.
  const midnight = Date.UTC(2026, 11, 8);
  for (const ms of [midnight - 1, midnight, midnight - 2, midnight + 5]) assert.equal(isoMillis(ms), iso(ms));
});

test('isoMillis agrees with Date on 100 000 random instants of 1970–9999', () => {
  let seed = 42;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 100_000; i++) {
    const ms = Math.floor(next() * 253_402_300_800_000);
    if (isoMillis(ms) !== iso(ms)) assert.fail(`${ms}: ${isoMillis(ms)} vs ${iso(ms)}`);
  }
});

test('outside its fast range isoMillis is Date itself: before 1970, past 9999, fractions; an invalid time still throws', () => {
  for (const ms of [-1, -DAY - 5, 253_402_300_800_000, 1.5, Date.UTC(2026, 0, 1) + 0.25]) assert.equal(isoMillis(ms), iso(ms));
  assert.throws(() => isoMillis(Number.NaN), RangeError);
});

test('isoSeconds drops the milliseconds as the API contract wants, in and out of the fast range', () => {
  assert.equal(isoSeconds(Date.UTC(2026, 0, 23, 9, 24, 59, 999)), '2026-01-23T09:24:59Z');
  assert.equal(isoSeconds(0), '1970-01-01T00:00:00Z');
  assert.equal(isoSeconds(-1), '1969-12-31T23:59:59Z');
  assert.equal(isoSeconds(253_402_300_800_000), '+010000-01-01T00:00:00Z');
});
