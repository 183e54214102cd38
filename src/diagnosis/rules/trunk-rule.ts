import { makeFinding } from '../catalogue.js';
import { audioMedia } from '../call-facts.js';
import type { Finding } from '../finding.js';
import type { Rule } from './rule.js';

/**
 * Where the trunk's configuration is part of the evidence (the edge's call records, or given to
 * the analyzer), a refusal can be tied to the setting that caused it.
 */
export const trunkRule: Rule = ({ evidence, summary }) => {
  const trunk = evidence.trunk;
  const code = summary.finalCode;
  if (!trunk || evidence.edgeCause || code === undefined) return [];
  const out: Finding[] = [];
  // SPEC §2: inbound, a trunk without destination URIs answers 480.
  if (code === 480 && evidence.direction === 'inbound' && trunk.destinationUris && trunk.destinationUris.length === 0) {
    out.push(makeFinding('routing.no-destination-uri', [`480 to the inbound call`, `trunk ${trunk.trunkSid} has no destination URI`]));
  }
  // SPEC §2: SRTP offered on a trunk without secure trunking is refused with 580.
  const offer = summary.offer;
  const encrypted = offer ? audioMedia(offer).some((m) => m.encrypted || /SAVP/i.test(m.protocol)) : false;
  if (code === 580 && encrypted && trunk.secureTrunking === false) {
    out.push(makeFinding('sip.580.srtp', [`580 to an SRTP offer`, `trunk ${trunk.trunkSid} has secure_trunking disabled`]));
  }
  if (code === 580 && offer && !encrypted && trunk.secureTrunking === true) {
    out.push(makeFinding('sip.580.srtp-required', [`580 to a plain RTP offer`, `trunk ${trunk.trunkSid} has secure_trunking enabled`]));
  }
  return out;
};
