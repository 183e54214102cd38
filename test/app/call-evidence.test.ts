// Issue 13 stage 5: a SIP message is turned into evidence by one conversion, whether the edge
// traced it on a live call or a capture holds it. These tests feed the same bytes down both
// real paths — the edge's CallRecorder → app's evidenceOf, and a pcap → the capture layer — and
// require the same SipEventEvidence, field for field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallRecorder, tracedEvidence } from '../../src/edge/index.js';
import { evidenceOf } from '../../src/app/call-evidence.js';
import { diagnoseCall, type SipEventEvidence } from '../../src/diagnosis/index.js';
import type { CaptureSipEvent } from '../../src/capture/index.js';
import { parseMessage, serializeMessage } from '../../src/sip/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { ethUdp4, pcap } from '../capture/support/packets.js';
import { analyzeBytes } from '../capture/support/run.js';

const PBX = { ip: '192.0.2.10', port: 5060 };
const EDGE = { ip: '198.51.100.5', port: 5070 };
const CALL_ID = 'evidence-1@pbx.example.com';

const sdp = (ip: string, port: number): string =>
  `v=0\r\no=- 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`;

function message(startLine: string, cseq: string, headers: string[], body = '', contentType?: string): string {
  return [
    startLine,
    `Via: SIP/2.0/UDP ${PBX.ip}:${PBX.port};branch=z9hG4bK-${cseq.replace(/\W/g, '')}`,
    'From: "Alice" <sip:+14155550100@pbx.example.com>;tag=pbx-1',
    `To: <sip:+14155550199@edge.example.com>${startLine.startsWith('SIP/2.0') || !cseq.endsWith('INVITE') ? ';tag=edge-9' : ''}`,
    `Call-ID: ${CALL_ID}`,
    `CSeq: ${cseq}`,
    ...headers,
    ...(contentType ? [`Content-Type: ${contentType}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

const BOUNDARY = 'unique-boundary-1';
const multipart = [`--${BOUNDARY}`, 'Content-Type: application/sdp', '', sdp(PBX.ip, 40000), `--${BOUNDARY}`, 'Content-Type: application/ISUP;version=itu-t92+', '', 'isup', `--${BOUNDARY}--`, ''].join('\r\n');

/** A call from the PBX through the edge, each message with what the rules read: SDP (plain and multipart), auth, Reason, DTMF INFO, correlation headers. */
const CALL: readonly { readonly fromPbx: boolean; readonly text: string }[] = [
  { fromPbx: true, text: message('INVITE sip:+14155550199@edge.example.com SIP/2.0', '1 INVITE', ['User-Agent: FPBX-16.0.40', 'X-Correlation-ID: abc-123', 'P-Asserted-Identity: <sip:+14155550100@pbx.example.com>', 'Supported: timer, 100rel', 'Contact: <sip:alice@192.0.2.10:5060>'], multipart, `multipart/mixed;boundary=${BOUNDARY}`) },
  { fromPbx: false, text: message('SIP/2.0 407 Proxy Authentication Required', '1 INVITE', ['Proxy-Authenticate: Digest realm="edge.example.com", nonce="n1", algorithm=SHA-256', 'Server: trunkline']) },
  { fromPbx: true, text: message('ACK sip:+14155550199@edge.example.com SIP/2.0', '1 ACK', []) },
  { fromPbx: true, text: message('INVITE sip:+14155550199@edge.example.com SIP/2.0', '2 INVITE', ['Proxy-Authorization: Digest username="acc", realm="edge.example.com", nonce="n1", uri="sip:+14155550199@edge.example.com", response="00"'], sdp(PBX.ip, 40000), 'application/sdp') },
  { fromPbx: false, text: message('SIP/2.0 183 Session Progress', '2 INVITE', ['Warning: 399 edge.example.com "early media"', 'Require: 100rel'], sdp(EDGE.ip, 30000), 'application/sdp') },
  { fromPbx: false, text: message('SIP/2.0 200 OK', '2 INVITE', ['Record-Route: <sip:198.51.100.5:5070;lr>', 'Session-Expires: 1800;refresher=uac', 'Contact: <sip:edge@198.51.100.5:5070>'], sdp(EDGE.ip, 30000), 'application/sdp') },
  { fromPbx: true, text: message('ACK sip:edge@198.51.100.5:5070 SIP/2.0', '2 ACK', []) },
  { fromPbx: true, text: message('INFO sip:edge@198.51.100.5:5070 SIP/2.0', '3 INFO', [], 'Signal=5\r\nDuration=160\r\n', 'application/dtmf-relay') },
  { fromPbx: false, text: message('SIP/2.0 200 OK', '3 INFO', []) },
  { fromPbx: false, text: message('BYE sip:alice@192.0.2.10:5060 SIP/2.0', '1 BYE', ['Reason: Q.850;cause=16;text="Normal call clearing"', 'X-Trunkline-Finding: media.rtp-timeout']) },
  { fromPbx: true, text: message('SIP/2.0 200 OK', '1 BYE', []) },
];

const T0 = Date.UTC(2026, 0, 23, 9, 24, 59);
const at = (i: number): number => T0 + i * 37; // whole milliseconds: what a trace entry's ISO time keeps

/** The live path: the edge traces each message as it sends/receives it (call.ts), app turns the record into evidence. */
function liveEvents(withMessage = false, queuedMs = 0): readonly SipEventEvidence[] {
  const clock = new FakeClock(T0);
  const rec = new CallRecorder(clock, {
    callSid: 'CA0', accountSid: 'AC0', trunkSid: 'TK0', direction: 'inbound', from: '+14155550100', to: '+14155550199',
    sourceAddress: `${PBX.ip}:${PBX.port}`, transport: 'udp', sipCallId: CALL_ID,
  });
  CALL.forEach((m, i) => {
    // queuedMs: a received message is read (and traced) that long after it arrived, and its entry says so.
    const queued = m.fromPbx ? queuedMs : 0;
    clock.advance(at(i) + queued - clock.now());
    const [src, dst] = m.fromPbx ? [PBX, EDGE] : [EDGE, PBX];
    // As edge/call.ts traces: the message the stack parsed or built, serialised, as latin1 text.
    const msg = parseMessage(Buffer.from(m.text, 'latin1'));
    const wire = serializeMessage(msg).toString('latin1');
    // withMessage: as call.ts does now, the object too, converted at trace time instead of parsed again at the end.
    rec.trace({ leg: 'carrier', direction: m.fromPbx ? 'in' : 'out', transport: 'udp', src: `${src.ip}:${src.port}`, dst: `${dst.ip}:${dst.port}`, message: wire, ...(queued ? { queued_ms: queued } : {}) }, withMessage ? msg : undefined);
  });
  const record = rec.toRecord();
  if (withMessage) assert.ok(record.trace.every((t) => tracedEvidence(t) !== undefined), 'each message converted at trace time, not parsed again');
  return evidenceOf(record).messages;
}

/** The capture path: the same bytes in a pcap, read by the capture layer. */
async function capturedEvents(): Promise<readonly CaptureSipEvent[]> {
  const recs = CALL.map((m, i) => {
    const [src, dst] = m.fromPbx ? [PBX, EDGE] : [EDGE, PBX];
    const wire = serializeMessage(parseMessage(Buffer.from(m.text, 'latin1')));
    return { at: at(i), data: ethUdp4(src.ip, src.port, dst.ip, dst.port, wire) };
  });
  const r = await analyzeBytes(pcap(1, recs));
  assert.equal(r.calls.length, 1);
  return r.calls[0].messages;
}

/** A capture event less what only a capture has (frame, file, raw bytes, the IP header's TTL). */
function evidencePart(e: CaptureSipEvent): SipEventEvidence {
  const { frame: _frame, file: _file, raw: _raw, ttl, parseError, ...evidence } = e;
  assert.equal(parseError, undefined);
  // The capture's IP layer gives the TTL (the test pcap writes 64); a socket on the edge never sees it.
  assert.equal(ttl, 64);
  return evidence;
}

test('the same SIP message yields identical evidence from a live call trace and from a capture', async () => {
  const live = liveEvents();
  const captured = (await capturedEvents()).map(evidencePart);
  assert.equal(live.length, CALL.length);
  assert.equal(captured.length, CALL.length);
  for (let i = 0; i < CALL.length; i++) assert.deepEqual(live[i], captured[i], `message ${i + 1} (${CALL[i].text.split('\r\n', 1)[0]})`);
});

test('live evidence carries what the rules read: multipart SDP, From/To, headers, INFO DTMF', () => {
  const live = liveEvents();
  // The opening INVITE's SDP is inside a multipart body (SIP-I): the old live conversion read application/sdp only.
  assert.equal(live[0].sdp?.media[0]?.port, 40000);
  assert.equal(live[0].from, 'sip:+14155550100@pbx.example.com');
  assert.deepEqual(live[0].headers?.['user-agent'], ['FPBX-16.0.40']);
  assert.deepEqual(live[0].headers?.['x-correlation-id'], ['abc-123']);
  assert.deepEqual(live[1].headers?.['proxy-authenticate']?.length, 1);
  assert.deepEqual(live[7].dtmf, { signal: '5', durationMs: 160 });
  assert.equal(live[0].transport, 'UDP');
});

test('a live call and its capture get the same findings', async () => {
  const live = liveEvents();
  const captured = await capturedEvents();
  const base = { callId: CALL_ID, direction: 'inbound' as const, streams: [], mediaObserved: false, observedUntil: at(CALL.length) };
  const fromLive = diagnoseCall({ ...base, source: 'edge', messages: live });
  const fromCapture = diagnoseCall({ ...base, source: 'capture', messages: captured });
  assert.deepEqual(fromLive.map((f) => f.id), fromCapture.map((f) => f.id));
});

test('evidence the edge converts from the message object as it traces it equals the capture of the same bytes', async () => {
  const live = liveEvents(true);
  const captured = (await capturedEvents()).map(evidencePart);
  assert.equal(live.length, CALL.length);
  for (let i = 0; i < CALL.length; i++) assert.deepEqual(live[i], captured[i], `message ${i + 1} (${CALL[i].text.split('\r\n', 1)[0]})`);
});

test('a message that waited in the receive queue is evidence at the time it arrived, as a capture on the host has it, from the live object and from the stored text alike', async () => {
  const captured = (await capturedEvents()).map(evidencePart);
  for (const withMessage of [true, false]) {
    const live = liveEvents(withMessage, 30);
    for (let i = 0; i < CALL.length; i++) assert.deepEqual(live[i], captured[i], `${withMessage ? 'live' : 'stored'}: message ${i + 1} (${CALL[i].text.split('\r\n', 1)[0]})`);
  }
});
