/**
 * A capture result + the diagnosis rules → the report model. Pure: the result and the rules are
 * given, so that tests can drive it with hand-built evidence and the CLI with real captures.
 */
import type { CaptureCall, CaptureSummary, UnreadableCount } from '../capture/index.js';
import { FAULT_DOMAIN_WORDS, parseEndpoint } from '../diagnosis/index.js';
import type { AcrossResult, CallEvidence, Finding } from '../diagnosis/index.js';
import { captureDropFindings } from './capture-drops.js';
import { capturePoint, ttlChangeFindings } from './capture-ttl.js';
import { callsAtGaps, tcpGapCaptureFinding, tcpGapFinding, tcpGapReports } from './tcp-gaps.js';
import { buildCallReport, iso, sortFindings, ssrcHex } from './call-report.js';
import { REPORT_SCHEMA } from './report.js';
import type { CallReport, CaptureFindingReport, DiagnoseReport, ProblemReport, UnreadableReport } from './report.js';

/** The rules to run on each call: diagnoseCall from the diagnosis layer, or a stand-in in tests. */
export interface Diagnoser {
  diagnose(ev: CallEvidence): readonly Finding[];
  /** Causes across dialogs (diagnoseAcross), when the diagnoser looks at the capture as a whole. */
  across?(calls: readonly CallEvidence[]): AcrossResult;
}

const GENERIC = /^sip\.\d{3}$/;

/**
 * A call's own findings and those another dialog explains, most severe first; a generic sip.NNN
 * yields to a sharper one of its code. A dialog that is attack traffic keeps only the attack's
 * findings: its 404 or "wrong credentials" is the attack working, not a fault to configure away.
 */
function mergeFindings(own: readonly Finding[], extra: readonly Finding[] | undefined, attack = false): readonly Finding[] {
  if (attack && extra?.length) return extra;
  if (!extra?.length) return own;
  // The cause another dialog shows goes ahead of the call's own findings of the same severity.
  const all = [...extra.filter((f) => !own.some((g) => g.id === f.id)), ...own];
  return all.filter((f) => !GENERIC.test(f.id) || !all.some((g) => g !== f && g.code === f.code && !GENERIC.test(g.id)));
}

/** What each kind of unreadable traffic is, and how to see it, when the capture layer gives no detail. */
const UNREADABLE_ADVICE: readonly (readonly [RegExp, string])[] = [
  [/tcp gap/i, 'holes in captured TCP streams that no retransmission filled: the endpoints had those bytes, the capture did not (see capture.tcp-gap).'],
  [/tls/i, 'TLS-encrypted TCP (SIP over TLS, usually port 5061, or other TLS such as HTTPS): its content cannot be read. For SIP, capture where it is clear text (HEP from the SIP server, or the PBX\'s own SIP log) or export the TLS keys.'],
  [/srtp/i, 'SRTP media is encrypted: packet counts are known but the audio cannot be checked.'],
  [/link type/i, 'the capture uses a link layer trunkline does not read: capture again with tcpdump -i any (Linux cooked) or on an Ethernet interface.'],
  [/fragment/i, 'IP fragments whose other parts are missing from the capture: the datagram they belong to could not be rebuilt.'],
  [/sctp/i, 'SIP over SCTP is not read.'],
  [/websocket/i, 'SIP over WebSocket is not read.'],
];

function unreadable(u: UnreadableCount): UnreadableReport {
  const advice = UNREADABLE_ADVICE.find(([re]) => re.test(u.reason))?.[1];
  return { what: u.reason, packets: u.count, detail: u.detail ?? advice ?? 'not decoded' };
}

function count<T>(items: readonly T[], key: (t: T) => readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) for (const k of key(it)) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** A capture call is evidence as it is (its parts are the evidence types; nothing is copied). */
export function toEvidence(c: CaptureCall): CallEvidence {
  return c;
}

/** What the report is built from: a CaptureResult fits (its calls are evidence and more). */
export interface ReportInput {
  readonly calls: readonly CallEvidence[];
  readonly summary: CaptureSummary;
}

/**
 * A capture with no RTP packet at all (none tied to a call, none unannounced, no RTCP) in the
 * files that hold a call's messages was taken off the media path or filtered to signaling: its
 * calls get mediaObserved false, so missing RTP is not read as blocked RTP. A capture that holds
 * RTP of other calls leaves it unset: then a call without RTP is evidence.
 */
