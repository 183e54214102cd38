/**
 * One call's evidence → its report: the timeline (start, answer, end, final code) and state as the
 * diagnosis layer sums them up (summarizeCall), the ladder, the offer/answer and the streams.
 */
import { callQuality, summarizeCall } from '../diagnosis/index.js';
import { streamPosition } from '../diagnosis/index.js';
import type { CallEvidence, Finding, SdpEvidence, SipEventEvidence, StreamEvidence, StreamQuality } from '../diagnosis/index.js';
import type { CallReport, LadderMessage, SdpSideReport, StreamQualityReport, StreamReport } from './report.js';

const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 0, error: 1, warning: 2, info: 3 };

export function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

export function messageLabel(m: SipEventEvidence): string {
  if (m.kind === 'request') return m.method;
  return m.reason ? `${m.status} ${m.reason}` : String(m.status);
}

function sdpSide(m: SipEventEvidence, sdp: SdpEvidence): SdpSideReport {
  const audio = sdp.media.find((x) => x.type === 'audio') ?? sdp.media[0];
  const addr = audio?.connectionAddress ?? sdp.connectionAddress;
  const host = addr && addr.includes(':') && !addr.startsWith('[') ? `[${addr}]` : addr;
  return {
    sent_by: m.src,
    in_message: messageLabel(m),
    media_address: host !== undefined && audio ? `${host}:${audio.port}` : host,
    codecs: (audio?.payloads ?? []).map((p) => p.encoding ?? `PT${p.pt}`),
    direction: audio?.direction,
    encrypted: sdp.media.some((x) => x.encrypted === true),
  };
}

