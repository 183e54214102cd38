import { makeFinding } from '../catalogue.js';
import { TIMER_B_MS } from '../call-facts.js';
import type { Rule } from './rule.js';

/**
 * The guide's 408 row, "no SIP response — firewall / reachability": the request was sent again
 * and again (RFC 3261 §17.1.1.2 Timer A) and nothing at all came back before Timer B.
 */
export const reachabilityRule: Rule = ({ summary, evidence }) => {
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
};
