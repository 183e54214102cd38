/**
 * Plain-text rendering for a terminal: the call table, and one call in detail (ladder, SDP,
 * streams, findings). Width-aware only in that long cells are cut with an ellipsis.
 */
import type { CallReport, CapturePointReport, DiagnoseReport, FileReport, StreamReport, SummaryReport, TcpGapReport } from '../report.js';

function cut(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], max: readonly number[]): string {
  const cells = [head, ...rows].map((r) => r.map((c, i) => cut(c, max[i] ?? 40)));
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

/** "sip:+44…@host" or '"Alice" <sip:…>;tag=…' → the user part or the URI, short. */
export function shortParty(s: string): string {
  const uri = /<([^>]+)>/.exec(s)?.[1] ?? s.split(';')[0];
  const m = /^(?:sips?|tel):([^@;]+)(?:@([^;>]+))?/.exec(uri.trim());
  if (!m) return uri.trim();
  return m[2] && !/^\+?[\d*#]+$/.test(m[1]) ? `${m[1]}@${m[2]}` : m[1];
}

function time(isoText: string): string {
  return isoText ? isoText.replace('T', ' ').replace('Z', '') : '';
}

function fileLine(f: FileReport): string {
  const drops = f.dropped_by_capture === undefined ? '' : f.dropped_by_capture === 0 ? '; the capture dropped nothing (pcapng statistics)' : `; THE CAPTURE ITSELF DROPPED ${f.dropped_by_capture} packets (pcapng statistics): gaps and loss below may be the capture's, not the network's`;
  const base = `${f.path}: ${f.format}, ${f.bytes} bytes, ${f.packets} packets${drops}`;
  if (!f.error) return base;
  const at = f.error.offset !== undefined ? ` at byte ${f.error.offset}` : '';
  return `${base}\n  ERROR ${f.error.code}${at}: ${f.error.message} (what was read before it is reported)`;
}

/** How far one SIP sender was from the capture point, from its TTLs. */
export function senderHopsWords(p: CapturePointReport): string {
  return p.hops === undefined ? `TTL ${p.ttls.join('/')} (hops unknown)` : p.hops === 0 ? `0 routers (TTL ${p.ttls.join('/')}: captured on its host or LAN)` : `${p.hops} router(s) (TTL ${p.ttls.join('/')} of ${p.initial_ttl})`;
}

export function renderSummaryText(s: SummaryReport): string {
  const lines = [
    `${s.packets} packets: ${s.sip_messages} SIP messages, ${s.rtp_packets} RTP, ${s.rtcp_packets} RTCP; ${s.calls} calls, ${s.streams} RTP streams`,
  ];
  const lone = s.rtp_without_signaling;
  if (lone.streams > 0) {
    lines.push(`RTP without signaling: ${lone.streams} streams, ${lone.packets} packets that no SIP SDP in the capture announced (signaling not captured, encrypted, or not SIP):`);
    for (const u of lone.largest.slice(0, 5)) lines.push(`  ${u.src} → ${u.dst} ${u.ssrc_hex} PT ${u.payload_type}: ${u.packets} packets`);
  }
  for (const u of s.unreadable) lines.push(`not read: ${u.what} — ${u.packets} packets. ${u.detail}`);
  for (const g of tcpGapLines(s)) lines.push(g);
  if (s.capture_point?.length) {
    const where = s.capture_point.map((p) => `${p.address} ${senderHopsWords(p)}`);
    lines.push(`Capture point, from IP TTLs of the SIP senders: ${where.slice(0, 8).join('; ')}${where.length > 8 ? `; and ${where.length - 8} more` : ''}`);
  }
  return lines.join('\n');
}

/** Each TCP gap: which connection, how many bytes the capture missed, and the calls it may have cut a message from. */
export function tcpGapWords(g: TcpGapReport): string {
  const when = g.since_at ? `between ${time(g.since_at)} and ${time(g.at)}` : `before ${time(g.at)}`;
  const calls = g.call_ids.length ? `; may hold a message of ${g.call_ids.length === 1 ? 'call' : 'calls'} ${g.call_ids.join(', ')}` : '; no call had messages on it then';
  return `${g.src} → ${g.dst}: ${g.bytes} byte(s) never captured ${when} (frame ${g.frame} of ${g.file} came next)${calls}`;
}

function tcpGapLines(s: SummaryReport): string[] {
  if (!s.tcp_gaps?.length) return [];
  const out = [`TCP gaps (capture.tcp-gap): ${s.tcp_gaps.length} hole(s) in captured TCP streams that no retransmission filled — the endpoints had those bytes, the capture did not:`];
  for (const g of s.tcp_gaps.slice(0, 10)) out.push(`  ${tcpGapWords(g)}`);
  if (s.tcp_gaps.length > 10) out.push(`  and ${s.tcp_gaps.length - 10} more`);
  return out;
}

/** The state as a table shows it: "unknown (TCP gap)" says what made it unknown. */
export function stateWords(c: CallReport): string {
  return c.state_because ? `${c.state} (${c.state_because.finding === 'capture.tcp-gap' ? 'TCP gap' : c.state_because.finding})` : c.state;
}

/** The ranked problem list: what to fix first, on which side, over how many calls. */
export function problemLines(report: DiagnoseReport): string[] {
  if (report.problems.length === 0) return ['Problems: none of severity warning or worse.'];
  const out = ['Problems, most important first:'];
  for (const p of report.problems) {
    const many = p.calls === 1 ? '1 call' : `${p.calls} calls`;
    out.push(`  ${p.rank}. [${p.severity}] ${p.title} — ${many} (${p.id})`);
    out.push(`     act on: ${p.side} [${p.fault_domain}]; fix: ${p.fix}`);
    if (p.evidence) out.push(`     seen: ${cut(p.evidence, 160)}${p.calls > 0 ? ` (call ${p.call_ids[0]})` : ''}`);
  }
  return out;
}

/** REGISTER, OPTIONS and other non-INVITE dialogs, grouped by method, From user and hosts: transactions, not sessions. */
export interface RequestGroup {
  readonly method: string;
  readonly from: string;
  readonly to: string;
  readonly src: string;
  readonly dst: string;
  readonly calls: CallReport[];
}

const hostPart = (e: string | undefined): string => (e === undefined ? '?' : e.replace(/:\d+$/, ''));

export function requestGroups(calls: readonly CallReport[]): RequestGroup[] {
  const groups = new Map<string, RequestGroup>();
  for (const c of calls) {
    if (c.method === 'INVITE') continue;
    const first = c.messages.find((m) => m.method === c.method && m.status === undefined) ?? c.messages[0];
    const src = hostPart(first?.src);
    const dst = hostPart(first?.dst);
    const key = `${c.method}|${shortParty(c.from)}|${shortParty(c.to)}|${src}|${dst}`;
    const g = groups.get(key);
    if (g) g.calls.push(c);
    else groups.set(key, { method: c.method, from: shortParty(c.from), to: shortParty(c.to), src, dst, calls: [c] });
  }
  return [...groups.values()];
}

/** "3 completed, 1 failed (403)" */
export function outcome(calls: readonly CallReport[]): string {
  const n = new Map<string, number>();
  for (const c of calls) {
    const k = c.final_code !== undefined && c.state !== 'completed' ? `${c.state} (${c.final_code})` : stateWords(c);
    n.set(k, (n.get(k) ?? 0) + 1);
  }
  return [...n].map(([k, v]) => `${v} ${k}`).join(', ');
}

function topFinding(calls: readonly CallReport[]): string {
  const all = calls.flatMap((c) => c.findings);
  const rank: Record<string, number> = { critical: 0, error: 1, warning: 2, info: 3 };
  const top = all.sort((a, b) => (rank[a.severity] ?? 9) - (rank[b.severity] ?? 9))[0];
  return top ? `[${top.severity}] ${top.title}` : '';
}

/** Calls through a B2BUA/SBC: their legs, what linked them, and which leg failed first. */
export function linkedLines(report: DiagnoseReport): string[] {
  if (report.linked_calls.length === 0) return [];
  const out = ['', 'Calls through a B2BUA / SBC (legs with different Call-IDs, linked)'];
  report.linked_calls.forEach((g, i) => {
    out.push(`  ${i + 1}. ${g.legs.join(' → ')}`);
    for (const hop of g.hops) out.push(`     via ${hop.via}: ${hop.linked_by.join('; ')}`);
    if (g.failed_first) {
      out.push(`     failed first: ${g.failed_first.call_id} — ${g.failed_first.code} from ${g.failed_first.by}`);
      for (const r of g.relayed) out.push(`     only relayed: ${r.call_id} — ${r.code}, ${r.after_ms} ms later`);
    }
  });
  return out;
}

/** One ladder over every leg of a linked call: a lane per endpoint, each hop in turn. */
export function mergedLegs(report: DiagnoseReport, c: CallReport): CallReport | undefined {
  const g = report.linked_calls.find((x) => x.legs.includes(c.call_id));
  if (!g) return undefined;
  const legs = g.legs.map((id) => report.calls.find((x) => x.call_id === id)).filter((x): x is CallReport => x !== undefined);
  const start = Math.min(...legs.map((l) => Date.parse(l.start_at)));
  const messages = legs
    .flatMap((l) => l.messages.map((m) => ({ ...m, offset_ms: Math.round((Date.parse(m.at) - start) * 1000) / 1000 + (m.offset_ms % 1) * 0 })))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const endpoints: string[] = [];
  for (const m of messages) for (const e of [m.src, m.dst]) if (!endpoints.includes(e)) endpoints.push(e);
  return { ...legs[0], call_id: g.legs.join(' + '), endpoints, messages };
}

export function renderCallTable(report: DiagnoseReport): string {
  const invites = report.calls.filter((c) => c.method === 'INVITE');
  const rows = invites.map((c) => {
    const top = c.findings[0];
    return [
      c.call_id,
      `${shortParty(c.from)} → ${shortParty(c.to)}`,
      c.method,
      time(c.start_at).slice(0, 23),
      `${c.duration_s.toFixed(1)}s`,
      c.final_code !== undefined ? String(c.final_code) : '-',
      stateWords(c),
      top ? `[${top.severity}] ${top.title}` : '',
    ];
  });
  const head = ['CALL-ID', 'FROM → TO', 'METHOD', 'START', 'DURATION', 'CODE', 'STATE', 'TOP FINDING'];
  const out = [...report.files.map(fileLine), renderSummaryText(report.summary), '', ...problemLines(report), ''];
  out.push('Calls (INVITE dialogs)');
  out.push(rows.length > 0 ? table(head, rows, [36, 40, 9, 23, 9, 4, 18, 90]) : 'no calls found');
  out.push(...linkedLines(report));
  const groups = requestGroups(report.calls);
  if (groups.length > 0) {
    out.push('', 'Registrations, keep-alives and other requests (transactions, not calls: no duration)');
    const greq = groups.map((g) => [
      g.method,
      `${g.from} → ${g.to}`,
      `${g.src} → ${g.dst}`,
      String(g.calls.length),
      outcome(g.calls),
      time(g.calls[0].start_at).slice(0, 23),
      time(g.calls[g.calls.length - 1].start_at).slice(0, 23),
      topFinding(g.calls),
    ]);
    out.push(table(['METHOD', 'FROM → TO', 'SRC → DST', 'DIALOGS', 'OUTCOME', 'FIRST', 'LAST', 'TOP FINDING'], greq, [10, 40, 36, 7, 40, 23, 23, 90]));
  }
  return `${out.join('\n')}\n`;
}

function ladderText(c: CallReport): string {
  // One column per endpoint, wide enough for the longest label; each message is an arrow from
  // its sender's column to its receiver's, the label inside the shaft.
  const eps = c.endpoints;
  const labels = c.messages.map((m) => `${m.label}${m.has_sdp ? ' (SDP)' : ''}${m.transport && m.transport !== 'UDP' ? ` ${m.transport}` : ''}`);
  const col = Math.min(60, Math.max(26, ...eps.map((e) => e.length + 2), ...labels.map((l) => l.length + 8)));
  const header = eps.map((e) => cut(e, col - 2).padEnd(col)).join('').trimEnd();
  const lines = [`${'time (s)'.padEnd(10)}${header}`];
  c.messages.forEach((m, k) => {
    const a = eps.indexOf(m.src);
    const b = eps.indexOf(m.dst);
    const lo = Math.min(a, b);
    const width = Math.abs(b - a) * col;
    let arrow: string;
    if (a === b) arrow = `⟲ ${labels[k]}`;
    else {
      const label = ` ${cut(labels[k], Math.max(4, width - 6))} `;
      const shaft = width - 1 - label.length;
      const left = '─'.repeat(2);
      const right = '─'.repeat(Math.max(0, shaft - 2));
      arrow = a < b ? `${left}${label}${right}▶` : `◀${right}${label}${left}`;
    }
    lines.push(`${(m.offset_ms / 1000).toFixed(3).padStart(8)}  ${' '.repeat(lo * col)}${arrow}`);
  });
  return lines.join('\n');
}

function streamRows(streams: readonly StreamReport[]): string {
  if (streams.length === 0) return '  (no RTP)';
  const rows = streams.map((s) => [
    `${s.src} → ${s.dst}`,
    s.ssrc_hex,
    s.codec,
    String(s.packets),
    String(s.lost),
    s.jitter_ms.toFixed(2),
    s.quality.mos !== undefined ? `${s.quality.mos.toFixed(2)} (R ${s.quality.r_factor ?? '?'})` : '-',
    s.max_gap_ms.toFixed(0),
    time(s.first_at).slice(11, 23),
    time(s.last_at).slice(11, 23),
    s.sdp_address ? `SDP said ${s.sdp_address}` : s.comfort_noise_packets > 0 ? `${s.comfort_noise_packets} CN` : '',
  ]);
  const head = ['SRC → DST', 'SSRC', 'CODEC', 'PACKETS', 'LOST', 'JITTER MS', 'MOS', 'MAX GAP MS', 'FIRST', 'LAST', 'NOTE'];
  return table(head, rows, [50, 10, 16, 8, 6, 9, 14, 10, 12, 12, 40])
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** Where the capture stood on a stream's path, from its IP TTLs. */
export function capturePointWords(s: StreamReport): string | undefined {
  const p = s.capture_point;
  if (!s.ttl || !p) return undefined;
  const ttl = s.ttl.changes ? `TTL ${s.ttl.first}→${s.ttl.last} (${s.ttl.changes} change${s.ttl.changes === 1 ? '' : 's'})` : `TTL ${s.ttl.first}`;
  const hops = [p.hops_from_sender === undefined ? '' : `${p.hops_from_sender} router(s) from the sender`, p.hops_from_receiver === undefined ? '' : `${p.hops_from_receiver} from the receiver`].filter(Boolean).join(', ');
  const near = p.near === 'both' ? '; on the segment of both ends' : p.near === 'midway' ? '; midway' : p.near ? `; nearer the ${p.near}` : '';
  return `capture point: ${ttl}, ${hops}${near}`;
}

/** PDD, ring time, hang-up, DTMF and the E-model basis of each stream's score. */
export function qualityLines(c: CallReport): string[] {
  const out: string[] = [];
  if (c.pdd_ms !== undefined) out.push(`  post-dial delay ${(c.pdd_ms / 1000).toFixed(3)} s (INVITE → ${c.pdd_to ?? '?'})${c.ring_ms !== undefined ? `; rang ${(c.ring_ms / 1000).toFixed(1)} s` : ''}`);
  if (c.hangup) out.push(`  ended: ${c.hangup.detail}`);
  if (c.dtmf.length > 0) out.push(`  DTMF: ${c.dtmf.map((d) => `${d.digit} (${d.via === 'rfc4733' ? 'RFC 4733' : 'SIP INFO'}, ${d.src} → ${d.dst}, ${time(d.at).slice(11, 23)})`).join(', ')}`);
  for (const s of c.streams) {
    const q = s.quality;
    const score = q.mos !== undefined ? `MOS ${q.mos.toFixed(2)}, R ${q.r_factor}` : `not scored: ${q.unscored ?? '?'}`;
    const rtt = q.rtt_ms !== undefined ? `, RTCP round trip ${q.rtt_ms} ms` : '';
    const rr = q.receiver_report ? `; the receiver's RTCP says ${q.receiver_report.cumulative_lost} lost, jitter ${q.receiver_report.jitter_ms} ms` : '';
    out.push(`  ${s.src} → ${s.dst}: ${score} (loss ${q.loss_pct} % incl. ${q.late_pct} % late past a 60 ms jitter buffer, burst ratio ${q.burst_ratio}, delay ${q.delay_ms} ms${rtt})${rr}`);
    const where = capturePointWords(s);
    if (where) out.push(`    ${where}`);
  }
  return out.length > 0 ? ['Call quality (ITU-T G.107 E-model, simplified)', ...out, ''] : [];
}

export function renderCallDetail(c: CallReport, report?: DiagnoseReport): string {
  const out: string[] = [];
  const merged = report ? mergedLegs(report, c) : undefined;
  out.push(`Call ${c.call_id}`);
  out.push(`  ${c.method} ${shortParty(c.from)} → ${shortParty(c.to)} over ${c.transport || '?'}`);
  out.push(
    `  start ${time(c.start_at)}${c.answer_at ? `, answered ${time(c.answer_at)}` : ''}${c.end_at ? `, ended ${time(c.end_at)}` : ''}; ` +
      `duration ${c.duration_s.toFixed(1)}s; final ${c.final_code ?? '-'}${c.final_reason ? ` ${c.final_reason}` : ''}; state ${c.state}`,
  );
  if (c.state_because) out.push(`  why ${c.state}: ${c.state_because.detail} (finding ${c.state_because.finding})`);
  out.push('', 'Ladder', ladderText(c));
  if (merged) out.push('', `Every leg of this call, hop by hop (${merged.call_id})`, ladderText(merged), ...linkedLines({ ...report!, linked_calls: report!.linked_calls.filter((g) => g.legs.includes(c.call_id)) }).slice(2));
  out.push('', 'SDP');
  const side = (name: string, s: CallReport['sdp']['offer']): string =>
    s
      ? `  ${name.padEnd(6)} from ${s.sent_by} in ${s.in_message}: media ${s.media_address ?? '?'}, codecs ${s.codecs.join(' ') || '(none)'}` +
        `${s.direction ? `, ${s.direction}` : ''}${s.encrypted ? ', encrypted (SRTP)' : ''}`
      : `  ${name.padEnd(6)} (none seen)`;
  out.push(side('offer', c.sdp.offer), side('answer', c.sdp.answer), '', 'RTP streams', streamRows(c.streams), '', ...qualityLines(c), 'Findings');
  if (c.findings.length === 0) out.push('  none: nothing in the evidence points to a fault');
  for (const f of c.findings) {
    out.push(`  [${f.severity}] ${f.title} (${f.id}${f.code !== undefined ? `, ${f.code}` : ''}; fault: ${f.fault_domain})`);
    for (const e of f.evidence) out.push(`    seen: ${e}`);
    for (const k of f.checks) out.push(`    check: ${k}`);
    if (f.fix) out.push(`    fix: ${f.fix}`);
  }
  return `${out.join('\n')}\n`;
}
