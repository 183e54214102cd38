import { privateRange } from '../address.js';
import { makeFinding } from '../catalogue.js';
import { audioMedia, header, seconds } from '../call-facts.js';
import type { Finding } from '../finding.js';
import { classifyStreams, describeStream, holdsMedia, sdpEndpoints, streamsAfterAnswer, type ClassifiedStream, type SdpEndpoint, type Side } from '../media-facts.js';
import type { Rule, RuleContext } from './rule.js';

// The guide's §6: no audio both ways, one-way audio, audio that drops after answer — none of
// them shows a SIP error, so they are read from the RTP seen after the 200 OK.

function privateNote(endpoints: readonly SdpEndpoint[]): string | undefined {
  const e = endpoints.find((x) => privateRange(x.host));
  return e ? `${e.endpoint} (${privateRange(e.host)})` : undefined;
}

function sdpLines(ctx: RuleContext): string[] {
  const { caller, callee } = sdpEndpoints(ctx.summary);
  const line = (side: Side, list: readonly SdpEndpoint[]) => {
    if (!list.length) return `the ${side} sent no audio SDP`;
    const uniq = [...new Set(list.map((e) => e.endpoint))];
    const priv = list.find((e) => privateRange(e.host));
    return `the ${side} announced audio at ${uniq.join(', ')}${priv ? ` — ${priv.host} is ${privateRange(priv.host)}` : ''}`;
  };
  return [line('caller', caller), line('callee', callee)];
}

function blockedOrOneWay(ctx: RuleContext, active: readonly ClassifiedStream[], window: number): Finding[] {
  const answerAt = ctx.summary.answerAt!;
  const head = `answered at ${new Date(answerAt).toISOString()}, media observed for ${seconds(window)} after answer`;
  if (active.length === 0) {
    const early = ctx.evidence.streams.filter((s) => s.packets > 0 && s.lastAt < answerAt);
    // The capture saw RTP (mediaObserved is not false: it holds RTP of other calls) but none
    // of this call: blocked, or this call's media took a path the capture point does not see.
    const unproven = ctx.evidence.source === 'capture' && ctx.evidence.streams.length === 0;
    return [makeFinding('media.blocked-rtp', [
      head,
      'no RTP packet in either direction after answer',
      ...sdpLines(ctx),
      ...(early.length ? [`early media before answer only: ${early.map(describeStream).join('; ')}`] : []),
      ...(unproven ? ['the capture holds RTP of other calls but none of this call: if this call\'s media took another path than the capture point (a proxy off the media path, a B2BUA leg relayed elsewhere), this is not a fault'] : []),
    ], unproven ? { severity: 'warning' } : {})];
  }
  if (active.some((c) => !c.sender)) return []; // a stream we cannot place: no one-way verdict
  const senders = new Set(active.map((c) => c.sender!));
  if (senders.size !== 1) return [];
  const only = [...senders][0];
  const silent: Side = only === 'caller' ? 'callee' : 'caller';
  const eps = sdpEndpoints(ctx.summary);
  const sendingPrivate = privateNote(eps[only]);
  const silentPrivate = privateNote(eps[silent]);
  const evidence = [
    head,
    `RTP only from the ${only}: ${active.map((c) => describeStream(c.stream)).join('; ')}`,
    `no RTP from the ${silent} after answer`,
    ...sdpLines(ctx),
  ];
  // A private c= on one side only is NAT: the far side sends to an address it cannot reach.
  if ((sendingPrivate && !silentPrivate) || (silentPrivate && !sendingPrivate)) {
    const side = sendingPrivate ? only : silent;
    evidence.push(`the ${side}'s SDP c= is ${sendingPrivate ?? silentPrivate}: not reachable from the other side without NAT help`);
    return [makeFinding('media.one-way.nat', evidence)];
  }
  return [makeFinding('media.one-way', evidence)];
}

