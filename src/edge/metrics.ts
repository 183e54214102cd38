import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The edge's Prometheus metrics, registered on the registry app/ shares with the API so that
 * one /metrics answer carries both: calls by final code and trunk, active calls, setup time.
 */
export interface EdgeMetrics {
  callEnded(trunkSid: string | null, direction: string, code: number | null, by: string | null): void;
  active(delta: 1 | -1, direction: string): void;
  setupTime(seconds: number, direction: string): void;
}

export function createEdgeMetrics(registry: Registry): EdgeMetrics {
  const calls = new Counter({
    name: 'trunkline_edge_calls_total',
    help: 'Call attempts through the edge by final SIP code, trunk, direction and who sent the code',
    labelNames: ['code', 'trunk', 'direction', 'by'] as const,
    registers: [registry],
  });
  const active = new Gauge({
    name: 'trunkline_edge_active_calls',
    help: 'Calls currently set up or being set up through the edge',
    labelNames: ['direction'] as const,
    registers: [registry],
  });
  const setup = new Histogram({
    name: 'trunkline_edge_setup_seconds',
    help: 'Time from INVITE received to final response sent',
    labelNames: ['direction'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  return {
    callEnded: (trunk, direction, code, by) => calls.inc({ code: String(code ?? 0), trunk: trunk ?? 'none', direction, by: by ?? 'none' }),
    active: (delta, direction) => active.inc({ direction }, delta),
    setupTime: (seconds, direction) => setup.observe({ direction }, seconds),
  };
}

/** For tests and tools that run an edge without a registry. */
export const noEdgeMetrics: EdgeMetrics = { callEnded: () => {}, active: () => {}, setupTime: () => {} };
