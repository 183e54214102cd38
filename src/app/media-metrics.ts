import { Counter, Gauge, type Registry } from 'prom-client';
import type { RelayCounters } from '../media/index.js';

/** One scrape reads every series; reading the relay walks all its sessions, so once is enough. */
const READ_REUSE_MS = 250;

/**
 * The media relay's Prometheus series (SPEC §3, issue 7 item 3). The relay keeps its own running
 * totals (media is below app and does not know prom-client), so the series are read at scrape
 * time: gauges are set, counters advance by what the relay counted since the last scrape.
 */
export function registerMediaMetrics(registry: Registry, read: () => RelayCounters, now: () => number = Date.now): void {
  let cached: { at: number; value: RelayCounters } | undefined;
  const current = (): RelayCounters => {
    const t = now();
    if (!cached || t - cached.at > READ_REUSE_MS) cached = { at: t, value: read() };
    return cached.value;
  };
  const counter = (name: string, help: string, value: (c: RelayCounters) => number): void => {
    let counted = 0;
    new Counter({
      name, help, registers: [registry],
      collect() {
        const total = value(current());
        if (total > counted) this.inc(total - counted);
        counted = Math.max(counted, total);
      },
    });
  };
  const gauge = (name: string, help: string, value: (c: RelayCounters) => number): void => {
    new Gauge({
      name, help, registers: [registry],
      collect() {
        this.set(value(current()));
      },
    });
  };

  gauge('trunkline_media_active_sessions', 'Calls whose media is anchored on the relay now', (c) => c.sessionsActive);
  gauge('trunkline_media_ports_free', 'RTP/RTCP port pairs free in the relay range', (c) => c.ports.free);
  gauge('trunkline_media_ports_ahead', 'RTP/RTCP port pairs out of the range, opened ahead of the next calls (native engine)', (c) => c.ports.ahead ?? 0);
  counter('trunkline_media_sessions_total', 'Calls anchored on the relay since start', (c) => c.sessionsCreated);
  counter('trunkline_media_packets_relayed_total', 'RTP and RTCP packets the relay forwarded', (c) => c.packetsRelayed);
  counter('trunkline_media_bytes_relayed_total', 'Bytes of RTP and RTCP the relay forwarded', (c) => c.bytesRelayed);
  counter('trunkline_media_packets_lost_total', 'RTP packets missing by sequence number, as the relay received them', (c) => c.packetsLost);
  counter('trunkline_media_packets_unmeasured_total', 'Packets the native engine relayed while JS could not keep up: forwarded, but missing from the statistics', (c) => c.packetsUnmeasured);
  counter('trunkline_media_rtp_timeouts_total', 'Calls whose media stopped both ways for the RTP timeout', (c) => c.timeouts);
  counter('trunkline_media_direction_drops_total', 'Directions that stopped mid-call while the other flowed', (c) => c.drops);

  const dropped = new Map<string, number>();
  new Counter({
    name: 'trunkline_media_packets_dropped_total',
    help: 'Packets the relay refused: bleed (not the latched source), malformed, unroutable (no destination yet)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const c = current();
      for (const reason of ['bleed', 'malformed', 'unroutable'] as const) {
        const total = c.packetsDropped[reason];
        const counted = dropped.get(reason) ?? 0;
        if (total > counted) this.inc({ reason }, total - counted);
        dropped.set(reason, Math.max(counted, total));
      }
    },
  });
}
