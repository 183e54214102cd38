import { hostOf } from '../address.js';
import { header } from '../call-facts.js';
import { makeFinding } from '../catalogue.js';
import type { SipEventEvidence } from '../evidence.js';
import type { Finding } from '../finding.js';
import { uriUser, type AcrossFinding, type AcrossRule } from './across.js';

/**
 * User-Agents of SIP scanning and cracking tools as they announce themselves: SIPVicious
 * ("friendly-scanner", "sipvicious"), sipcli, SIPScan, VaxSIPUserAgent, sundayddr, iWar, smap.
 */
const SCANNER_UA = /friendly-scanner|sipvicious|sipcli|sipscan|vaxsipuseragent|sundayddr|\biwar\b|\bsmap\b/i;
/** A sweep without a scanner's name: one source probing this many endpoints in a minute. */
const SWEEP_TARGETS = 10;
const SWEEP_WINDOW_MS = 60_000;
/** Extension enumeration: this many users tried from one source on one server, most not found. */
const ENUM_USERS = 10;
const ENUM_WINDOW_MS = 5 * 60_000;
/** Password guessing: this many refused credentials for one user from one source within the window. */
const GUESS_FAILURES = 5;
const GUESS_WINDOW_MS = 60_000;

/**
 * ITU-T E.164 country codes where international revenue-share fraud concentrates: the global
 * "international networks" and satellite codes (+870 Inmarsat, +881 GMSS, +882/+883 international
 * networks) and +979 (international premium rate). Numbers are read as E.164 after "+", "00" or "011".
 */
const HIGH_COST = [/^870/, /^881/, /^882/, /^883/, /^979/];

