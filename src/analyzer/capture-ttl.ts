/**
 * Where the capture stood, from IP TTLs (IPv6 hop limits) of the SIP packets: a TTL just under a
 * common starting value says how many routers lie between its sender and the capture point (0:
 * captured on the sender's host or its own LAN segment); see diagnosis' hopsFromTtl.
 */
import { hopsFromTtl, makeFinding, type CallEvidence, type Finding } from '../diagnosis/index.js';
import type { CapturePointReport } from './report.js';

const ttlOf = (m: CallEvidence['messages'][number]): number | undefined => {
  const t = (m as { readonly ttl?: unknown }).ttl;
  return typeof t === 'number' ? t : undefined;
};
const hostOf = (endpoint: string): string => endpoint.replace(/:\d+$/, '');

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
    // RTP streams whose TTL changed once, for good (one change: two runs, as for SIP).
    const media = c.streams.flatMap((st) => {
      const t = st.ttl;
      return t && t.changes === 1 && t.firstChangeAt !== undefined ? [{ st, t, at: t.firstChangeAt }] : [];
    });
    const rtpLines = media.map(({ st, t, at }) => `RTP ${st.src} → ${st.dst} (SSRC 0x${st.ssrc.toString(16)}) reached the capture point with TTL ${t.first}, then from ${iso(at)} on with TTL ${t.last}`);
    const change = (h: string, from: number, to: number, at: number): string => {
      const d = from - to;
      return d > 0
        ? `${d} more router(s) between ${h} and the capture point from ${iso(at)}: the route changed mid-call`
        : `${-d} router(s) fewer between ${h} and the capture point from ${iso(at)}: the route changed mid-call`;
    };
    const advice = 'a change of path mid-call can bring loss, delay or a firewall/NAT that does not know the call: look at the media and signaling after that moment';
    let sip = false;
    for (const [h, r] of runs) {
      if (r.length !== 2) continue;
      const [a, b] = r;
      out.set(c.callId, makeFinding('capture.route-changed', [
        `SIP from ${h} reached the capture point with TTL ${a.ttl} in ${a.n} message(s) from ${iso(a.from)} to ${iso(a.to)}, then with TTL ${b.ttl} in ${b.n} from ${iso(b.from)} on`,
        ...rtpLines.filter((_, i) => hostOf(media[i].st.src) === h),
        // The RTP, far more frequent, shows the moment of the change closer than the next SIP message.
        change(h, a.ttl, b.ttl, Math.min(b.from, ...media.filter((x) => hostOf(x.st.src) === h).map((x) => x.at))),
        advice,
      ]));
      sip = true;
      break;
    }
    if (!sip && media.length > 0) {
      const { st, t, at } = media[0];
      out.set(c.callId, makeFinding('capture.route-changed', [...rtpLines, change(hostOf(st.src), t.first, t.last, at), advice]));
    }
  }
  return out;
}
