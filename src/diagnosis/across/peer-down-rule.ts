import { makeFinding } from '../catalogue.js';
import type { Finding } from '../finding.js';
import type { AcrossRule } from './across.js';

/** A keep-alive with no response for this long, while the capture went on, was not answered. */
const UNANSWERED_MS = 4000;
/** Keep-alives older than this before the call say nothing about the peer at call time. */
const LOOKBACK_MS = 10 * 60_000;

interface Ping {
  readonly at: number;
  readonly answered: boolean;
  readonly callId: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * OPTIONS keep-alives (RFC 3261 §11, the "qualify" PBXs send to their trunk peers) to a peer went
 * unanswered, and then a call to the same peer got no answer (timed out) or a 408/503: the peer
 * was down or unreachable before the call was placed; the call only found out.
 */
export const peerDownRule: AcrossRule = ({ calls, summaries }) => {
  const pings = new Map<string, Ping[]>();
  calls.forEach((c, i) => {
    const sum = summaries[i];
    if (sum.method !== 'OPTIONS' || !sum.request) return;
    const q = sum.request;
    const answered = c.messages.some((m) => m.kind === 'response' && m.method === 'OPTIONS');
    // Unanswered only when the capture went on long enough to have seen an answer.
    if (!answered && sum.observedUntil - q.at < UNANSWERED_MS) return;
    const list = pings.get(q.dst);
    const p = { at: q.at, answered, callId: c.callId };
    if (list) list.push(p);
    else pings.set(q.dst, [p]);
  });
  if (pings.size === 0) return {};
  for (const list of pings.values()) list.sort((a, b) => a.at - b.at);
  const out: (readonly [string, Finding])[] = [];
  calls.forEach((c, i) => {
    const sum = summaries[i];
    if (sum.method !== 'INVITE' || !sum.request) return;
    const failed = sum.state === 'timed-out' || sum.finalCode === 408 || sum.finalCode === 503;
    if (!failed) return;
    const q = sum.request;
    const before = (pings.get(q.dst) ?? []).filter((p) => p.at < q.at && q.at - p.at <= LOOKBACK_MS);
    if (before.length === 0 || before[before.length - 1].answered) return;
    // The unanswered run just before the call, and the last answer before it, if any.
    let k = before.length - 1;
    while (k > 0 && !before[k - 1].answered) k--;
    const run = before.slice(k);
    const lastAnswered = k > 0 ? before[k - 1] : undefined;
    const outcome = sum.state === 'timed-out' ? 'got no response (Timer B)' : `was answered ${sum.finalCode}`;
    out.push([c.callId, makeFinding('reachability.peer-down', [
      `${run.length} OPTIONS keep-alive(s) to ${q.dst} between ${iso(run[0].at)} and ${iso(run[run.length - 1].at)} got no response`,
      lastAnswered ? `the last answered keep-alive to ${q.dst} was at ${iso(lastAnswered.at)}` : `no keep-alive to ${q.dst} was answered in the capture`,
      `then the INVITE to ${q.dst} at ${iso(q.at)} ${outcome}: the peer was already down or unreachable`,
    ])]);
  });
  return { perCall: out };
};