export function highCostNumber(user: string | undefined): string | undefined {
  if (!user) return undefined;
  const digits = user.replace(/[\s().-]/g, '');
  const e164 = /^\+(\d+)$/.exec(digits)?.[1] ?? /^00(\d+)$/.exec(digits)?.[1] ?? /^011(\d+)$/.exec(digits)?.[1];
  return e164 && HIGH_COST.some((p) => p.test(e164)) ? `+${e164}` : undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();

interface Request {
  readonly q: SipEventEvidence;
  readonly callId: string;
  /** The final response to it (same method and CSeq), if any. */
  readonly final?: SipEventEvidence;
  // Read once per request: every rule below groups by them.
  readonly srcHost: string;
  readonly dstHost: string;
  readonly toUser: string | undefined;
  readonly fromUser: string | undefined;
}

/** f memoised by its string argument: a capture repeats the same URIs and endpoints thousands of times. */
function memo<T>(f: (s: string) => T): (s: string | undefined) => T | undefined {
  const cache = new Map<string, T>();
  return (s) => {
    if (s === undefined) return undefined;
    let v = cache.get(s);
    if (v === undefined && !cache.has(s)) cache.set(s, (v = f(s)));
    return v;
  };
}

function requestsOf(calls: Parameters<AcrossRule>[0]['calls']): Request[] {
  const out: Request[] = [];
  const host = memo(hostOf);
  const user = memo(uriUser);
  for (const c of calls) {
    for (const q of c.messages) {
      if (q.kind !== 'request' || q.method === 'ACK' || q.method === 'CANCEL') continue;
      // A retransmission is the same request.
      if (out.length && out[out.length - 1].callId === c.callId && out[out.length - 1].q.cseq === q.cseq && out[out.length - 1].q.method === q.method) continue;
      const final = c.messages.find((m) => m.kind === 'response' && m.method === q.method && m.cseq === q.cseq && m.status !== undefined && m.status >= 200 && m.at >= q.at);
      const base = { q, callId: c.callId, srcHost: host(q.src) ?? q.src, dstHost: host(q.dst) ?? q.dst, toUser: user(q.to), fromUser: user(q.from) };
      out.push(final ? { ...base, final } : base);
    }
  }
  return out.sort((a, b) => a.q.at - b.q.at);
}

const hasCredentials = (m: SipEventEvidence): boolean => header(m, 'authorization') !== undefined || header(m, 'proxy-authorization') !== undefined;

function group<T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    if (k === undefined) continue;
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/**
 * The window of `windowMs` (items sorted by time) holding the most distinct keys, found in one
 * sliding pass with a count per key: a capture of 10 000 calls from one host costs O(n), not O(n²).
 */
function densest<T>(items: readonly T[], at: (t: T) => number, windowMs: number, key: (t: T) => string | undefined): T[] {
  const counts = new Map<string, number>();
  let bestSize = 0;
  let best: [number, number] = [0, -1];
  let lo = 0;
  for (let hi = 0; hi < items.length; hi++) {
    const k = key(items[hi]) ?? '';
    counts.set(k, (counts.get(k) ?? 0) + 1);
    while (at(items[hi]) - at(items[lo]) > windowMs) {
      const kl = key(items[lo]) ?? '';
      const n = (counts.get(kl) ?? 1) - 1;
      if (n === 0) counts.delete(kl);
      else counts.set(kl, n);
      lo++;
    }
    if (counts.size > bestSize) {
      bestSize = counts.size;
      best = [lo, hi];
    }
  }
  return items.slice(best[0], best[1] + 1);
}

/**
 * Security signals that only many dialogs show: a scanner (its User-Agent, or a sweep of many
 * endpoints), extension enumeration (many users tried, most unknown), password guessing (refused
 * credentials in quick succession, and whether one finally worked), and a call to a high-cost
 * destination by a source or an extension that such signs point at. The dialogs that make up the
 * attack carry the finding; their own findings (404, "wrong credentials") describe the attack,
 * not a configuration fault, and are listed as attack traffic instead.
 */
/**
 * One cheap pass before any work: every signal needs a scanner's User-Agent, refused or unknown
 * users (401/403/404/407/604), or one source reaching SWEEP_TARGETS endpoints. A capture of
 * ordinary calls (the common case, and a large one) allocates nothing here.
 */
function mayHoldSigns(calls: Parameters<AcrossRule>[0]['calls']): boolean {
  const targets = new Map<string, Set<string>>();
  for (const c of calls) {
    for (const m of c.messages) {
      if (m.kind === 'response') {
        if (m.status === 401 || m.status === 403 || m.status === 404 || m.status === 407 || m.status === 604) return true;
        continue;
      }
      if (SCANNER_UA.test(header(m, 'user-agent') ?? '')) return true;
      const host = hostOf(m.src);
      let t = targets.get(host);
      if (!t) targets.set(host, (t = new Set()));
      if (t.size < SWEEP_TARGETS) t.add(m.dst);
      else return true;
    }
  }
  return false;
}

export const securityRule: AcrossRule = ({ calls }) => {
  if (!mayHoldSigns(calls)) return {};
  const reqs = requestsOf(calls);
  if (reqs.length === 0) return {};
  const capture: AcrossFinding[] = [];
  const perCall: (readonly [string, Finding])[] = [];
  const attack = new Set<string>();
  /** Source hosts and users the signs point at, with when they were first seen. */
  const suspectHosts = new Map<string, { at: number; what: string }[]>();
  const suspectUsers = new Map<string, { at: number; what: string }[]>();
  const suspect = (m: Map<string, { at: number; what: string }[]>, k: string, at: number, what: string): void => {
    m.set(k, [...(m.get(k) ?? []), { at, what }]);
  };
  const bySource = group(reqs, (r) => r.srcHost);

  // Scanners: a scanner's User-Agent, or a sweep of many endpoints in a minute.
  for (const [host, list] of bySource) {
    const named = list.filter((r) => SCANNER_UA.test(header(r.q, 'user-agent') ?? ''));
    const sweep = densest(list, (r) => r.q.at, SWEEP_WINDOW_MS, (r) => r.q.dst);
    const targets = new Set(sweep.map((r) => r.q.dst));
    if (named.length === 0 && targets.size < SWEEP_TARGETS) continue;
    const ua = named.length ? header(named[0].q, 'user-agent') : undefined;
    const probed = new Set((named.length ? named : sweep).map((r) => r.q.dst));
    const methods = [...new Set((named.length ? named : sweep).map((r) => r.q.method))].join('/');
    const ids = [...new Set((named.length ? named : sweep).map((r) => r.callId))];
    const first = (named.length ? named : sweep)[0].q.at;
    capture.push({
      finding: makeFinding('security.scanner', [
        `${host} sent ${named.length || sweep.length} ${methods} request(s) to ${probed.size} endpoint(s) (${[...probed].slice(0, 6).join(', ')}${probed.size > 6 ? ', …' : ''}) from ${iso(first)}`,
        ua ? `User-Agent: ${ua} — a SIP scanning tool's own name` : `${targets.size} endpoints probed within ${SWEEP_WINDOW_MS / 1000} s`,
      ]),
      callIds: ids,
    });
    for (const id of ids) attack.add(id);
    suspect(suspectHosts, host, first, `scanner at ${iso(first)}`);
  }

  // Extension enumeration: many users tried on one server from one source, most of them unknown.
  for (const [key, list] of group(reqs, (r) => `${r.srcHost}>${r.dstHost}`)) {
    // Fewer users than the threshold in the whole capture: no window can hold more.
    if (new Set(list.map((r) => r.toUser)).size < ENUM_USERS) continue;
    const win = densest(list, (r) => r.q.at, ENUM_WINDOW_MS, (r) => r.toUser);
    const users = group(win, (r) => r.toUser);
    if (users.size < ENUM_USERS) continue;
    const unknown = [...users].filter(([, rs]) => rs.some((r) => r.final?.status === 404 || r.final?.status === 604));
    if (unknown.length < users.size / 2) continue;
    const found = [...users].filter(([, rs]) => rs.some((r) => r.final?.status !== undefined && r.final.status !== 404 && r.final.status !== 604)).map(([u]) => u);
    const [src, dst] = key.split('>');
    capture.push({
      finding: makeFinding('security.extension-enumeration', [
        `${src} tried ${users.size} users on ${dst} between ${iso(win[0].q.at)} and ${iso(win[win.length - 1].q.at)}: ${unknown.length} answered 404 (unknown)`,
        found.length ? `the server told it which exist (answered other than 404): ${found.slice(0, 10).join(', ')}` : 'no user answered other than 404',
      ], found.length ? { severity: 'error' } : {}),
      callIds: [...new Set(win.map((r) => r.callId))],
    });
    for (const r of win) attack.add(r.callId);
    suspect(suspectHosts, src, win[0].q.at, `extension enumeration at ${iso(win[0].q.at)}`);
    for (const u of found) suspect(suspectUsers, u, win[0].q.at, `found by enumeration at ${iso(win[0].q.at)}`);
  }

  // Password guessing: credentials for one user refused again and again in quick succession.
  for (const [key, list] of group(reqs, (r) => (r.fromUser && hasCredentials(r.q) ? `${r.srcHost}>${r.fromUser}` : undefined))) {
    const refused = list.filter((r) => r.final?.status === 401 || r.final?.status === 403 || r.final?.status === 407);
    // Every attempt counts: a key unique to the request.
    const burst = densest(refused, (r) => r.q.at, GUESS_WINDOW_MS, (r) => `${r.callId} ${r.q.cseq} ${r.q.at}`);
    if (burst.length < GUESS_FAILURES) continue;
    const [src, user] = key.split('>');
    const success = list.find((r) => r.final?.status !== undefined && r.final.status >= 200 && r.final.status < 300 && r.q.at >= burst[0].q.at);
    capture.push({
      finding: makeFinding('security.password-guessing', [
        `${src} sent credentials for ${user} ${burst.length} times between ${iso(burst[0].q.at)} and ${iso(burst[burst.length - 1].q.at)}, refused each time (${[...new Set(burst.map((r) => r.final?.status))].join('/')})`,
        success
          ? `then a ${success.q.method} with credentials for ${user} was accepted (${success.final?.status}) at ${iso(success.final?.at ?? success.q.at)}: the password was guessed`
          : 'no attempt in the capture was accepted',
      ], success ? { severity: 'critical', title: `Password guessed: ${user}'s credentials were found by trial and accepted` } : {}),
      callIds: [...new Set([...burst, ...(success ? [success] : [])].map((r) => r.callId))],
    });
    for (const r of burst) attack.add(r.callId);
    if (success) attack.add(success.callId);
    suspect(suspectHosts, src, burst[0].q.at, `password guessing at ${iso(burst[0].q.at)}`);
    suspect(suspectUsers, user, burst[0].q.at, success ? `password guessed at ${iso(success.q.at)}` : `password guessing at ${iso(burst[0].q.at)}`);
  }

  // Calls to high-cost destinations by a suspect source or extension, after the signs.
  for (const r of suspectHosts.size + suspectUsers.size > 0 ? reqs : []) {
    if (r.q.method !== 'INVITE' || r.q.toTag) continue;
    const dialled = highCostNumber(uriUser(r.q.requestUri) ?? r.toUser);
    if (!dialled) continue;
    const fromUser = r.fromUser;
    const sign = [
      ...(suspectHosts.get(hostOf(r.q.src)) ?? []).filter((x) => x.at <= r.q.at).map((x) => `its source ${hostOf(r.q.src)}: ${x.what}`),
      ...(fromUser ? (suspectUsers.get(fromUser) ?? []) : []).filter((x) => x.at <= r.q.at).map((x) => `its caller ${fromUser}: ${x.what}`),
    ];
    if (sign.length === 0 || perCall.some(([id, f]) => id === r.callId && f.id === 'security.high-cost-call')) continue;
    // The call's outcome: the final answer to its last INVITE (after any challenge).
    const last = [...reqs].reverse().find((x) => x.callId === r.callId && x.q.method === 'INVITE' && !x.q.toTag);
    const final = last?.final ?? r.final;
    const finalText = final ? `answered ${final.status}${final.reason ? ` ${final.reason}` : ''}` : 'no final answer seen';
    perCall.push([r.callId, makeFinding('security.high-cost-call', [
      `INVITE to ${dialled} (a high-cost international code) from ${r.q.src} at ${iso(r.q.at)}, ${finalText}`,
      ...sign.map((s) => `after attack signs — ${s}`),
    ])]);
  }
  for (const f of capture) for (const id of f.callIds) perCall.push([id, f.finding]);
  return { capture, perCall, attack: [...attack] };
};
