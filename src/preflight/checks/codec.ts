import { checkOffer, describePayload, parseSdp, payloadsOf } from '../../sdp/index.js';
import type { PreflightSip } from '../sip-client.js';
import { ITEMS, type CheckResult } from '../types.js';

/**
 * The guide's codec rule (§7, §9 "G.711 A-law enabled"): the PBX's offer must carry PCMA/8000,
 * "no other codec is forced ahead of it" and transcoding is best off. Judged with the same rule
 * the edge applies to a real INVITE (src/sdp checkOffer), on the SDP the PBX would send.
 */
const ENABLE = 'enable G.711 A-law (PCMA/8000) in the PBX\'s codec list for this trunk, first in the order, and disable transcoding';

export function checkOfferFile(sdp: string | undefined, source = 'the offer'): CheckResult {
  const base = { id: 'codec.pcma-first', item: ITEMS.codec };
  if (sdp === undefined) {
    return { ...base, status: 'skip', seen: 'no SDP of your PBX given: the codec order was not checked (the echo call used PCMA)', change: 'run again with --sdp FILE holding an INVITE SDP your PBX sends (from its SIP log or a capture), or --pbx HOST[:PORT] if it answers OPTIONS with its SDP' };
  }
  const verdict = checkOffer(sdp);
  let order = '';
  try {
    order = parseSdp(sdp).media.filter((m) => m.type === 'audio').map((m) => payloadsOf(m).map(describePayload).join(', ')).join(' | ');
  } catch {
    // checkOffer reports the unparseable SDP below.
  }
  if (!verdict.ok) {
    const seen: Record<typeof verdict.cause, string> = {
      'not-sdp': 'the file is not an SDP session description (no v=0 / o= line)',
      'no-audio': `${source} has no active audio stream (the edge answers 606)`,
      'srtp-not-allowed': 'the offer asks for SRTP (RTP/SAVP) on a trunk without secure trunking (the edge answers 580)',
      'srtp-required': 'the offer has no SRTP but the trunk requires it (the edge answers 580)',
      preconditions: 'the offer makes QoS preconditions mandatory (the edge answers 580)',
      'no-pcma': `${source} has no G.711 A-law: it offers ${verdict.cause === 'no-pcma' ? verdict.offered.join(', ') || 'nothing' : ''} (the edge answers 488 with Warning 305)`,
    };
    const change = verdict.cause === 'srtp-not-allowed' ? 'disable SRTP for this trunk in the PBX, or enable secure_trunking on the trunk'
      : verdict.cause === 'preconditions' ? 'turn off mandatory QoS preconditions (RFC 3312) for this trunk in the PBX'
        : verdict.cause === 'not-sdp' ? 'give the SDP body of an INVITE (the lines from v=0 on)' : ENABLE;
    return { ...base, status: 'fail', seen: seen[verdict.cause], change };
  }
  const ahead = verdict.warnings.find((w) => w.cause === 'codec-ahead-of-pcma');
  if (ahead) {
    return { ...base, status: 'warn', seen: `${source}: PCMA is offered but ${ahead.ahead.join(', ')} ${ahead.ahead.length > 1 ? 'are' : 'is'} forced ahead of it (offer order: ${order})`, change: `move PCMA/8000 first in the PBX's codec list for this trunk ("no other codec is forced ahead of it") and disable transcoding` };
  }
  return { ...base, status: 'pass', seen: `${source}: PCMA is offered first (order: ${order})` };
}

/**
 * RFC 3261 §11.2: an OPTIONS answer may carry the SDP the UA would offer. Asks the PBX (--pbx)
 * for it and judges that offer; a PBX that answers without SDP leaves the item to --sdp.
 */
export async function checkPbxOptions(sip: PreflightSip, pbx: PbxTarget, timeoutMs: number): Promise<CheckResult> {
  const base = { id: 'codec.pcma-first', item: ITEMS.codec };
  const host = pbx.host.includes(':') ? `[${pbx.host}]` : pbx.host;
  const uri = `sip:${host}:${pbx.port}`;
  const req = sip.request('OPTIONS', uri, `sip:preflight@${sip.localAddress.includes(':') ? `[${sip.localAddress}]` : sip.localAddress}`, uri, pbx.protocol, [['Accept', 'application/sdp']]);
  const x = await sip.send(req, { protocol: pbx.protocol, address: pbx.host, port: pbx.port }, timeoutMs);
  const where = `the PBX at ${pbx.protocol.toUpperCase()} ${host}:${pbx.port}`;
  if (!x.response) return { ...base, status: 'warn', seen: `${where} did not answer OPTIONS (${x.error}): its codec order was not checked`, change: 'check --pbx, or give --sdp FILE with an INVITE SDP from the PBX' };
  const r = x.response;
  const body = r.body.toString('utf8');
  if (r.status >= 300 || !/^v=0/m.test(body)) {
    return { ...base, status: 'skip', seen: `${where} answered OPTIONS ${r.status} ${r.reason} without SDP: its codec order was not checked`, change: 'give --sdp FILE with an INVITE SDP from the PBX (its SIP log or a capture)' };
  }
  return checkOfferFile(body, `${where}'s OPTIONS answer`);
}

export interface PbxTarget {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'udp' | 'tcp';
}
