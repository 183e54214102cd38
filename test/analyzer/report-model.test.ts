import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallEvidence, Finding, SipEventEvidence } from '../../src/diagnosis/index.js';
import { buildReport, diagnoseCaptureFiles, findCall, markAcceptedSources, observeMedia, renderCallDetail, renderCallTable, renderHtml, renderJson, type ReportInput } from '../../src/analyzer/index.js';

// Hand-built evidence of one answered call and one 488, to pin the report model's shape; real
// captures are exercised in diagnose-fixtures.test.ts.
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const A = '192.0.2.10:5060';
const B = '198.51.100.20:5060';

function msg(at: number, src: string, dst: string, m: Partial<SipEventEvidence> & Pick<SipEventEvidence, 'kind' | 'method' | 'cseq'>): SipEventEvidence {
  return { at: T0 + at, src, dst, transport: 'UDP', from: '"Alice" <sip:+442071234567@192.0.2.10>;tag=a', to: '<sip:+31205550000@198.51.100.20>', ...m };
}

const audio = (addr: string, port: number, codecs: string[]) => ({
  connectionAddress: addr,
  media: [{ type: 'audio', port, protocol: 'RTP/AVP', connectionAddress: addr, payloads: codecs.map((c, i) => ({ pt: c === 'PCMA' ? 8 : c === 'PCMU' ? 0 : 96 + i, encoding: c })) }],
});

const answered: CallEvidence = {
  callId: 'call-answered@x',
  source: 'capture',
  messages: [
    msg(0, A, B, { kind: 'request', method: 'INVITE', cseq: 1, sdp: audio('192.0.2.10', 40000, ['PCMA', 'telephone-event']) }),
    msg(5, B, A, { kind: 'response', method: 'INVITE', cseq: 1, status: 180, reason: 'Ringing' }),
    msg(900, B, A, { kind: 'response', method: 'INVITE', cseq: 1, status: 200, reason: 'OK', sdp: audio('198.51.100.20', 10000, ['PCMA']) }),
    msg(905, A, B, { kind: 'request', method: 'ACK', cseq: 1 }),
    msg(10_900, A, B, { kind: 'request', method: 'BYE', cseq: 2 }),
    msg(10_910, B, A, { kind: 'response', method: 'BYE', cseq: 2, status: 200, reason: 'OK' }),
  ],
  streams: [
    { src: '192.0.2.10:40000', dst: '198.51.100.20:10000', ssrc: 0xdee0ee8f, payloadType: 8, codec: 'PCMA', packets: 500, bytes: 86000, lost: 2, jitterMs: 0.4, maxGapMs: 60, firstAt: T0 + 950, lastAt: T0 + 10_890, ssrcChanges: 0 },
  ],
};

const refused: CallEvidence = {
  callId: 'call-488@x',
  source: 'capture',
  messages: [
    msg(20_000, A, B, { kind: 'request', method: 'INVITE', cseq: 1, sdp: audio('192.0.2.10', 40002, ['PCMU', 'G729']) }),
    msg(20_010, B, A, { kind: 'response', method: 'INVITE', cseq: 1, status: 488, reason: 'Not Acceptable Here' }),
    msg(20_011, A, B, { kind: 'request', method: 'ACK', cseq: 1 }),
  ],
  streams: [],
};

const codecFinding: Finding = {
  id: 'codec.no-pcma',
  code: 488,
  title: 'The offer has no PCMA <script>',
  severity: 'error',
  fault_domain: 'customer-pbx',
  evidence: ['offer lists PCMU, G729'],
  checks: ['enable G.711 A-law on the PBX trunk'],
  fix: 'Offer PCMA.',
};

const input: ReportInput = {
  calls: [refused, answered],
  summary: {
    packets: 509,
    bytes: 1000,
    sipMessages: 9,
    rtpPackets: 500,
    rtcpPackets: 0,
    calls: 2,
    unreadable: [{ reason: 'TLS', count: 4 }],
    files: [{ name: 'x.pcap', format: 'pcap', bytesRead: 1000, packets: 509, sipMessages: 9, rtpPackets: 500, linkTypes: [1] }],
    tcp: { segments: 0, retransmitted: 0, outOfOrder: 0, gaps: 0 },
    ipFragments: { fragments: 0, reassembled: 0, incomplete: 0 },
    rtpWithoutSignaling: { streams: 1, packets: 236, largest: [{ src: '192.0.2.99:7000', dst: '198.51.100.20:6000', ssrc: 1, payloadType: 8, packets: 236, firstAt: T0, lastAt: T0 + 7000 }] },
  },
};

