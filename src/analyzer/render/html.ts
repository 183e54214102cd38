/**
 * `--html OUT`: one self-contained page — inline CSS, inline SVG, no script, no external asset —
 * so that it can be attached to a ticket and opened anywhere. A summary, the call table (linked
 * to each call), then per call: facts, the SVG ladder, SDP, RTP streams and findings.
 */
import type { CallReport, DiagnoseReport, StreamReport, SummaryReport } from '../report.js';
import { escapeHtml as h } from './escape.js';
import { svgLadder } from './svg-ladder.js';
import { capturePointWords, mergedLegs, outcome, qualityLines, requestGroups, senderHopsWords, shortParty, stateWords } from './text.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:32px 0 8px;border-top:2px solid #d0d7de;padding-top:16px}
h3{font-size:15px;margin:18px 0 6px} .muted{color:#57606a}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px} th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa} td.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
.ladder{display:block;margin:8px 0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;background:#fbfcfd;border:1px solid #e1e4e8}
.ladder .lane-name{font-weight:600}.ladder .offset{fill:#57606a;font-size:11px}
.finding{border-left:5px solid #8c959f;padding:6px 12px;margin:10px 0;background:#f6f8fa}
.finding.critical{border-color:#82071e}.finding.error{border-color:#cf222e}.finding.warning{border-color:#bf8700}.finding.info{border-color:#0969da}
.sev{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;padding:1px 6px;border-radius:8px;color:#fff;background:#8c959f}
.sev.critical{background:#82071e}.sev.error{background:#cf222e}.sev.warning{background:#9a6700}.sev.info{background:#0969da}
.error-box{border:1px solid #cf222e;background:#ffebe9;padding:8px 12px;margin:8px 0}
.state-failed{color:#cf222e;font-weight:600}.state-answered,.state-ended{color:#1a7f37}.state-in-progress,.state-unknown{color:#9a6700}
`;

function streamsTable(streams: readonly StreamReport[]): string {
  if (streams.length === 0) return '<p class="muted">No RTP was seen for this call.</p>';
  const rows = streams
    .map(
      (s) =>
        `<tr><td class="mono">${h(s.src)} → ${h(s.dst)}</td><td class="mono">${h(s.ssrc_hex)}</td><td>${h(s.codec)}</td>` +
        `<td class="num">${s.packets}</td><td class="num">${s.lost}</td><td class="num">${s.jitter_ms.toFixed(2)}</td>` +
        `<td class="num" title="${h(s.quality.unscored ?? `R ${s.quality.r_factor}; loss ${s.quality.loss_pct} % (${s.quality.late_pct} % late); burst ratio ${s.quality.burst_ratio}; delay ${s.quality.delay_ms} ms`)}">${s.quality.mos !== undefined ? s.quality.mos.toFixed(2) : '–'}</td>` +
        `<td class="num">${s.max_gap_ms.toFixed(0)}</td><td class="mono">${h(s.first_at)}</td><td class="mono">${h(s.last_at)}</td>` +
        `<td class="capture-position">${h(capturePointWords(s)?.replace(/^capture point: /, '') ?? '')}</td>` +
        `<td>${s.sdp_address ? `SDP announced ${h(s.sdp_address)}` : s.comfort_noise_packets > 0 ? `${s.comfort_noise_packets} comfort-noise packets` : ''}</td></tr>`,
    )
    .join('\n');
  return `<table class="streams"><thead><tr><th>src → dst</th><th>SSRC</th><th>codec</th><th>packets</th><th>lost</th><th>jitter ms</th><th>MOS (E-model)</th><th>max gap ms</th><th>first</th><th>last</th><th>capture point (TTL, routers)</th><th>note</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function findingsHtml(c: CallReport): string {
  if (c.findings.length === 0) return '<p class="muted">No findings: nothing in the evidence points to a fault.</p>';
  return c.findings
    .map(
      (f) =>
        `<div class="finding ${h(f.severity)}"><div><span class="sev ${h(f.severity)}">${h(f.severity)}</span> <strong>${h(f.title)}</strong> ` +
        `<span class="muted">(${h(f.id)}${f.code !== undefined ? `, ${f.code}` : ''}; fault domain: ${h(f.fault_domain)})</span></div>` +
        (f.evidence.length ? `<div>Evidence:<ul>${f.evidence.map((e) => `<li>${h(e)}</li>`).join('')}</ul></div>` : '') +
        (f.checks.length ? `<div>Check:<ol>${f.checks.map((e) => `<li>${h(e)}</li>`).join('')}</ol></div>` : '') +
        (f.fix ? `<div>Fix: ${h(f.fix)}</div>` : '') +
        '</div>',
    )
    .join('\n');
}

function sdpTable(c: CallReport): string {
  const row = (name: string, s: CallReport['sdp']['offer']): string =>
    s
      ? `<tr><th>${name}</th><td class="mono">${h(s.sent_by)}</td><td>${h(s.in_message)}</td><td class="mono">${h(s.media_address ?? '')}</td><td>${h(s.codecs.join(', '))}</td><td>${h(s.direction ?? '')}${s.encrypted ? ' (SRTP)' : ''}</td></tr>`
      : `<tr><th>${name}</th><td colspan="5" class="muted">none seen</td></tr>`;
  return `<table class="sdp"><thead><tr><th></th><th>sent by</th><th>in</th><th>media address</th><th>codecs</th><th>direction</th></tr></thead><tbody>${row('offer', c.sdp.offer)}${row('answer', c.sdp.answer)}</tbody></table>`;
}

function qualityHtml(c: CallReport): string {
  const lines = qualityLines(c).slice(1).filter((l) => l.trim() !== '');
  return lines.length ? `<h3>Call quality <span class="muted">(ITU-T G.107 E-model, simplified)</span></h3><ul>${lines.map((l) => `<li>${h(l.trim())}</li>`).join('')}</ul>` : '';
}

function callSection(c: CallReport, i: number): string {
  return [
    `<section class="call" id="call-${i}">`,
    `<h2>Call ${i + 1}: <span class="mono">${h(c.call_id)}</span></h2>`,
    `<p>${h(c.method)} ${h(shortParty(c.from))} → ${h(shortParty(c.to))} over ${h(c.transport || '?')}; ` +
      `started ${h(c.start_at)}${c.answer_at ? `, answered ${h(c.answer_at)}` : ''}${c.end_at ? `, ended ${h(c.end_at)}` : ''}; ` +
      `duration ${c.duration_s.toFixed(1)} s; final ${c.final_code ?? '–'} ${h(c.final_reason ?? '')}; state <span class="state-${h(c.state)}">${h(stateWords(c))}</span></p>` +
      (c.state_because ? `<p class="state-because">Why ${h(c.state)}: ${h(c.state_because.detail)} (finding <code>${h(c.state_because.finding)}</code>).</p>` : ''),
    '<h3>Findings</h3>',
    findingsHtml(c),
    '<h3>Ladder</h3>',
    svgLadder(c, `l${i}`),
    '<h3>SDP</h3>',
    sdpTable(c),
    '<h3>RTP streams</h3>',
    streamsTable(c.streams),
    qualityHtml(c),
    '</section>',
  ].join('\n');
}

/**
 * Where the capture stood: how far each SIP sender was (TTLs), and the holes in captured TCP
 * streams — so that loss or silence is placed in the network, at an endpoint, or in the capture.
 */
function captureSection(s: SummaryReport, index: ReadonlyMap<string, number>): string {
  if (!s.capture_point?.length && !s.tcp_gaps?.length) return '';
  const link = (id: string): string => (index.has(id) ? `<a href="#call-${index.get(id)}" class="mono">${h(id)}</a>` : `<span class="mono">${h(id)}</span>`);
  const senders = s.capture_point?.length
    ? '<p>SIP senders and the routers between each and the capture point, from the IP TTLs their packets arrived with:</p>' +
      '<table class="capture-point"><thead><tr><th>sender</th><th>TTLs seen</th><th>initial TTL</th><th>routers to the capture point</th></tr></thead><tbody>' +
      s.capture_point
        .map((p) => `<tr><td class="mono">${h(p.address)}</td><td class="num">${h(p.ttls.join(', '))}</td><td class="num">${p.initial_ttl ?? '?'}</td><td>${h(senderHopsWords(p))}</td></tr>`)
        .join('') +
      '</tbody></table><p class="muted">Each RTP stream below says where the capture stood on its own path (TTL, routers from its sender and receiver).</p>'
    : '';
  const gaps = s.tcp_gaps?.length
    ? `<h3>TCP gaps <span class="muted">(capture.tcp-gap)</span></h3><p>${s.tcp_gaps.length} hole(s) in captured TCP streams that no retransmission filled: the endpoints had those bytes, the capture did not. A SIP message in them is missing from the capture, not from the call.</p>` +
      '<table class="tcp-gaps"><thead><tr><th>connection (sender → receiver)</th><th>bytes missing</th><th>last captured before</th><th>next captured</th><th>file</th><th>calls affected</th></tr></thead><tbody>' +
      s.tcp_gaps
        .map((g) => `<tr><td class="mono">${h(g.src)} → ${h(g.dst)}</td><td class="num">${g.bytes}</td><td class="mono">${h(g.since_at ?? '–')}</td><td class="mono">${h(g.at)} (frame ${g.frame})</td><td class="mono">${h(g.file)}</td><td>${g.call_ids.length ? g.call_ids.map(link).join(', ') : '<span class="muted">none had messages on it then</span>'}</td></tr>`)
        .join('') +
      '</tbody></table>'
    : '';
  return `<h2 id="capture-point">Where the capture stood</h2>${senders}${gaps}`;
}

export function renderHtml(report: DiagnoseReport): string {
  const s = report.summary;
  const files = report.files
    .map(
      (f) =>
        `<li><span class="mono">${h(f.path)}</span>: ${h(f.format)}, ${f.bytes} bytes, ${f.packets} packets` +
        (f.dropped_by_capture ? `<div class="error-box">The capture itself dropped ${f.dropped_by_capture} packets (pcapng interface statistics): gaps and loss below may be the capture's, not the network's.</div>` : '') +
        (f.error
          ? `<div class="error-box">Reading stopped: <code>${h(f.error.code)}</code>${f.error.offset !== undefined ? ` at byte ${f.error.offset}` : ''}: ${h(f.error.message)}. What was read before it is reported below.</div>`
          : '') +
        '</li>',
    )
    .join('');
  const unreadable = s.unreadable.length
    ? `<p>Not read:</p><ul>${s.unreadable.map((u) => `<li><strong>${h(u.what)}</strong> (${u.packets} packets): ${h(u.detail)}</li>`).join('')}</ul>`
    : '';
  const lone = s.rtp_without_signaling;
  const loneHtml = lone.streams
    ? `<p>RTP without signaling: ${lone.streams} streams, ${lone.packets} packets that no SIP SDP in the capture announced (signaling not captured, encrypted, or not SIP).</p>` +
      `<table class="streams"><thead><tr><th>src → dst</th><th>SSRC</th><th>PT</th><th>packets</th><th>first</th><th>last</th></tr></thead><tbody>` +
      lone.largest
        .map((u) => `<tr><td class="mono">${h(u.src)} → ${h(u.dst)}</td><td class="mono">${h(u.ssrc_hex)}</td><td class="num">${u.payload_type}</td><td class="num">${u.packets}</td><td class="mono">${h(u.first_at)}</td><td class="mono">${h(u.last_at)}</td></tr>`)
        .join('') +
      '</tbody></table>'
    : '';
  const index = new Map(report.calls.map((c, i) => [c, i]));
  const byId = new Map(report.calls.map((c, i) => [c.call_id, i]));
  const rows = report.calls
    .filter((c) => c.method === 'INVITE')
    .map((c) => {
      const i = index.get(c) ?? 0;
      const top = c.findings[0];
      return `<tr><td class="mono"><a href="#call-${i}">${h(c.call_id)}</a></td><td>${h(shortParty(c.from))} → ${h(shortParty(c.to))}</td><td>${h(c.method)}</td><td class="mono">${h(c.start_at)}</td><td class="num">${c.duration_s.toFixed(1)}</td><td class="num">${c.final_code ?? '–'}</td><td class="state-${h(c.state)}"${c.state_because ? ` title="${h(c.state_because.detail)}"` : ''}>${h(stateWords(c))}</td><td>${top ? `<span class="sev ${h(top.severity)}">${h(top.severity)}</span> ${h(top.title)}` : ''}</td></tr>`;
    })
    .join('\n');
  const groups = requestGroups(report.calls);
  const requests = groups.length
    ? '<h2>Registrations, keep-alives and other requests</h2><p class="muted">Transactions, not calls: no duration.</p>' +
      '<table class="requests"><thead><tr><th>method</th><th>from → to</th><th>src → dst</th><th>dialogs</th><th>outcome</th><th>first</th><th>last</th></tr></thead><tbody>' +
      groups
        .map((g) => `<tr><td>${h(g.method)}</td><td>${h(g.from)} → ${h(g.to)}</td><td class="mono">${h(g.src)} → ${h(g.dst)}</td><td class="num"><a href="#call-${index.get(g.calls[0]) ?? 0}">${g.calls.length}</a></td><td>${h(outcome(g.calls))}</td><td class="mono">${h(g.calls[0].start_at)}</td><td class="mono">${h(g.calls[g.calls.length - 1].start_at)}</td></tr>`)
        .join('') +
      '</tbody></table>'
    : '';
  const linked = report.linked_calls.length
    ? '<h2>Calls through a B2BUA / SBC</h2>' +
      report.linked_calls
        .map((g, k) => {
          const first = report.calls.find((c) => c.call_id === g.legs[0]);
          const merged = first ? mergedLegs(report, first) : undefined;
          return `<h3>${k + 1}. <span class="mono">${g.legs.map((l) => h(l)).join(' → ')}</span></h3><ul>` +
            g.hops.map((hop) => `<li>via <span class="mono">${h(hop.via)}</span>: ${h(hop.linked_by.join('; '))}</li>`).join('') +
            (g.failed_first ? `<li><strong>Failed first:</strong> <span class="mono">${h(g.failed_first.call_id)}</span> — ${g.failed_first.code} from <span class="mono">${h(g.failed_first.by)}</span></li>` : '') +
            g.relayed.map((r) => `<li>Only relayed: <span class="mono">${h(r.call_id)}</span> — ${r.code}, ${r.after_ms} ms later</li>`).join('') +
            '</ul>' + (merged ? svgLadder(merged, `g${k}`) : '');
        })
        .join('\n')
    : '';
  const problems = report.problems.length
    ? '<h2>Problems, most important first</h2><ol class="problems">' +
      report.problems
        .map((p) => `<li><span class="sev ${h(p.severity)}">${h(p.severity)}</span> <strong>${h(p.title)}</strong> — ${p.calls === 1 ? '1 call' : `${p.calls} calls`} <span class="muted">(${h(p.id)})</span><br>Act on: ${h(p.side)}. Fix: ${h(p.fix)}${p.evidence ? `<br><span class="muted">Seen: ${h(p.evidence)}</span>` : ''}</li>`)
        .join('') +
      '</ol>'
    : '<h2>Problems</h2><p class="muted">None of severity warning or worse.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>trunkline diagnose — ${s.calls} calls</title><style>${CSS}</style></head>
<body>
<h1>trunkline diagnose</h1>
<p class="muted">Generated ${h(report.generated_at)} · schema ${h(report.schema)}</p>
<ul>${files}</ul>
<p>${s.packets} packets: ${s.sip_messages} SIP messages, ${s.rtp_packets} RTP, ${s.rtcp_packets} RTCP; ${s.calls} calls; ${s.streams} RTP streams.</p>
${unreadable}
${loneHtml}
${problems}
${captureSection(s, byId)}
<h2>Calls</h2>
<table class="calls"><thead><tr><th>call-id</th><th>from → to</th><th>method</th><th>start</th><th>duration s</th><th>code</th><th>state</th><th>top finding</th></tr></thead><tbody>
${rows}
</tbody></table>
${linked}
${requests}
${report.calls.map(callSection).join('\n')}
</body></html>
`;
}
