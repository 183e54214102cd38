import { hostOf } from '../address.js';
import { makeFinding } from '../catalogue.js';
import type { AcrossFinding, AcrossRule } from './across.js';

/**
 * A flood: this many new requests of one method from one source host within the window (50 per
 * second). A PBX places a few calls a second and refreshes a registration every minutes; the
 * corpus's SIPp load tests peak at 10–14 per second. Flood tools (inviteflood, SIPp or
 * sipvicious at full rate) send hundreds.
 */
const FLOOD_COUNT = 100;
const FLOOD_WINDOW_MS = 2000;
/** Requests that open something: a flood of them costs the server a transaction (and a call or a binding) each. */
const FLOOD_METHODS = new Set(['INVITE', 'REGISTER', 'OPTIONS', 'SUBSCRIBE', 'MESSAGE']);

const iso = (ms: number): string => new Date(ms).toISOString();

interface Sent {
  readonly at: number;
  readonly callId: string;
  readonly dst: string;
  /** The final answer's status, if one was seen. */
  readonly status: number | undefined;
}

/**
 * Security signal: one source sending new INVITE/REGISTER/OPTIONS (or SUBSCRIBE/MESSAGE) requests
 * far faster than any endpoint does — a denial of service or an attack tool at full rate. The
 * finding gives the source, the method, the peak rate and the span, and how the target coped
 * (answers, 5xx, nothing); error when it stopped answering a tenth or more of them.
 */
export const floodRule: AcrossRule = ({ calls }) => {
  // One pass counting new requests per source and method; most captures end here.
  const counts = new Map<string, number>();
  for (const c of calls) {
    for (const m of c.messages) {
      if (m.kind !== 'request' || m.toTag || !FLOOD_METHODS.has(m.method)) continue;
      const k = `${m.method} ${m.src}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  let candidate = false;
  // Per source port first: the per-host sum is only needed when some host's ports add up.
  const perHost = new Map<string, number>();
  for (const [k, n] of counts) {
    const sp = k.indexOf(' ');
    const hk = `${k.slice(0, sp)} ${hostOf(k.slice(sp + 1))}`;
    const total = (perHost.get(hk) ?? 0) + n;
    perHost.set(hk, total);
    if (total >= FLOOD_COUNT) candidate = true;
  }
  if (!candidate) return {};

  const sent = new Map<string, Sent[]>();
  for (const c of calls) {
    const seen = new Set<string>();
    for (const m of c.messages) {
      if (m.kind !== 'request' || m.toTag || !FLOOD_METHODS.has(m.method)) continue;
      const key = `${m.method} ${m.cseq} ${m.src}`;
      if (seen.has(key)) continue; // a retransmission is the same request
      seen.add(key);
      const hk = `${m.method} ${hostOf(m.src)}`;
      if ((perHost.get(hk) ?? 0) < FLOOD_COUNT) continue;
      const final = c.messages.find((r) => r.kind === 'response' && r.method === m.method && r.cseq === m.cseq && r.status !== undefined && r.status >= 200);
      const s = { at: m.at, callId: c.callId, dst: m.dst, status: final?.status };
      const list = sent.get(hk);
      if (list) list.push(s);
      else sent.set(hk, [s]);
    }
  }

  const capture: AcrossFinding[] = [];
  for (const [hk, list] of sent) {
    if (list.length < FLOOD_COUNT) continue;
    list.sort((a, b) => a.at - b.at);
    // The flood runs from the first window that holds FLOOD_COUNT requests to the last one that does.
    let from = -1;
    let to = -1;
    let peak = 0;
    for (let lo = 0, hi = 0; hi < list.length; hi++) {
      while (list[hi].at - list[lo].at > FLOOD_WINDOW_MS) lo++;
      const n = hi - lo + 1;
      peak = Math.max(peak, n);
      if (n >= FLOOD_COUNT) {
        if (from < 0) from = lo;
        to = hi;
      }
    }
    if (from < 0) continue;
    const flood = list.slice(from, to + 1);
    const [method, host] = hk.split(' ');
    const spanMs = Math.max(flood[flood.length - 1].at - flood[0].at, 1);
    const rate = (flood.length * 1000) / spanMs;
    const targets = [...new Set(flood.map((s) => s.dst))];
    let ok = 0;
    let refused = 0;
    let server = 0;
    let none = 0;
    for (const s of flood) {
      if (s.status === undefined) none++;
      else if (s.status < 300) ok++;
      else if (s.status >= 500) server++;
      else refused++;
    }
    const outside = list.length - flood.length;
    const evidence = [
      `${host} sent ${flood.length} ${method} requests between ${iso(flood[0].at)} and ${iso(flood[flood.length - 1].at)} (${(spanMs / 1000).toFixed(1)} s, ${rate.toFixed(0)} per second; peak ${peak} within ${FLOOD_WINDOW_MS / 1000} s)`,
      `to ${targets.slice(0, 4).join(', ')}${targets.length > 4 ? ` and ${targets.length - 4} more` : ''}; answered 2xx ${ok}, 3xx–4xx ${refused}, 5xx ${server}, no final answer ${none}`,
      outside > 0 ? `the same source sent ${outside} other ${method} request(s) outside the flood` : `the source sent no ${method} outside the flood`,
    ];
    const buckled = server + none >= flood.length / 10;
    capture.push({
      finding: makeFinding('security.flood', evidence, buckled ? { severity: 'error' } : {}),
      callIds: [...new Set(flood.map((s) => s.callId))],
    });
  }
  const perCall = capture.flatMap((f) => f.callIds.map((id) => [id, f.finding] as const));
  return { capture, perCall, attack: capture.flatMap((f) => f.callIds) };
};