const report = buildReport(input, { diagnose: (ev) => (ev.callId === 'call-488@x' ? [codecFinding] : []) }, new Date(T0));

test('a call is summarised from its messages: answer, end, final code, state', () => {
  assert.equal(report.calls[0].call_id, 'call-answered@x', 'calls are in start order');
  const c = report.calls[0];
  assert.equal(c.final_code, 200);
  assert.equal(c.state, 'answered');
  assert.equal(c.ended_by, 'caller');
  assert.equal(c.duration_s, 10, 'from the 200 OK to the BYE');
  assert.deepEqual(c.sdp.offer?.codecs, ['PCMA', 'telephone-event']);
  assert.equal(c.sdp.answer?.media_address, '198.51.100.20:10000');
  assert.equal(c.streams[0].ssrc_hex, '0xDEE0EE8F');
  const r = report.calls[1];
  assert.equal(r.state, 'failed');
  assert.equal(r.final_code, 488);
  assert.equal(r.findings[0].id, 'codec.no-pcma');
  assert.deepEqual(report.summary.states, { answered: 1, failed: 1 });
  assert.deepEqual(report.summary.findings, { 'codec.no-pcma': 1 });
});

test('an INVITE with no final response by the end of the capture is in progress, not failed', () => {
  const cut: CallEvidence = { ...refused, callId: 'cut@x', messages: refused.messages.slice(0, 1) };
  const r = buildReport({ ...input, calls: [cut] }, { diagnose: () => [] });
  assert.equal(r.calls[0].state, 'in-progress');
  assert.equal(r.calls[0].final_code, undefined);
});

