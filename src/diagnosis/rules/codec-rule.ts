import { makeFinding } from '../catalogue.js';
import { audioMedia, codecName, describeOffer, isPcma, isVoice } from '../call-facts.js';
import type { SdpEvidence, SipEventEvidence } from '../evidence.js';
import type { Finding } from '../finding.js';
import type { Rule, RuleContext } from './rule.js';

// The guide's §7: G.711 A-law only, nothing forced ahead of it, no transcoding; failures show as 415/488.

function offersPcma(sdp: SdpEvidence): boolean {
  return audioMedia(sdp).some((m) => m.port !== 0 && m.payloads.some(isPcma));
}

function finalFailure({ summary }: RuleContext): SipEventEvidence | undefined {
  return summary.final && summary.finalCode !== undefined && summary.finalCode >= 400 ? summary.final : undefined;
}

function rejectionFindings(ctx: RuleContext): Finding[] {
  const final = finalFailure(ctx);
  if (!final) return [];
  const code = final.status;
  const offer = ctx.summary.offer;
  const request = ctx.summary.request;
  const out: Finding[] = [];
  const usable = offer ? audioMedia(offer).some((m) => m.port !== 0) : false;
  if ((code === 488 || code === 606 || code === 415) && offer && usable && !offersPcma(offer)) {
    out.push(makeFinding('sip.488.no-pcma', [`${code} ${final.reason ?? ''}`.trim() + ` from ${final.src}`, `offered: ${describeOffer(offer)}`, 'PCMA/8000 (PT 8) was not offered'], { code }));
  }
  if (code === 415) {
    const types = ctx.evidence.messages.filter((m) => m.kind === 'request' && m.method === request?.method && m.contentType);
    const notSdp = types.find((m) => !/^application\/sdp\b/i.test(m.contentType ?? ''));
    if (notSdp) out.push(makeFinding('sip.415.not-sdp', [`415 from ${final.src}`, `the ${notSdp.method} body was Content-Type: ${notSdp.contentType}`]));
  }
  if ((code === 606 || code === 488) && offer && !usable) {
    out.push(makeFinding(`sip.${code}.no-usable-media`, [`${code} ${final.reason ?? ''}`.trim() + ` from ${final.src}`, `offered: ${describeOffer(offer)}`, 'no audio stream with a non-zero port']));
  }
  if (code === 580 && offer) {
    const encrypted = offer.media.filter((m) => m.encrypted || /SAVP/i.test(m.protocol));
    if (encrypted.length) {
      out.push(makeFinding('sip.580.srtp', [`580 from ${final.src}`, `offer is encrypted: ${encrypted.map((m) => `${m.type} ${m.protocol}${m.encrypted ? ' with a=crypto/fingerprint' : ''}`).join('; ')}`]));
    }
    if (offer.preconditions) out.push(makeFinding('sip.580.preconditions', [`580 from ${final.src}`, 'offer asks for RFC 3312 preconditions (a=curr/a=des)']));
  }
  return out;
}

/** Every offer of the call (INVITE, re-INVITE, UPDATE with SDP): another voice codec ahead of PCMA is a warning. */
function orderFindings({ evidence }: RuleContext): Finding[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const m of evidence.messages) {
    if (m.kind !== 'request' || !m.sdp || (m.method !== 'INVITE' && m.method !== 'UPDATE')) continue;
    for (const media of audioMedia(m.sdp)) {
      const voice = media.payloads.filter((p) => isVoice(p.encoding));
      const pcmaAt = voice.findIndex(isPcma);
      if (pcmaAt <= 0) continue; // absent (the 488 rule's business) or already first
      const order = voice.map(codecName).join(', ');
      if (seen.has(order)) continue;
      seen.add(order);
      out.push(`${m.method} from ${m.src} at ${new Date(m.at).toISOString()} offers ${order}: ${voice.slice(0, pcmaAt).map(codecName).join(', ')} ahead of PCMA`);
    }
  }
  return out.length ? [makeFinding('codec.pcma-not-first', out)] : [];
}

function firstVoice(sdp: SdpEvidence | undefined) {
  const m = sdp ? audioMedia(sdp).find((x) => x.port !== 0) : undefined;
  return m?.payloads.find((p) => isVoice(p.encoding));
}

function negotiationFindings({ summary, evidence }: RuleContext): Finding[] {
  const out: Finding[] = [];
  const chosen = summary.state === 'answered' ? firstVoice(summary.answer) : undefined;
  // The call worked: this is the guide §7 rule (G.711 A-law only) speaking, a warning, never an error.
  if (chosen && !isPcma(chosen)) {
    out.push(makeFinding('codec.non-pcma-negotiated', [
      `the answer chose ${codecName(chosen)}`,
      'the call was answered on it; the trunk allows G.711 A-law (PCMA/8000) only, so through the trunk this offer fails (488) or needs transcoding',
    ]));
  }
  const transcoding: string[] = [];
  if (chosen && summary.offer) {
    const offered = audioMedia(summary.offer).flatMap((m) => m.payloads);
    const inOffer = offered.some((p) => (p.encoding && chosen.encoding ? p.encoding.toUpperCase() === chosen.encoding.toUpperCase() : p.pt === chosen.pt));
    if (!inOffer) transcoding.push(`the answer chose ${codecName(chosen)}, which the offer did not list (${offered.map(codecName).join(', ')})`);
  }
  // Two directions on different voice codecs: something in the path transcodes.
  const voiceStreams = evidence.streams.filter((s) => s.packets > 0 && s.payloadType !== 13 && isVoice(s.codec));
  const codecs = new Map(voiceStreams.map((s) => [(s.codec ?? `PT ${s.payloadType}`).toUpperCase(), s]));
  if (codecs.size > 1) transcoding.push(`RTP carries different codecs: ${[...codecs.values()].map((s) => `${s.src} → ${s.dst} ${s.codec ?? `PT ${s.payloadType}`}`).join('; ')}`);
  if (evidence.trunk?.transcoding) transcoding.push(`trunk ${evidence.trunk.trunkSid} has transcoding enabled`);
  if (transcoding.length) out.push(makeFinding('codec.transcoding', transcoding));
  return out;
}

export const codecRule: Rule = (ctx) => {
  const order = orderFindings(ctx);
  let negotiation = negotiationFindings(ctx);
  const chosen = negotiation.find((f) => f.id === 'codec.non-pcma-negotiated');
  if (order.length && chosen) {
    // The codec ahead of PCMA won: one finding says both, the cause and its effect.
    order[0] = { ...order[0], evidence: [...order[0].evidence, ...chosen.evidence] };
    negotiation = negotiation.filter((f) => f !== chosen);
  }
  return [...rejectionFindings(ctx), ...order, ...negotiation];
};
