import { formatEndpoint, parseEndpoint, privateRange } from '../address.js';
import { makeFinding } from '../catalogue.js';
import { seconds } from '../call-facts.js';
import type { Finding } from '../finding.js';
import { classifyStreams, describeStream, sdpEndpoints } from '../media-facts.js';
import type { Rule, RuleContext } from './rule.js';

const norm = (a: string) => {
  const e = parseEndpoint(a);
  return formatEndpoint(e.host, e.port);
};

/**
 * IVR audio but no agent audio (guide §6): RTP that arrives from another address than its
 * sender announced. Without symmetric RTP (RFC 4961) the reply goes to the SDP address and is lost;
 * when the relay latched to the real source, it says so and the finding is informational.
 */
function asymmetric(ctx: RuleContext): Finding[] {
  const eps = sdpEndpoints(ctx.summary);
  const lines: string[] = [];
  let unfixed = false;
  for (const c of classifyStreams(ctx.summary, ctx.evidence.streams)) {
    const s = c.stream;
    if (s.packets === 0) continue;
    let announced: string | undefined = s.sdpAddress;
    if (!announced && c.sender && c.byDestination) {
      const own = eps[c.sender].map((e) => e.endpoint);
      if (own.length && !own.includes(norm(s.src))) announced = own.join(' or ');
    }
    if (!announced || announced.split(' or ').map(norm).includes(norm(s.src))) continue;
    const host = parseEndpoint(announced.split(' or ')[0]).host;
    const priv = privateRange(host);
    lines.push(`RTP to ${s.dst} (SSRC 0x${s.ssrc.toString(16).padStart(8, '0')}, ${s.packets} packets) comes from ${s.src} but its sender's SDP said ${announced}${priv ? ` (${priv}: NAT)` : ''}`);
    if (s.latched) lines.push(`the relay latched to ${s.src} (symmetric RTP), so the audio back reached the sender: latching fixed it`);
    else unfixed = true;
  }
  if (!lines.length) return [];
  return [makeFinding('media.asymmetric-rtp', lines, unfixed ? {} : { severity: 'info' })];
}

const SILENT_SHARE = 0.9;

/** Packets that carry only silence (or only comfort noise): the case loss, jitter and MOS never show. */
function silent(ctx: RuleContext): Finding[] {
  const lines: string[] = [];
  for (const s of ctx.evidence.streams) {
    if (s.packets === 0) continue;
    const span = s.lastAt - s.firstAt;
    const cn = s.comfortNoisePackets ?? 0;
    const silence = s.longestSilenceMs ?? (cn === s.packets ? span : 0);
    // A listener is silent for long stretches of a normal call: only a direction that carries
    // silence (or comfort noise) for nearly all of its length, and for longer than the threshold, is reported.
    if (silence < ctx.thresholds.silenceMs || silence < SILENT_SHARE * span) continue;
    lines.push(`${describeStream(s)}: only silence for ${seconds(silence)} of ${seconds(span)} of RTP${cn ? `, ${cn} comfort-noise (PT 13) packets` : ''}`);
  }
  return lines.length ? [makeFinding('media.silent-rtp', lines)] : [];
}

/** RFC 3550 A.3 loss from sequence numbers; comfort noise and another ptime change the packet rate, not the loss. */
function loss(ctx: RuleContext): Finding[] {
  const lines: string[] = [];
  for (const s of ctx.evidence.streams) {
    const expected = s.packets + s.lost;
    if (expected === 0 || s.lost < 5 || s.lost / expected <= ctx.thresholds.lossRatio) continue;
    lines.push(`${describeStream(s)}: ${s.lost} lost of ${expected} expected (${((100 * s.lost) / expected).toFixed(1)} %), jitter ${s.jitterMs.toFixed(1)} ms, longest gap ${s.maxGapMs} ms`);
  }
  return lines.length ? [makeFinding('media.packet-loss', lines)] : [];
}

export const mediaQualityRule: Rule = (ctx) => [...asymmetric(ctx), ...silent(ctx), ...loss(ctx)];