test('the call table has one line per call with its top finding; --call finds a call by Call-ID prefix', () => {
  const text = renderCallTable(report);
  assert.match(text, /call-488@x .*488 +failed +\[error\] The offer has no PCMA/);
  assert.match(text, /RTP without signaling: 1 streams, 236 packets/);
  assert.match(text, /192\.0\.2\.99:7000 → 198\.51\.100\.20:6000 0x00000001 PT 8: 236 packets/);
  assert.match(text, /not read: TLS — 4 packets\. TLS-encrypted TCP \(SIP over TLS/);
  assert.equal(findCall(report, 'call-ans')?.call_id, 'call-answered@x');
  assert.equal(findCall(report, 'call-'), undefined, 'an ambiguous prefix finds nothing');
  const detail = renderCallDetail(report.calls[1]);
  assert.match(detail, /INVITE \(SDP\) ─+▶/);
  assert.match(detail, /◀─+ 488 Not Acceptable Here ──/);
  assert.match(detail, /offer +from 192\.0\.2\.10:5060 in INVITE: media 192\.0\.2\.10:40002, codecs PCMU G729/);
  assert.match(detail, /check: enable G\.711 A-law/);
});

test('the JSON is the report model and round-trips', () => {
  const doc = JSON.parse(renderJson(report)) as typeof report;
  assert.deepEqual(doc, JSON.parse(JSON.stringify(report)));
  assert.equal(doc.schema, 'trunkline.diagnose/1');
});

test('the HTML page is self-contained, escapes capture text and draws one arrow per message', () => {
  const html = renderHtml(report);
  assert.doesNotMatch(html, /<script|<link |src="http|href="http/);
  assert.match(html, /The offer has no PCMA &lt;script&gt;/);
  assert.equal((html.match(/<g class="msg/g) ?? []).length, 9);
  assert.equal((html.match(/<svg class="ladder"/g) ?? []).length, 2);
});

test('a capture with no RTP at all marks its calls mediaObserved false; RTP of other calls, or a file with RTP, does not', () => {
  const seen: CallEvidence[] = [];
  const spy = { diagnose: (ev: CallEvidence) => (seen.push(ev), []) };
  const noRtp = { ...input.summary, rtpPackets: 0, rtpWithoutSignaling: { streams: 0, packets: 0, largest: [] }, files: [{ ...input.summary.files[0], rtpPackets: 0 }] };
  const silentCall = { ...answered, streams: [] };
  buildReport({ calls: [silentCall], summary: noRtp }, spy);
  assert.equal(seen[0].mediaObserved, false, 'signaling-only capture: off the media path');
  // RTP tied to other calls, or RTP no SDP announced: the capture point did see media.
  assert.equal(observeMedia(silentCall, { ...noRtp, rtpPackets: 500, files: input.summary.files }).mediaObserved, undefined);
  assert.equal(observeMedia(silentCall, { ...noRtp, rtpWithoutSignaling: input.summary.rtpWithoutSignaling }).mediaObserved, undefined);
  // Messages that name their file are judged by that file's RTP: the call's file had none.
  const inFile1 = { ...silentCall, messages: silentCall.messages.map((m) => ({ ...m, file: 1 })) };
  const twoFiles = { ...noRtp, rtpPackets: 500, files: [input.summary.files[0], { ...input.summary.files[0], name: 'sip-only.pcap', rtpPackets: 0 }] };
  assert.equal(observeMedia(inFile1, twoFiles).mediaObserved, false);
  assert.equal(observeMedia({ ...silentCall, source: 'log' }, noRtp).mediaObserved, undefined);
});

test('a 403 call is told when the same source had a request accepted by the same server before it', () => {
  const forbidden = (id: string, at: number): CallEvidence => ({
    callId: id,
    source: 'capture',
    messages: [
      msg(at, A, B, { kind: 'request', method: 'INVITE', cseq: 1 }),
      msg(at + 40, B, A, { kind: 'response', method: 'INVITE', cseq: 1, status: 403, reason: 'Forbidden' }),
    ],
    streams: [],
  });
  const [before, ok, after] = markAcceptedSources([forbidden('early', -5000), answered, forbidden('late', 30_000)]);
  assert.equal(before.sourceAcceptedBefore, undefined, 'nothing was accepted before it');
  assert.equal(ok.sourceAcceptedBefore, undefined, 'not a 403');
  assert.equal(after.sourceAcceptedBefore, `INVITE from ${A} answered 200 by ${B} at ${new Date(T0 + 900).toISOString()} (Call-ID call-answered@x)`);
  // Another server accepting the source says nothing about this server's ACL.
  const elsewhere = { ...answered, messages: answered.messages.map((m) => ({ ...m, src: m.src === B ? '198.51.100.99:5060' : m.src })) };
  assert.equal(markAcceptedSources([elsewhere, forbidden('late', 30_000)])[1].sourceAcceptedBefore, undefined);
});

test('the text report puts the ranked problems first and keeps REGISTER/OPTIONS apart from calls, without durations', async () => {
  // auth-401-loop.pcap: INVITE challenged twice (wrong password) and an OPTIONS qualify 3 s later;
  // invite-timeout.pcap: an INVITE never answered, then an OPTIONS to the same peer (SOURCES.md).
  const r = await diagnoseCaptureFiles(['test/fixtures/captures/auth-401-loop.pcap', 'test/fixtures/captures/invite-timeout.pcap']);
  assert.deepEqual(r.problems.map((p) => [p.rank, p.id, p.calls]), [[1, 'auth.credentials-loop', 1], [2, 'reachability.no-response', 1]]);
  assert.equal(r.problems[0].side, "the trunk configuration (provisioning)");
  const options = r.calls.filter((c) => c.method === 'OPTIONS');
  assert.equal(options.length, 2);
  for (const c of options) assert.ok(c.duration_s < 5, `${c.call_id}: ${c.duration_s} s is the transaction (retransmissions included), not until the end of the capture`);
  const text = renderCallTable(r);
  const problems = text.indexOf('Problems, most important first:');
  const calls = text.indexOf('Calls (INVITE dialogs)');
  const requests = text.indexOf('Registrations, keep-alives and other requests');
  assert.ok(problems > 0 && problems < calls && calls < requests, text);
  assert.match(text.slice(problems, calls), /1\. \[error\] Wrong credentials.*\n +act on: the trunk configuration/);
  assert.doesNotMatch(text.slice(calls, requests), /OPTIONS/);
  assert.match(text.slice(requests), /OPTIONS +qualify@127\.0\.0\.77:5062 → 1000 +127\.0\.0\.77 → 127\.0\.0\.78 +2 +1 completed/);
  const html = renderHtml(r);
  assert.ok(html.indexOf('Problems, most important first') < html.indexOf('<h2>Calls</h2>'));
  assert.match(html, /<h2>Registrations, keep-alives and other requests<\/h2>/);
});