export function ssrcHex(ssrc: number): string {
  return `0x${(ssrc >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

function qualityReport(q: StreamQuality): StreamQualityReport {
  // Plain assignments, not conditional spreads: this runs for every stream of every call.
  const out: { -readonly [K in keyof StreamQualityReport]: StreamQualityReport[K] } = { loss_pct: q.lossPct, late_pct: q.latePct, burst_ratio: q.burstRatio, delay_ms: q.delayMs };
  if (q.rFactor !== undefined) out.r_factor = q.rFactor;
  if (q.mos !== undefined) out.mos = q.mos;
  if (q.rttMs !== undefined) out.rtt_ms = q.rttMs;
  const rr = q.receiverReport;
  if (rr !== undefined) out.receiver_report = { at: iso(rr.at), cumulative_lost: rr.cumulativeLost, fraction_lost: rr.fractionLost, jitter_ms: rr.jitterMs };
  if (q.unscored !== undefined) out.unscored = q.unscored;
  return out;
}

/** The stream's IP TTLs and where they put the capture point between its two ends (a capture only). */
function pathReport(s: StreamEvidence, all: readonly StreamEvidence[]): Pick<StreamReport, 'ttl' | 'capture_point'> {
  if (!s.ttl) return {};
  const p = streamPosition(s, all);
  const { first, last, min, max, changes } = s.ttl;
  const point = {
    ...(p.sender ? { hops_from_sender: p.sender.hops } : {}),
    ...(p.receiver ? { hops_from_receiver: p.receiver.hops } : {}),
    ...(p.near ? { near: p.near } : {}),
  };
  return { ttl: { first, last, min, max, changes }, ...(Object.keys(point).length ? { capture_point: point } : {}) };
}

function streamReport(s: StreamEvidence, q: StreamQuality, all: readonly StreamEvidence[]): StreamReport {
  return {
    src: s.src,
    dst: s.dst,
    ssrc: s.ssrc,
    ssrc_hex: ssrcHex(s.ssrc),
    payload_type: s.payloadType,
    codec: s.codec ?? `PT${s.payloadType}`,
    packets: s.packets,
    bytes: s.bytes,
    lost: s.lost,
    // Only where they differ from lost: duplicates, and the RFC 3550 §6.4.1 figure tshark prints.
    ...(s.duplicates !== undefined && s.duplicates > 0 && s.cumulativeLost !== undefined ? { duplicates: s.duplicates, cumulative_lost: s.cumulativeLost } : {}),
    jitter_ms: Math.round(s.jitterMs * 1000) / 1000,
    max_gap_ms: Math.round(s.maxGapMs * 1000) / 1000,
    first_at: iso(s.firstAt),
    last_at: iso(s.lastAt),
    ssrc_changes: s.ssrcChanges,
    comfort_noise_packets: s.comfortNoisePackets ?? 0,
    ...(s.sdpAddress !== undefined && s.sdpAddress !== s.src ? { sdp_address: s.sdpAddress } : {}),
    ...pathReport(s, all),
    quality: qualityReport(q),
  };
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9));
}

export function buildCallReport(ev: CallEvidence, findings: readonly Finding[]): CallReport {
  const sum = summarizeCall(ev);
  const quality = callQuality(ev, sum);
  const msgs = ev.messages;
  const start = sum.startAt ?? msgs[0]?.at ?? ev.streams[0]?.firstAt ?? 0;
  const firstRequest = sum.request ?? msgs.find((m) => m.kind === 'request') ?? msgs[0];
  const endpoints: string[] = [];
  const see = (e: string): void => {
    if (!endpoints.includes(e)) endpoints.push(e);
  };
  const ladder: LadderMessage[] = msgs.map((m) => {
    see(m.src);
    see(m.dst);
    return {
      at: iso(m.at),
      offset_ms: Math.round((m.at - start) * 1000) / 1000,
      src: m.src,
      dst: m.dst,
      transport: m.transport,
      label: messageLabel(m),
      method: m.method,
      ...(m.status !== undefined ? { status: m.status } : {}),
      cseq: m.cseq,
      has_sdp: m.sdp !== undefined,
    };
  });
  // The SDP objects of the summary are the messages' own: find the message each came in.
  const carrier = (sdp: SdpEvidence | undefined): SdpSideReport | undefined => {
    const m = sdp ? msgs.find((x) => x.sdp === sdp) : undefined;
    return m && sdp ? sdpSide(m, sdp) : undefined;
  };
  const offer = carrier(sum.offer);
  const answer = carrier(sum.answer);
  // When answered: from answer to the BYE (or the end of observation); else from the first to the last message.
  let last = start;
  for (const m of msgs) last = Math.max(last, m.at);
  // A REGISTER or OPTIONS is a transaction, not a session: its length is its messages', never
  // "answered until the end of the capture".
  const session = (sum.method ?? firstRequest?.method) === 'INVITE';
  const from = session ? (sum.answerAt ?? start) : start;
  const to = !session ? last : sum.answerAt !== undefined ? (sum.endAt ?? sum.observedUntil) : (sum.endAt ?? last);
  return {
    call_id: ev.callId,
    method: sum.method ?? firstRequest?.method ?? 'UNKNOWN',
    from: firstRequest?.from ?? '',
    to: firstRequest?.to ?? '',
    ...(ev.direction ? { direction: ev.direction } : {}),
    transport: firstRequest?.transport ?? '',
    start_at: iso(start),
    ...(sum.answerAt !== undefined ? { answer_at: iso(sum.answerAt) } : {}),
    ...(sum.endAt !== undefined ? { end_at: iso(sum.endAt) } : {}),
    duration_s: Math.max(0, Math.round(to - from) / 1000),
    ...(sum.finalCode !== undefined ? { final_code: sum.finalCode } : {}),
    ...(sum.final?.reason !== undefined ? { final_reason: sum.final.reason } : {}),
    state: sum.state,
    ...(sum.state === 'unknown'
      ? { state_because: { finding: 'capture.tcp-gap', detail: `no final response in the capture, which missed bytes of this call's TCP stream (${(ev.signalingGaps ?? []).join('; ')}): the answer may be in them, so the outcome is unknown — not a failure` } }
      : {}),
    ...(sum.endedBy ? { ended_by: sum.endedBy } : {}),
    ...(quality.pddMs === undefined ? {} : { pdd_ms: quality.pddMs, pdd_to: quality.pddTo ?? '' }),
    ...(quality.ringMs === undefined ? {} : { ring_ms: quality.ringMs }),
    ...(quality.hangup === undefined
      ? {}
      : {
          hangup: {
            by: quality.hangup.by,
            how: quality.hangup.how,
            ...(quality.hangup.at === undefined ? {} : { at: iso(quality.hangup.at) }),
            ...(quality.hangup.sender === undefined ? {} : { sender: quality.hangup.sender }),
            detail: quality.hangup.detail,
          },
        }),
    dtmf: quality.dtmf.map((d) => ({ at: iso(d.at), digit: d.digit, via: d.via, src: d.src, dst: d.dst, ...(d.durationMs === undefined ? {} : { duration_ms: d.durationMs }) })),
    endpoints,
    messages: ladder,
    sdp: { ...(offer ? { offer } : {}), ...(answer ? { answer } : {}) },
    streams: ev.streams.map((s, i) => streamReport(s, quality.streams[i], ev.streams)),
    findings: sortFindings(findings),
  };
}