function timeoutFindings(ctx: RuleContext, active: readonly ClassifiedStream[], end: number): Finding[] {
  const { summary, thresholds: t, evidence } = ctx;
  const answerAt = summary.answerAt!;
  const bySide = new Map<string, number>();
  for (const c of active) {
    const key = c.sender ?? `${c.stream.src} → ${c.stream.dst}`;
    bySide.set(key, Math.max(bySide.get(key) ?? 0, c.stream.lastAt));
  }
  // A re-INVITE/UPDATE that moves the media (RFC 3264 §8) near the stop explains it: not a timeout.
  const sdpChanges = evidence.messages.filter((m) => m.sdp && m.at > answerAt).map((m) => m.at);
  const moved = (last: number) => sdpChanges.some((at) => at >= last - 1000 && at <= last + 2000);
  const stopped = [...bySide].filter(([, last]) => end - last >= t.rtpStopMs && !moved(last));
  if (!stopped.length) return [];
  const lines: string[] = [];
  const all = stopped.length === bySide.size;
  for (const [who, last] of stopped) {
    const after = (last - answerAt) / 1000;
    const match = t.firewallTimeoutsS.find((s) => Math.abs(after - s) <= t.firewallToleranceS);
    const from = who.includes('→') ? who : `the ${who}`;
    lines.push(`RTP from ${from} stopped ${after.toFixed(1)} s after answer (last packet ${new Date(last).toISOString()}), ${seconds(end - last)} before ${summary.endAt !== undefined ? 'the call ended' : 'observation ended with the call still up'}`);
    lines.push(match !== undefined
      ? `${after.toFixed(1)} s matches a common firewall idle timeout of ${match} s`
      : `${after.toFixed(1)} s does not match a common firewall idle timeout (${t.firewallTimeoutsS.join(', ')} s)`);
  }
  if (!all) {
    for (const [who, last] of bySide) if (!stopped.some(([w]) => w === who)) lines.push(`RTP from the ${who} went on until ${seconds(last - answerAt)} after answer`);
    lines.push('one direction stopped while the other went on: audio lost one way from then on, unless the sender suppresses silence (VAD without comfort noise)');
  }
  const lastStop = Math.min(...stopped.map(([, l]) => l));
  const later = evidence.messages.filter((m) => m.at > lastStop);
  if (later.length) lines.push(`signaling went on: ${later.slice(0, 4).map((m) => (m.kind === 'request' ? m.method : `${m.status} ${m.method}`)).join(', ')} after the RTP stopped`);
  const bye = evidence.messages.find((m) => m.kind === 'request' && m.method === 'BYE');
  const reason = header(bye, 'reason');
  if (reason) lines.push(`BYE Reason: ${reason}`);
  return [makeFinding('media.rtp-timeout', lines, all ? {} : { severity: 'warning', title: 'Audio dropped one way after answer: RTP stopped in one direction' })];
}

export const mediaRule: Rule = (ctx) => {
  const { summary, evidence, thresholds } = ctx;
  if (summary.state !== 'answered' || summary.method !== 'INVITE' || summary.answerAt === undefined) return [];
  if (evidence.source === 'log') return [];
  // Hold (a=sendonly/inactive, c=0.0.0.0) or an offer without audio (T.38 fax): one-way or no RTP is expected.
  const sdps = [...summary.callerSdps, ...summary.calleeSdps];
  if (sdps.some(holdsMedia)) return [];
  if (summary.offer && audioMedia(summary.offer).length === 0) return [];
  const end = summary.endAt ?? summary.observedUntil;
  const window = end - summary.answerAt;
  const active = classifyStreams(summary, streamsAfterAnswer(evidence.streams, summary.answerAt));
  const out: Finding[] = [];
  if (evidence.mediaObserved === false) {
    // No RTP could be seen at all (a capture with no RTP packets, taken off the media path or
    // filtered to SIP; the edge without its relay): absence of RTP is no evidence of a fault.
    if (evidence.source !== 'capture' || window < thresholds.minMediaWindowMs) return [];
    return [makeFinding('media.not-observed', [
      `answered at ${new Date(summary.answerAt).toISOString()}, up for ${seconds(window)} after answer`,
      'the capture holds no RTP packet at all (for any call): it was taken off the media path or filtered to signaling',
      ...sdpLines(ctx),
    ])];
  }
  if (window >= thresholds.minMediaWindowMs) out.push(...blockedOrOneWay(ctx, active, window));
  if (active.length) out.push(...timeoutFindings(ctx, active, end));
  return out;
};
