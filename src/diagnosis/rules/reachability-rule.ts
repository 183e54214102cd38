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

export const reachabilityRule: Rule = (ctx) => [...noResponse(ctx), ...noAck(ctx)];
