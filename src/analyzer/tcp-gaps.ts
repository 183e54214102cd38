/**
 * Where the capture stood, from holes in captured TCP streams: bytes whose sequence numbers the
 * capture skipped and no retransmission filled. TCP delivers every byte or resets the connection,
 * and the connection went on, so the receiver had those bytes: the capture missed them (a full
 * buffer, a SPAN port that could not keep up). A SIP message in them is missing from the capture,
 * not from the call — never a failed call or a protocol error.
 */
import type { CaptureSummary, TcpGap } from '../capture/index.js';
import { makeFinding, type AcrossFinding, type CallEvidence, type Finding } from '../diagnosis/index.js';
import type { TcpGapReport } from './report.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const sameConnection = (m: { readonly src: string; readonly dst: string }, g: TcpGap): boolean =>
  (m.src === g.src && m.dst === g.dst) || (m.src === g.dst && m.dst === g.src);
const describe = (g: TcpGap): string =>
  `${g.src} → ${g.dst}: ${g.bytes} byte(s) never captured ${g.since === undefined ? 'before' : `between ${iso(g.since)} and`} ${iso(g.at)} (frame ${g.frame} came next), and no retransmission filled them`;

/**
 * The calls each gap may have cut a message from: those with messages on the gap's connection
 * before and after the hole's window, else the one whose last message on it came just before it.
 */
export function callsAtGaps(calls: readonly CallEvidence[], summary: CaptureSummary): Map<string, TcpGap[]> {
  const out = new Map<string, TcpGap[]>();
  const gaps = summary.tcpGaps ?? [];
  if (gaps.length === 0) return out;
  const add = (id: string, g: TcpGap): void => {
    const l = out.get(id);
    if (l) l.push(g);
    else out.set(id, [g]);
  };
  for (const g of gaps) {
    let spanning = false;
    let before: { id: string; at: number } | undefined;
    for (const c of calls) {
      let first = Infinity;
      let last = -Infinity;
      for (const m of c.messages) {
        if (!sameConnection(m, g)) continue;
        if (m.at < first) first = m.at;
        if (m.at > last) last = m.at;
      }
      if (first > g.at) continue;
      if (last >= (g.since ?? g.at)) {
        spanning = true;
        add(c.callId, g);
      } else if (!before || last > before.at) before = { id: c.callId, at: last };
    }
    if (!spanning && before) add(before.id, g);
  }
  return out;
}

/** What the hole means for one call: which of its messages the capture lacks, as far as the rest shows. */
export function tcpGapFinding(c: CallEvidence, gaps: readonly TcpGap[]): Finding {
  const evidence = gaps.slice(0, 3).map(describe);
  const invite = c.messages.find((m) => m.kind === 'request' && m.method === 'INVITE');
  const answered = invite && c.messages.some((m) => m.kind === 'response' && m.method === 'INVITE' && m.cseq === invite.cseq && (m.status ?? 0) >= 200);
  const after = invite && c.messages.filter((m) => m.kind === 'request' && (m.method === 'ACK' || m.method === 'BYE') && m.src === invite.src && m.at > invite.at);
  if (invite && !answered && after?.length) {
    evidence.push(`the INVITE (CSeq ${invite.cseq}) has no final response in the capture, yet ${invite.src} sent ${after.map((m) => `${m.method} at ${iso(m.at)}`).join(' and ')}: the response was sent, in the bytes the capture missed`);
  }
  evidence.push('a SIP message in those bytes is missing from the capture, not from the call: the call is not judged failed or timed out for it');
  return makeFinding('capture.tcp-gap', evidence);
}

/** One finding for the capture: every hole, with the calls each may have cut a message from. */
export function tcpGapCaptureFinding(summary: CaptureSummary, byCall: ReadonlyMap<string, readonly TcpGap[]>): AcrossFinding[] {
  const gaps = summary.tcpGaps ?? [];
  if (gaps.length === 0) return [];
  const bytes = gaps.reduce((n, g) => n + g.bytes, 0);
  const connections = new Set(gaps.map((g) => [g.src, g.dst].sort().join(' ')));
  return [{
    finding: makeFinding('capture.tcp-gap', [
      `${summary.tcp.gaps} hole(s), ${bytes} byte(s), in ${connections.size} captured TCP connection(s): the sequence numbers jump and no retransmission filled them — the receiver had those bytes, the capture did not`,
      ...gaps.slice(0, 5).map(describe),
      'SIP messages in them are missing from the capture, not from the calls',
    ]),
    callIds: [...byCall.keys()],
  }];
}

/** summary.tcp_gaps: each hole with the calls it may have cut a message from. */
export function tcpGapReports(summary: CaptureSummary, byCall: ReadonlyMap<string, readonly TcpGap[]>): TcpGapReport[] {
  return (summary.tcpGaps ?? []).map((g) => ({
    src: g.src,
    dst: g.dst,
    bytes: g.bytes,
    ...(g.since === undefined ? {} : { since_at: iso(g.since) }),
    at: iso(g.at),
    frame: g.frame,
    file: summary.files[g.file]?.name ?? '',
    call_ids: [...byCall].filter(([, gaps]) => gaps.includes(g)).map(([id]) => id),
  }));
}
