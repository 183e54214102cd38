/**
 * Where the capture stood, from IP TTLs (IPv6 hop limits) of the SIP packets. Senders start at
 * 64 (Linux, macOS, most phones), 128 (Windows) or 255 (many routers, SBCs, Cisco); each router
 * takes one off. A TTL just under one of those says how many routers lie between its sender and
 * the capture point: 0 means none (captured on the sender's host or its own LAN segment). Other
 * starting values (32, 60, 144 on some ATAs) exist, so a TTL far below all three says nothing.
 */
import { makeFinding, type CallEvidence, type Finding } from '../diagnosis/index.js';
import type { CapturePointReport } from './report.js';

const INITIAL = [64, 128, 255] as const;
/** More routers than this between two hosts is rare; a TTL further below a starting value is read as another start. */
const MAX_HOPS = 30;

const ttlOf = (m: CallEvidence['messages'][number]): number | undefined => {
  const t = (m as { readonly ttl?: unknown }).ttl;
  return typeof t === 'number' ? t : undefined;
};
const hostOf = (endpoint: string): string => endpoint.replace(/:\d+$/, '');

/** Routers between the sender and the capture point, when the TTL sits just under a common starting value. */
export function hopsFromTtl(ttl: number): { readonly initial: number; readonly hops: number } | undefined {
  for (const initial of INITIAL) if (ttl <= initial && initial - ttl <= MAX_HOPS) return { initial, hops: initial - ttl };
  return undefined;
}

/** Each SIP sender of the capture, how its packets reached the capture point (TTLs seen, routers crossed). */
export function capturePoint(calls: readonly CallEvidence[]): CapturePointReport[] {
  const seen = new Map<string, Map<number, number>>();
  for (const c of calls) {
    for (const m of c.messages) {
      const ttl = ttlOf(m);
      if (ttl === undefined) continue;
      const h = hostOf(m.src);
      let byTtl = seen.get(h);
      if (!byTtl) seen.set(h, (byTtl = new Map()));
      byTtl.set(ttl, (byTtl.get(ttl) ?? 0) + 1);
    }
  }
  return [...seen].map(([address, byTtl]) => {
    // The most common TTL is the sender's usual path.
    const ttl = [...byTtl].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0][0];
    const h = hopsFromTtl(ttl);
    return {
      address,
      ttls: [...byTtl.keys()].sort((a, b) => b - a),
      ...(h ? { initial_ttl: h.initial, hops: h.hops } : {}),
    };
  }).sort((a, b) => (a.hops ?? 99) - (b.hops ?? 99) || (a.address < b.address ? -1 : 1));
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A route change mid-call: within one dialog, the SIP packets from one address first arrive with
 * one TTL and later, from some message on, with another — the path from that sender to the
 * capture point gained or lost routers. Two TTLs that alternate are two senders behind one
 * address (NAT) or two paths in use at once, not a change at one moment: not reported.
 */
export function ttlChangeFindings(calls: readonly CallEvidence[]): Map<string, Finding> {
  const out = new Map<string, Finding>();
  for (const c of calls) {
    const runs = new Map<string, { ttl: number; from: number; to: number; n: number }[]>();
    for (const m of c.messages) {
      const ttl = ttlOf(m);
      if (ttl === undefined) continue;
      const h = hostOf(m.src);
      let r = runs.get(h);
      if (!r) runs.set(h, (r = []));
      const last = r[r.length - 1];
      if (last && last.ttl === ttl) {
        last.to = m.at;
        last.n++;
      } else r.push({ ttl, from: m.at, to: m.at, n: 1 });
    }
    for (const [h, r] of runs) {
      if (r.length !== 2) continue;
      const [a, b] = r;
      const d = a.ttl - b.ttl;
      out.set(c.callId, makeFinding('capture.route-changed', [
        `SIP from ${h} reached the capture point with TTL ${a.ttl} in ${a.n} message(s) from ${iso(a.from)} to ${iso(a.to)}, then with TTL ${b.ttl} in ${b.n} from ${iso(b.from)} on`,
        d > 0
          ? `${d} more router(s) between ${h} and the capture point from ${iso(b.from)}: the route changed mid-call`
          : `${-d} router(s) fewer between ${h} and the capture point from ${iso(b.from)}: the route changed mid-call`,
        'a change of path mid-call can bring loss, delay or a firewall/NAT that does not know the call: look at the media and signaling after that moment',
      ]));
      break;
    }
  }
  return out;
}