export function observeMedia(ev: CallEvidence, summary: CaptureSummary): CallEvidence {
  if (ev.mediaObserved !== undefined || ev.source !== 'capture' || ev.streams.length > 0) return ev;
  if (summary.rtpWithoutSignaling.packets > 0 || summary.rtcpPackets > 0) return ev;
  // Capture messages say which file they came from; evidence built elsewhere has no file index.
  const files = new Set(ev.messages.map((m) => (m as { readonly file?: unknown }).file));
  const noRtp = [...files].every((i) => typeof i === 'number' && summary.files[i] !== undefined)
    ? [...files].every((i) => summary.files[i as number].rtpPackets === 0)
    : summary.rtpPackets === 0;
  return noRtp ? { ...ev, mediaObserved: false } : ev;
}

const hostOf = (endpoint: string): string => parseEndpoint(endpoint).host;

/**
 * For each call whose opening request was refused 403, the earliest request from the same source
 * host that the same server host accepted (2xx) before it, in any call of the capture: the ACL
 * let the address through then (sourceAcceptedBefore on the evidence).
 */
export function markAcceptedSources(calls: readonly CallEvidence[]): CallEvidence[] {
  const accepted: { readonly src: string; readonly dst: string; readonly at: number; readonly text: string }[] = [];
  for (const c of calls) {
    for (const r of c.messages) {
      if (r.kind !== 'response' || r.status === undefined || r.status < 200 || r.status >= 300 || r.method === 'ACK') continue;
      const q = c.messages.find((m) => m.kind === 'request' && m.method === r.method && m.cseq === r.cseq && m.at <= r.at);
      if (!q) continue;
      accepted.push({ src: hostOf(q.src), dst: hostOf(r.src), at: r.at, text: `${q.method} from ${q.src} answered ${r.status} by ${r.src} at ${new Date(r.at).toISOString()} (Call-ID ${c.callId})` });
    }
  }
  accepted.sort((a, b) => a.at - b.at);
  return calls.map((c) => {
    const first = c.messages.find((m) => m.kind === 'request' && m.method !== 'ACK' && m.method !== 'CANCEL');
    const refusal = first && c.messages.find((m) => m.kind === 'response' && m.status === 403 && m.method === first.method);
    if (!first || !refusal || c.sourceAcceptedBefore !== undefined) return c;
    const before = accepted.find((a) => a.at < first.at && a.src === hostOf(first.src) && a.dst === hostOf(refusal.src));
    return before ? { ...c, sourceAcceptedBefore: before.text } : c;
  });
}

const SEVERITY_ORDER: Readonly<Record<string, number>> = { critical: 0, error: 1, warning: 2 };

/**
 * The problem list: each finding of severity warning or worse once, with the dialogs it was found
 * on; the most severe first, then causes found across dialogs (they explain the rest), then the
 * one that hit the most dialogs (fix that first).
 */
export function rankProblems(calls: readonly CallReport[], across: readonly CaptureFindingReport[], causes: ReadonlySet<string> = new Set()): ProblemReport[] {
  const byId = new Map<string, { f: CallReport['findings'][number]; ids: Set<string> }>();
  const add = (f: CallReport['findings'][number], ids: readonly string[]): void => {
    if (SEVERITY_ORDER[f.severity] === undefined) return;
    const p = byId.get(f.id);
    if (p) {
      for (const id of ids) p.ids.add(id);
      if (SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[p.f.severity]) p.f = f;
    } else byId.set(f.id, { f, ids: new Set(ids) });
  };
  for (const f of across) add(f, f.call_ids);
  for (const c of calls) for (const f of c.findings) add(f, [c.call_id]);
  return [...byId.values()]
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || Number(causes.has(b.f.id)) - Number(causes.has(a.f.id)) || b.ids.size - a.ids.size || (a.f.id < b.f.id ? -1 : 1))
    .map(({ f, ids }, i) => ({
      rank: i + 1,
      id: f.id,
      severity: f.severity,
      title: f.title,
      fault_domain: f.fault_domain,
      side: FAULT_DOMAIN_WORDS[f.fault_domain],
      calls: ids.size,
      call_ids: [...ids].slice(0, 10),
      evidence: f.evidence[0] ?? '',
      fix: f.fix,
    }));
}

