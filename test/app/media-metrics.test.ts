import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { registerMediaMetrics } from '../../src/app/media-metrics.js';
import type { RelayCounters } from '../../src/media/index.js';

function counters(over: Partial<RelayCounters> = {}): RelayCounters {
  return {
    sessionsActive: 0, sessionsCreated: 0, sessionsClosed: 0, timeouts: 0, drops: 0, packetsRelayed: 0, bytesRelayed: 0, packetsLost: 0, packetsUnmeasured: 0,
    packetsDropped: { bleed: 0, malformed: 0, unroutable: 0 },
    ports: { capacity: 100, free: 100, inUse: 0, busyElsewhere: 0 },
    ...over,
  };
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('relay totals appear as Prometheus counters that advance by what the relay counted between scrapes', async () => {
  const registry = new Registry();
  let now = 0;
  let value = counters({ sessionsActive: 2, sessionsCreated: 2, packetsRelayed: 500, bytesRelayed: 86_000, packetsLost: 3, packetsDropped: { bleed: 4, malformed: 1, unroutable: 0 }, ports: { capacity: 100, free: 90, inUse: 4, busyElsewhere: 0, ahead: 6 } });
  registerMediaMetrics(registry, () => value, () => now);
  let text = await registry.metrics();
  assert.equal(sample(text, 'trunkline_media_active_sessions'), 2);
  assert.equal(sample(text, 'trunkline_media_ports_free'), 90);
  assert.equal(sample(text, 'trunkline_media_ports_ahead'), 6);
  assert.equal(sample(text, 'trunkline_media_packets_relayed_total'), 500);
  assert.equal(sample(text, 'trunkline_media_packets_lost_total'), 3);
  assert.equal(sample(text, 'trunkline_media_packets_dropped_total{reason="bleed"}'), 4);
  assert.equal(sample(text, 'trunkline_media_packets_dropped_total{reason="malformed"}'), 1);

  // A second scrape with nothing new counts nothing twice.
  now += 1000;
  text = await registry.metrics();
  assert.equal(sample(text, 'trunkline_media_packets_relayed_total'), 500);
  assert.equal(sample(text, 'trunkline_media_sessions_total'), 2);

  now += 1000;
  value = counters({ sessionsActive: 0, sessionsCreated: 3, sessionsClosed: 3, packetsRelayed: 650, bytesRelayed: 111_800, packetsLost: 3, packetsUnmeasured: 7, timeouts: 1, packetsDropped: { bleed: 4, malformed: 9, unroutable: 2 } });
  text = await registry.metrics();
  assert.equal(sample(text, 'trunkline_media_active_sessions'), 0);
  assert.equal(sample(text, 'trunkline_media_packets_relayed_total'), 650);
  assert.equal(sample(text, 'trunkline_media_sessions_total'), 3);
  assert.equal(sample(text, 'trunkline_media_rtp_timeouts_total'), 1);
  assert.equal(sample(text, 'trunkline_media_packets_unmeasured_total'), 7);
  assert.equal(sample(text, 'trunkline_media_packets_dropped_total{reason="malformed"}'), 9);
  assert.equal(sample(text, 'trunkline_media_packets_dropped_total{reason="unroutable"}'), 2);
});

test('one scrape reads the relay once, however many media series it has', async () => {
  const registry = new Registry();
  let reads = 0;
  registerMediaMetrics(registry, () => {
    reads++;
    return counters();
  }, () => 0);
  await registry.metrics();
  assert.equal(reads, 1);
});
