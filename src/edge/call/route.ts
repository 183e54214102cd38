/**
 * Route selection for both directions: carrier gateways (outbound) and a trunk's destination
 * URIs (inbound). Lower priority first; within one priority, a weighted random order as in
 * RFC 2782 (the SRV selection algorithm), so weight 3 gets three times the first attempts of
 * weight 1 and every target is still tried once. The disaster-recovery URI goes last.
 */
export interface RouteTarget {
  readonly uri: string;
  readonly priority: number;
  readonly weight: number;
}

export type AttemptOutcome =
  | { readonly kind: 'response'; readonly status: number }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'transport-error' };

/** SPEC §1: timeout, 408 and 5xx by default; never 486, 600, 603 — those are the callee's answer. */
export const DEFAULT_FAILOVER_CODES: readonly number[] = [408, 500, 502, 503, 504];
const NEVER_FAILOVER = new Set([486, 600, 603]);

export function orderTargets(targets: readonly RouteTarget[], random: () => number = Math.random, disasterRecoveryUri?: string | null): RouteTarget[] {
  const byPriority = new Map<number, RouteTarget[]>();
  for (const t of targets) {
    const group = byPriority.get(t.priority) ?? [];
    group.push(t);
    byPriority.set(t.priority, group);
  }
  const ordered: RouteTarget[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const pool = [...byPriority.get(priority)!];
    // RFC 2782: zero-weight entries first in the pool so they get a small chance, then pick by running sum.
    pool.sort((a, b) => (a.weight === 0 ? 0 : 1) - (b.weight === 0 ? 0 : 1));
    while (pool.length) {
      const total = pool.reduce((s, t) => s + Math.max(0, t.weight), 0);
      let pick = 0;
      if (total > 0) {
        const r = random() * total;
        let sum = 0;
        pick = pool.length - 1;
        for (let i = 0; i < pool.length; i++) {
          sum += Math.max(0, pool[i].weight);
          if (r < sum) {
            pick = i;
            break;
          }
        }
      }
      ordered.push(pool.splice(pick, 1)[0]);
    }
  }
  if (disasterRecoveryUri && !ordered.some((t) => t.uri === disasterRecoveryUri)) {
    ordered.push({ uri: disasterRecoveryUri, priority: Number.MAX_SAFE_INTEGER, weight: 1 });
  }
  return ordered;
}

/** Whether an attempt's outcome moves the call to the next target. */
export function shouldFailover(outcome: AttemptOutcome, failoverCodes: readonly number[] = DEFAULT_FAILOVER_CODES): boolean {
  if (outcome.kind !== 'response') return true;
  if (NEVER_FAILOVER.has(outcome.status)) return false;
  if (outcome.status < 300) return false;
  return failoverCodes.includes(outcome.status);
}
