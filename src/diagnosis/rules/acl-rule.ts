import { hostOf, inCidr } from '../address.js';
import { makeFinding } from '../catalogue.js';
import { header } from '../call-facts.js';
import type { Finding } from '../finding.js';
import { attempts } from './auth-rule.js';
import type { Rule } from './rule.js';

/**
 * The guide's 403 row: "IP not allowed — ACL / whitelisted IP". With the trunk's whitelist at
 * hand it is a fact; from a capture alone, a 403 that comes right after the INVITE, before any
 * ringing and without a challenge, is the signature of an ACL miss.
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
  if (delay <= thresholds.aclWindowMs && !rang) {
    out.push(makeFinding('acl.not-whitelisted', [
      `403 Forbidden from ${summary.final.src} ${delay} ms after the INVITE from ${source}, before any ringing and without an authentication challenge`,
      `the source address ${hostOf(source)} is most likely not in the trunk's whitelisted IPs`,
      ...(header(summary.final, 'reason') ? [`Reason: ${header(summary.final, 'reason')}`] : []),
    ]));
  }
  return out;
};