export function buildReport(result: ReportInput, diagnoser: Diagnoser, now: Date = new Date()): DiagnoseReport {
  const gapsByCall = callsAtGaps(result.calls, result.summary);
  const evidence = markAcceptedSources(result.calls).map((c) => {
    const gaps = gapsByCall.get(c.callId);
    return observeMedia(gaps ? { ...c, signalingGaps: gaps.map((g) => `${g.src} → ${g.dst}: ${g.bytes} byte(s) not captured`) } : c, result.summary);
  });
  const acrossResult = diagnoser.across?.(evidence);
  const routeChanges = ttlChangeFindings(evidence);
  const extraOf = (ev: CallEvidence): readonly Finding[] | undefined => {
    const extra = [...(acrossResult?.perCall.get(ev.callId) ?? [])];
    const route = routeChanges.get(ev.callId);
    if (route) extra.push(route);
    const gaps = gapsByCall.get(ev.callId);
    if (gaps) extra.push(tcpGapFinding(ev, gaps));
    return extra.length ? extra : undefined;
  };
  const calls: CallReport[] = evidence
    .map((ev) => buildCallReport(ev, mergeFindings(diagnoser.diagnose(ev), extraOf(ev), acrossResult?.attack.has(ev.callId))))
    .sort((a, b) => (a.start_at < b.start_at ? -1 : a.start_at > b.start_at ? 1 : 0));
  const s = result.summary;
  const point = capturePoint(evidence);
  const captureFindings = [...(acrossResult?.capture ?? []), ...captureDropFindings(evidence, s), ...tcpGapCaptureFinding(s, gapsByCall)];
  const across: CaptureFindingReport[] = sortFindings(captureFindings.map((a) => a.finding)).map((f) => ({
    ...f,
    call_ids: (captureFindings.find((a) => a.finding === f)?.callIds ?? []).slice(0, 20),
  }));
  return {
    schema: REPORT_SCHEMA,
    generated_at: iso(now.getTime()),
    files: s.files.map((f) => ({
      path: f.name,
      format: f.format,
      bytes: f.bytesRead,
      packets: f.packets,
      ...(f.droppedByCapture === undefined ? {} : { dropped_by_capture: f.droppedByCapture }),
      ...(f.error ? { error: { code: f.error.code, message: f.error.message, ...(f.error.offset !== undefined ? { offset: f.error.offset } : {}) } } : {}),
    })),
    summary: {
      files: s.files.length,
      packets: s.packets,
      sip_messages: s.sipMessages,
      rtp_packets: s.rtpPackets,
      rtcp_packets: s.rtcpPackets,
      calls: calls.length,
      // A stream shared by the two legs of a B2BUA is one stream (one per source, destination, SSRC).
      streams: new Set(calls.flatMap((c) => c.streams.map((x) => `${x.src}>${x.dst}>${x.ssrc}`))).size,
      rtp_without_signaling: {
        streams: s.rtpWithoutSignaling.streams,
        packets: s.rtpWithoutSignaling.packets,
        largest: s.rtpWithoutSignaling.largest.map((u) => ({
          src: u.src,
          dst: u.dst,
          ssrc: u.ssrc,
          ssrc_hex: ssrcHex(u.ssrc),
          payload_type: u.payloadType,
          packets: u.packets,
          first_at: iso(u.firstAt),
          last_at: iso(u.lastAt),
        })),
      },
      ip_fragments: { ...s.ipFragments },
      tcp: { segments: s.tcp.segments, retransmitted: s.tcp.retransmitted, out_of_order: s.tcp.outOfOrder, gaps: s.tcp.gaps },
      ...(s.tcpGaps?.length ? { tcp_gaps: tcpGapReports(s, gapsByCall) } : {}),
      ...(point.length ? { capture_point: point } : {}),
      states: count(calls, (c) => [c.state]),
      findings: count(calls, (c) => [...new Set(c.findings.map((f) => f.id))]),
      unreadable: s.unreadable.map(unreadable),
    },
    // A cause found across dialogs explains the failures it is about: it ranks ahead of them.
    problems: rankProblems(calls, across, new Set([...(acrossResult?.perCall.values() ?? [])].flatMap((l) => l.map((f) => f.id)))),
    findings: across,
    linked_calls: (acrossResult?.groups ?? []).map((g) => ({
      legs: g.legs,
      hops: g.links.map((l) => ({ a: l.a, b: l.b, via: l.via, linked_by: l.by })),
      ...(g.failedFirst ? { failed_first: { call_id: g.failedFirst.callId, code: g.failedFirst.code, at: iso(g.failedFirst.at), by: g.failedFirst.sender } } : {}),
      relayed: g.relayed.map((r) => ({ call_id: r.callId, code: r.code, at: iso(r.at), after_ms: r.afterMs })),
    })),
    calls,
  };
}

/** `--call ID`: an exact Call-ID, else the one call whose Call-ID starts with ID. */
export function findCall(report: DiagnoseReport, id: string): CallReport | undefined {
  const exact = report.calls.find((c) => c.call_id === id);
  if (exact) return exact;
  const prefixed = report.calls.filter((c) => c.call_id.startsWith(id));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
