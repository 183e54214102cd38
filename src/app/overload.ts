import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../core/index.js';
import { DEFAULT_OVERLOAD, OverloadGuard, type LoadGauge } from '../edge/index.js';
import type { SipServer } from './sip-server.js';

/** A probe and a sample every SAMPLE_MS; the guard averages DEFAULT_OVERLOAD.windowSamples of them (0.2 s). */
export const SAMPLE_MS = 100;

export interface OverloadWatch {
  readonly gauge: LoadGauge;
  stop(): void;
}

/**
 * SPEC §3 overload: the edge's load gauge, fed with how long SIP datagrams wait in the UDP
 * listeners' queues (the endpoint's probe). Logged when it starts and stops refusing;
 * `trunkline_edge_overloaded` is the share of new calls refused, `trunkline_sip_queue_wait_seconds` the wait.
 */
export function watchOverload(sip: SipServer, enterAtMs: number, logger: Logger, registry?: Registry): OverloadWatch {
  const guard = new OverloadGuard({ ...DEFAULT_OVERLOAD, enterAtMs, leaveAtMs: enterAtMs / 4 });
  const probe = sip.probeQueues(SAMPLE_MS);
  const overloaded = registry ? new Gauge({ name: 'trunkline_edge_overloaded', help: 'Share of new calls the edge refuses 503 under overload now, 0–1 (serve --overload-delay)', registers: [registry] }) : undefined;
  const wait = registry ? new Gauge({ name: 'trunkline_sip_queue_wait_seconds', help: 'How long SIP datagrams wait in the UDP receive queue before they are read: the longest probe read in the last 0.1 s, or the oldest one still unread', registers: [registry] }) : undefined;
  overloaded?.set(0);
  guard.onChange = (on, meanMs) => {
    if (on) logger.warn({ queue_wait_ms: Math.round(meanMs), retry_after_s: DEFAULT_OVERLOAD.retryAfterS }, 'overload: refusing new calls with 503');
    else logger.info({ queue_wait_ms: Math.round(meanMs) }, 'overload over: taking new calls again');
  };
  const timer = setInterval(() => {
    const ms = probe.delayMs();
    wait?.set(ms / 1000);
    guard.sample(ms);
    overloaded?.set(guard.share);
  }, SAMPLE_MS);
  timer.unref();
  return { gauge: guard, stop: () => clearInterval(timer) };
}
