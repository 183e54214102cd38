import { hostOf, inCidr } from '../address.js';
import { makeFinding } from '../catalogue.js';
import { header } from '../call-facts.js';
import type { SipEventEvidence } from '../evidence.js';
import type { Finding } from '../finding.js';
import { describeReason, parseReason } from '../reason.js';
import { attempts } from './auth-rule.js';
import type { Rule } from './rule.js';

// Words that point at the source address itself: a refusal that says them supports an ACL miss.
const ACL_WORDS = /\b(ip|acl|address(es)?|white-?list\w*|black-?list\w*|not allowed|not permitted|source|unauthori[sz]ed host)\b/i;

/**
 * What a 403 says about its own cause, besides the code: a Reason (RFC 3326) with a cause or
 * text, a Warning (RFC 3261 §20.43), or a reason phrase other than the bare "Forbidden". Lines
 * that point at the source address (ACL_WORDS) support an ACL miss; any other says the refusal
 * was for something else (a Q.850 cause such as 21 "call rejected", "nocallee", a decline).
 */
function statedCause(final: SipEventEvidence): { readonly acl: string[]; readonly other: string[] } {
  const acl: string[] = [];
  const other: string[] = [];
  const put = (line: string, text: string) => (ACL_WORDS.test(text) ? acl : other).push(line);
  for (const v of final.headers?.['reason'] ?? []) {
    const r = parseReason(v);
    // "SIP;cause=403" alone only repeats the status code; a Q.850 cause or a text says why.
    if (r.text !== undefined || (r.cause !== undefined && !/^sip$/i.test(r.protocol))) put(describeReason(v), `${r.text ?? ''} ${r.meaning ?? ''}`);
  }
  for (const v of final.headers?.['warning'] ?? []) put(`Warning: ${v}`, v);
  const phrase = (final.reason ?? '').trim();
  if (phrase && !/^forbidden$/i.test(phrase)) put(`reason phrase "${phrase}"`, phrase);
  return { acl, other };
}

/**
 * The guide's 403 row: "IP not allowed — ACL / whitelisted IP". With the trunk's whitelist at
 * hand it is a fact; from a capture alone, a 403 that comes right after the INVITE, before any
 * ringing and without a challenge, and saying nothing else about its cause, is the signature of
 * an ACL miss. A 403 that names another cause is reported with that cause (sip.403.stated-cause).
 */
export const aclRule: Rule = (ctx) => {
  const { summary, evidence, thresholds } = ctx;
  if (evidence.edgeCause || summary.finalCode !== 403 || summary.method !== 'INVITE' || !summary.final) return [];
  if (header(summary.final, 'x-trunkline-finding')) return []; // the edge said exactly why: edge-cause rule
  const list = attempts(ctx);
  if (list.some((a) => a.credentials)) return []; // the auth rule's business
  const first = list[list.length - 1]?.request ?? summary.request!;
  const source = first.src;
  const trunk = evidence.trunk;
  const out: Finding[] = [];
  if (trunk?.whitelistedCidrs?.length) {
    const match = trunk.whitelistedCidrs.find((c) => inCidr(hostOf(source), c));
    if (!match) {
      out.push(makeFinding('acl.not-whitelisted', [
        `403 Forbidden from ${summary.final.src} to the INVITE from ${source}`,
        `${hostOf(source)} is in none of the whitelisted ranges of trunk ${trunk.trunkSid}: ${trunk.whitelistedCidrs.join(', ')}`,
      ]));
    } else if (trunk.status === 'inactive') {
      out.push(makeFinding('trunk.inactive', [`403 Forbidden to the INVITE from ${source} (whitelisted by ${match})`, `trunk ${trunk.trunkSid} is inactive`]));
    }
    return out;
  }
  const delay = summary.final.at - first.at;
  const rang = evidence.messages.some((m) => m.kind === 'response' && m.method === 'INVITE' && m.status! > 100 && m.status! < 200);
  const stated = statedCause(summary.final);
  const when = `${Math.round(delay)} ms after the INVITE from ${source}`;
  if (stated.other.length && !stated.acl.length) {
    out.push(makeFinding('sip.403.stated-cause', [
      `403 ${summary.final.reason ?? 'Forbidden'} from ${summary.final.src} ${when}`,
      ...stated.other,
      'the far end said why it refused the call, and it is not the source address: not an ACL miss',
    ]));
    return out;
  }
  if (evidence.sourceAcceptedBefore) {
    // The ACL let this source through before: the refusal is about this call, not the address.
    out.push(makeFinding('sip.403', [
      `403 ${summary.final.reason ?? 'Forbidden'} from ${summary.final.src} ${when}`,
      `the same source was accepted before: ${evidence.sourceAcceptedBefore}`,
      'not an ACL miss: the whitelist let this address through',
    ], { title: '403 Forbidden to a source the server accepted before (not an ACL miss)', fault_domain: 'far-end' }));
    return out;
  }
  if (delay <= thresholds.aclWindowMs && !rang) {
    out.push(makeFinding('acl.not-whitelisted', [
      `403 Forbidden from ${summary.final.src} ${when}, before any ringing and without an authentication challenge`,
      `the source address ${hostOf(source)} is most likely not in the trunk's whitelisted IPs`,
      ...stated.acl,
    ]));
  }
  return out;
};
