import { makeFinding } from '../catalogue.js';
import { TIMER_B_MS } from '../call-facts.js';
import type { Finding } from '../finding.js';
import type { Rule, RuleContext } from './rule.js';

/**
 * The guide's 408 row, "no SIP response — firewall / reachability": the request was sent again
 * and again (RFC 3261 §17.1.1.2 Timer A) and nothing at all came back before Timer B.
 */
function noResponse({ summary, evidence }: RuleContext): Finding[] {
  if (summary.state !== 'timed-out' || !summary.request) return [];
  const req = summary.request;
  const lastCseq = Math.max(...evidence.messages.filter((m) => m.kind === 'request' && m.method === req.method && m.src === req.src).map((m) => m.cseq));
  const sends = evidence.messages.filter((m) => m.kind === 'request' && m.method === req.method && m.src === req.src && m.cseq === lastCseq);
  const first = sends[0];
  const last = sends[sends.length - 1];
  const dsts = [...new Set(sends.map((m) => `${m.dst} over ${m.transport}`))];
  return [makeFinding('reachability.no-response', [
    `${req.method} sent ${sends.length} time(s) to ${dsts.join(', ')} between ${new Date(first.at).toISOString()} and ${new Date(last.at).toISOString()}`,
    `no response at all within ${((summary.observedUntil - first.at) / 1000).toFixed(1)} s (Timer B is ${TIMER_B_MS / 1000} s)`,
  ], req.method === 'INVITE' ? {} : { title: `No response to the ${req.method}: destination unreachable` })];
}

/**
 * RFC 3261 §13.3.1.4: the UAS retransmits its 2xx until the ACK arrives and ends the call when
 * 64·T1 passes without one — the "call drops after 32 seconds" of a NAT that loses the ACK.
 */
function noAck({ summary, evidence }: RuleContext): Finding[] {
  const ok = summary.final;
  if (summary.state !== 'answered' || summary.method !== 'INVITE' || !ok || summary.answerAt === undefined) return [];
  // An ACK the capture lost in a hole of a TCP stream was still sent.
  if (evidence.signalingGaps?.length) return [];
  if (evidence.messages.some((m) => m.kind === 'request' && m.method === 'ACK' && m.cseq === ok.cseq)) return [];
  const copies = evidence.messages.filter((m) => m.kind === 'response' && m.method === 'INVITE' && m.cseq === ok.cseq && m.status === ok.status);
  const lasted = (summary.endAt ?? summary.observedUntil) - summary.answerAt;
  // Only a retransmitted 2xx with the whole Timer H window observed is proof; less may be a cut-off capture.
  if (copies.length < 2 || lasted < TIMER_B_MS - 4000) return [];
  const bye = evidence.messages.find((m) => m.kind === 'request' && m.method === 'BYE' && m.at >= summary.answerAt!);
  return [makeFinding('reachability.no-ack', [
    `${ok.status} ${ok.reason ?? 'OK'} sent ${copies.length} time(s) from ${ok.src} to ${ok.dst} between ${new Date(copies[0].at).toISOString()} and ${new Date(copies[copies.length - 1].at).toISOString()}`,
    'no ACK for it was seen',
    bye ? `BYE from ${bye.src} ${((bye.at - summary.answerAt) / 1000).toFixed(1)} s after answer` : `the call was still up ${(lasted / 1000).toFixed(1)} s after answer without an ACK`,
  ])];
}

/** A retransmission this long after a response passed is not one that crossed it in flight. */
const CROSSING_MS = 200;

/**
 * Where the capture stood: the sender kept retransmitting a request (RFC 3261 §17.1.1.2 Timer A for
 * an INVITE stops at the first provisional; §17.1.2.2 Timer E for other requests stops at the
 * final answer) although the capture saw the answer go back to it. The answers are lost between the
 * capture point and the sender: its NAT or firewall, or a Via/rport it cannot be reached at.
 */
function responsesLost({ evidence }: RuleContext): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const q of evidence.messages) {
    if (q.kind !== 'request' || q.method === 'ACK') continue;
    const key = `${q.method} ${q.cseq} ${q.src} ${q.branch ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const sends = evidence.messages.filter((m) => m.kind === 'request' && m.method === q.method && m.cseq === q.cseq && m.src === q.src && (m.branch ?? '') === (q.branch ?? ''));
    const stopper = evidence.messages.find(
      (m) => m.kind === 'response' && m.method === q.method && m.cseq === q.cseq && m.dst === q.src && m.status !== undefined && (q.method === 'INVITE' ? m.status >= 100 : m.status >= 200),
    );
    if (!stopper) continue;
    const after = sends.filter((m) => m.at - stopper.at >= CROSSING_MS);
    if (after.length < 2) continue;
    out.push(makeFinding('reachability.responses-lost', [
      `${q.method} (CSeq ${q.cseq}) from ${q.src} sent ${sends.length} time(s); ${after.length} of them after ${stopper.status} ${stopper.reason ?? ''} from ${stopper.src} had passed the capture point at ${new Date(stopper.at).toISOString()}`.replace('  ', ' '),
      `RFC 3261 §17.1: a sender that received the ${stopper.status} would have stopped retransmitting: the responses are lost between the capture point and ${q.src}`,
    ]));
    break;
  }
  return out;
}

export const reachabilityRule: Rule = (ctx) => [...noResponse(ctx), ...noAck(ctx), ...responsesLost(ctx)];
