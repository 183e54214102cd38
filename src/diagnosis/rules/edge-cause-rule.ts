import { makeFinding, findingSpec } from '../catalogue.js';
import { header } from '../call-facts.js';
import { detailText, edgeCause, edgeCauseText } from '../edge-causes.js';
import type { Rule } from './rule.js';

/**
 * The edge knows why it refused a call (evidence.edgeCause); a capture of a trunkline refusal
 * carries the same knowledge in X-Trunkline-Finding. Either way the finding is the edge's own.
 */
export const edgeCauseRule: Rule = ({ evidence, summary }) => {
  const final = summary.final;
  if (evidence.edgeCause) {
    const entry = edgeCause(evidence.edgeCause);
    if (!entry) return [makeFinding('edge.unknown-cause', [`edge cause "${evidence.edgeCause}"`])];
    const details = evidence.edgeCauseDetails ?? {};
    const lines = [
      entry.sends === 'bye'
        ? `the edge ended the call with BYE, Reason: SIP;cause=${entry.status};text="${edgeCauseText(entry.cause, details)}"`
        : `the edge refused with ${entry.status} ${entry.phrase}: ${edgeCauseText(entry.cause, details)}`,
      ...Object.entries(details).map(([k, v]) => `${k}: ${detailText(v)}`),
    ];
    if (final && final.status !== undefined && final.status !== entry.status && entry.sends === 'response') lines.push(`final response seen: ${final.status}`);
    return [makeFinding(entry.findingId, lines, entry.sends === 'response' ? { code: entry.status } : {})];
  }
  const id = header(final, 'x-trunkline-finding');
  if (final && id && findingSpec(id)) {
    return [makeFinding(id, [
      `${final.status} ${final.reason ?? ''}`.trim() + ` from ${final.src} carried X-Trunkline-Finding: ${id}`,
      ...['reason', 'warning'].flatMap((h) => (header(final, h) ? [`${h === 'reason' ? 'Reason' : 'Warning'}: ${header(final, h)}`] : [])),
    ], { code: final.status })];
  }
  return [];
};
