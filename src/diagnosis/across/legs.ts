import { hostOf } from '../address.js';
import type { CallSummary } from '../call-facts.js';
import type { CallEvidence, SipEventEvidence } from '../evidence.js';
import { makeFinding } from '../catalogue.js';
import type { Finding } from '../finding.js';
import { uriUser, type AcrossContext } from './across.js';

/** A B-leg starts this soon after its A-leg's INVITE reached the B2BUA. */
const START_WINDOW_MS = 5000;
/** A response on one leg this soon after the same class on the other is a relay. */
const RELAY_MS = 2000;

export interface LegLink {
  /** The leg the B2BUA received (closer to the caller). */
  readonly a: string;
  /** The leg it placed. */
  readonly b: string;
  /** The host between them. */
  readonly via: string;
  /** What links them, in words. */
  readonly by: readonly string[];
}

/** The legs of one call through B2BUAs/SBCs, first hop first, and which failed first. */
export interface LegGroup {
  /** Call-IDs from the caller's leg outwards. */
  readonly legs: readonly string[];
  readonly links: readonly LegLink[];
  /** The leg whose final failure came first: where the call really failed. */
  readonly failedFirst?: { readonly callId: string; readonly code: number; readonly at: number; readonly sender: string };
  /** Legs that only passed that failure on, later. */
  readonly relayed: readonly { readonly callId: string; readonly code: number; readonly at: number; readonly afterMs: number }[];
}

const digits = (u: string | undefined): string | undefined => {
  const d = u?.replace(/\D/g, '');
  return d && d.length >= 4 ? d.slice(-8) : undefined;
};
const sameParty = (a: string | undefined, b: string | undefined): boolean => {
  if (!a || !b) return false;
  const da = digits(a);
  const db = digits(b);
  return da !== undefined && db !== undefined ? da === db : a === b;
};

function sdpAddress(m: SipEventEvidence | undefined): string | undefined {
  const sdp = m?.sdp;
  const audio = sdp?.media.find((x) => x.type === 'audio');
  const host = audio?.connectionAddress ?? sdp?.connectionAddress;
  return host && audio && audio.port > 0 ? `${host}:${audio.port}` : undefined;
}

/** Every header value of a message, for the correlation check. */
function headerValues(m: SipEventEvidence): string[] {
  return Object.entries(m.headers ?? {}).flatMap(([k, vs]) => (k.startsWith('x-') || k === 'p-charging-vector' || k === 'session-id' ? vs : []));
}

function finalOf(c: CallEvidence, sum: CallSummary): SipEventEvidence | undefined {
  return sum.final ?? (sum.finalCode !== undefined ? c.messages.find((m) => m.kind === 'response' && m.status === sum.finalCode) : undefined);
}

/**
 * RFC 7092 B2BUAs (PBXs, SBCs) place a new dialog for each call they take: two Call-IDs. A B-leg
 * is linked to an A-leg when its INVITE leaves the host the A-leg's INVITE reached, within
 * START_WINDOW_MS, and something ties them: a header carrying the A-leg's Call-ID or the same
 * Session-ID / P-Charging-Vector / X- value, the same calling or called number, the same SDP media
 * address, or a response relayed from one leg to the other within RELAY_MS.
 */
