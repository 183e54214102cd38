import { makeFinding } from '../catalogue.js';
import { header } from '../call-facts.js';
import type { Finding } from '../finding.js';
import { sipCodeOrClass } from '../kb/sip-codes.js';
import { describeReason } from '../reason.js';
import type { Rule } from './rule.js';

/**
 * The guide's row for the code that ended the call (relayed or generated), with what was seen.
 * More specific rules may file the same code under a sharper id; the engine then drops this one.
 */
export const codesRule: Rule = ({ summary }) => {
  const final = summary.final;
  const code = summary.finalCode;
  if (!final || code === undefined || code < 300) return [];
  // A CANCEL answered by 487 is the caller hanging up before answer (RFC 3261 §9.1): no fault.
  if (code === 487 && summary.state === 'cancelled') return [];
  const known = sipCodeOrClass(code);
  if (!known) return [];
  const { entry, registered } = known;
  const evidence = [
    `${summary.method ?? 'request'} answered ${code} ${final.reason ?? entry.name} by ${final.src} at ${new Date(final.at).toISOString()}`,
  ];
  if (!registered) evidence.push(`${code} is not in the IANA registry; treated as ${entry.code} (RFC 3261 §8.1.3.2)`);
  if (summary.startAt !== undefined) evidence.push(`${final.at - summary.startAt} ms after the first ${summary.method}`);
  for (const name of ['reason', 'warning', 'retry-after', 'x-trunkline-finding']) {
    const v = header(final, name);
    if (v) evidence.push(name === 'reason' ? describeReason(v) : `${name.replace(/(^|-)\w/g, (s) => s.toUpperCase())}: ${v}`);
  }
  const findings: Finding[] = [];
  const retryAfter = header(final, 'retry-after');
  if (code === 503 && retryAfter) {
    // RFC 3261 §21.5.4: the server is overloaded or in maintenance; Retry-After says when to come back.
    findings.push(makeFinding('sip.503.retry-after', [...evidence, `retry after ${Number.parseInt(retryAfter, 10)} s`]));
  }
  // After the caller's CANCEL, whatever final answer came is a consequence of giving up, not a fault.
  const cancelled = summary.state === 'cancelled';
  if (cancelled) evidence.push('the caller had sent CANCEL');
  findings.push(makeFinding(`sip.${entry.code}`, evidence, { ...(registered ? {} : { code }), ...(cancelled ? { severity: 'info' as const } : {}) }));
  return findings;
};