export function linkLegs({ calls, summaries }: AcrossContext): LegGroup[] {
  const invites = calls
    .map((c, i) => ({ c, sum: summaries[i] }))
    .filter(({ sum }) => sum.method === 'INVITE' && sum.request !== undefined && sum.request.toTag === undefined);
  if (invites.length < 2) return [];
  // A-leg candidates by the host their INVITE reached.
  const byDstHost = new Map<string, typeof invites>();
  for (const x of invites) {
    const h = hostOf(x.sum.request!.dst);
    const list = byDstHost.get(h);
    if (list) list.push(x);
    else byDstHost.set(h, [x]);
  }
  const links: LegLink[] = [];
  for (const b of invites) {
    const qb = b.sum.request!;
    const via = hostOf(qb.src);
    let best: { link: LegLink; score: number; at: number } | undefined;
    for (const a of byDstHost.get(via) ?? []) {
      const qa = a.sum.request!;
      if (a === b || qb.at < qa.at || qb.at - qa.at > START_WINDOW_MS || hostOf(qa.src) === via) continue;
      const by: string[] = [];
      const values = headerValues(qb);
      if (values.some((v) => v.includes(a.c.callId))) by.push(`a header of its INVITE carries the other leg's Call-ID ${a.c.callId}`);
      else {
        const shared = headerValues(qa).find((v) => v.length >= 8 && values.includes(v));
        if (shared) by.push(`both INVITEs carry ${shared}`);
      }
      if (sameParty(uriUser(qa.from), uriUser(qb.from))) by.push(`same caller ${uriUser(qb.from)}`);
      if (sameParty(uriUser(qa.requestUri) ?? uriUser(qa.to), uriUser(qb.requestUri) ?? uriUser(qb.to))) by.push(`same called number ${uriUser(qb.requestUri) ?? uriUser(qb.to)}`);
      const sa = sdpAddress(a.c.messages.find((m) => m.sdp && m.kind === 'request'));
      if (sa && sa === sdpAddress(b.c.messages.find((m) => m.sdp && m.kind === 'request'))) by.push(`same offered media address ${sa}`);
      const fa = finalOf(a.c, a.sum);
      const fb = finalOf(b.c, b.sum);
      if (fa?.status !== undefined && fb?.status !== undefined && Math.floor(fa.status / 100) === Math.floor(fb.status / 100) && Math.abs(fa.at - fb.at) <= RELAY_MS) {
        by.push(`${fb.status} on one leg and ${fa.status} on the other ${Math.abs(fa.at - fb.at).toFixed(0)} ms apart`);
      }
      // A correlation header alone is proof; otherwise two independent clues.
      const score = (by[0]?.startsWith('a header') || by[0]?.startsWith('both INVITEs') ? 10 : 0) + by.length;
      if (score < 2) continue;
      // The most clues wins; between equals, the A-leg that reached the B2BUA last before the B-leg left.
      if (!best || score > best.score || (score === best.score && qa.at > best.at)) best = { link: { a: a.c.callId, b: b.c.callId, via, by }, score, at: qa.at };
    }
    if (best) links.push(best.link);
  }
  if (links.length === 0) return [];
  // Chains: follow a → b links from every leg that is no link's b.
  const next = new Map<string, LegLink[]>();
  const isB = new Set(links.map((l) => l.b));
  for (const l of links) {
    const list = next.get(l.a);
    if (list) list.push(l);
    else next.set(l.a, [l]);
  }
  const index = new Map(calls.map((c, i) => [c.callId, i]));
  const groups: LegGroup[] = [];
  for (const root of new Set(links.map((l) => l.a))) {
    if (isB.has(root)) continue;
    const legs = [root];
    const used: LegLink[] = [];
    for (let k = 0; k < legs.length; k++) {
      for (const l of next.get(legs[k]) ?? []) {
        if (legs.includes(l.b)) continue;
        legs.push(l.b);
        used.push(l);
      }
    }
    // Which leg failed first: the earliest final failure; the later ones passed it on.
    const failures = legs
      .map((id) => {
        const i = index.get(id)!;
        const f = finalOf(calls[i], summaries[i]);
        return f?.status !== undefined && f.status >= 300 && summaries[i].state !== 'answered' ? { callId: id, code: f.status, at: f.at, sender: f.src } : undefined;
      })
      .filter((x): x is NonNullable<typeof x> => x !== undefined)
      .sort((x, y) => x.at - y.at);
    const first = failures[0];
    groups.push({
      legs,
      links: used,
      ...(first ? { failedFirst: first } : {}),
      relayed: failures.slice(1).map((f) => ({ callId: f.callId, code: f.code, at: f.at, afterMs: Math.round(f.at - first!.at) })),
    });
  }
  return groups;
}

/** On each leg that only relayed a failure: where it really came from. */
export function relayFindings(groups: readonly LegGroup[]): (readonly [string, Finding])[] {
  const out: (readonly [string, Finding])[] = [];
  for (const g of groups) {
    const first = g.failedFirst;
    if (!first) continue;
    for (const r of g.relayed) {
      const hop = g.links.find((l) => l.a === r.callId || l.b === r.callId);
      out.push([r.callId, makeFinding('legs.relayed-failure', [
        `this leg's ${r.code} came ${r.afterMs} ms after leg ${first.callId} was answered ${first.code} by ${first.sender}`,
        `the legs are one call through ${hop?.via ?? 'a B2BUA'}: ${hop?.by.join('; ') ?? ''}`,
        `the failure started on leg ${first.callId}; this leg only passed it on`,
      ], { code: r.code })]);
    }
  }
  return out;
}

/** The rule: groups for the report, and the relayed-failure finding on each relaying leg. */
export const legsRule = (ctx: AcrossContext): { groups: LegGroup[]; perCall: (readonly [string, Finding])[] } => {
  const groups = linkLegs(ctx);
  return { groups, perCall: relayFindings(groups) };
};
