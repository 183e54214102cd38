import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { evidenceOf } from '../../src/app/call-evidence.js';
import { summarizeCall, type CallEvidence } from '../../src/diagnosis/index.js';
import { CallRecorder } from '../../src/edge/index.js';
import { RtpStreamStats } from '../../src/rtp/index.js';
import { parseSdp, summariseSdp } from '../../src/sdp/index.js';
import type { CallRecord } from '../../src/store/index.js';

// Objects the edge makes for every call — the evidence summary of each SDP, each trace entry, the
// call's summary for the diagnosis, each stream's snapshot, the record's evidence — must not make a
// hidden class of their own. On Node 20's V8 a key added to an object born of a spread
// (`{ ...(x ? { a } : {}), b }`) goes through the runtime and makes a new one (a Map, allocated in
// the old generation) every time (issue 13). Measured as old-space growth per call, near zero
// without. The SDP summary made one per call before (141 bytes per summary measured); the others
// pass either way and keep those objects from the pattern.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const oldSpace = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;

/** Bytes of old space per call of `make` (after a warm-up that optimises it), which must not keep what it makes. */
function oldSpacePerCall(make: (i: number) => unknown): number {
  let sink: unknown;
  for (let i = 0; i < 5000; i++) sink = make(i);
  // The least of three rounds: a round may also see code the optimiser writes, or a scavenge
  // promote what was live at that moment; a hidden class per call is in every round.
  let least = Infinity;
  for (let round = 0; round < 3; round++) {
    gc();
    const before = oldSpace();
    const n = 4000;
    for (let i = 0; i < n; i++) sink = make(i);
    least = Math.min(least, (oldSpace() - before) / n);
  }
  void sink;
  return least;
}

/** Well under a hidden class (~100–300 bytes each); what a scavenge happens to promote stays below it. */
const AT_MOST = 32;

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n';

test('an SDP summary makes no hidden class of its own (keys after a spread did, ~270 bytes of old space each)', () => {
  const parsed = parseSdp(SDP);
  const perCall = oldSpacePerCall(() => summariseSdp(parsed));
  assert.ok(perCall < AT_MOST, `${perCall.toFixed(1)} bytes of old space per summary`);
});

test('a traced message\'s entry makes no hidden class of its own, with or without its queue wait', () => {
  const clock = { now: () => 1_765_000_000_000, monotonic: () => 0, setTimer: () => ({ cancel: () => undefined }) };
  const start = { callSid: 'CA1', accountSid: null, trunkSid: null, direction: 'inbound' as const, from: '+1', to: '+2', sourceAddress: '127.0.0.1', transport: 'udp', sipCallId: 'c1' };
  const perCall = oldSpacePerCall((i) => {
    const recorder = new CallRecorder(clock, start, { evidenceAsTraced: false });
    const message = 'OPTIONS sip:a SIP/2.0\r\n\r\n';
    recorder.trace(i & 1
      ? { leg: 'carrier', direction: 'in', transport: 'udp', src: '127.0.0.2:5060', dst: '127.0.0.1:5060', message }
      : { leg: 'carrier', direction: 'in', transport: 'udp', src: '127.0.0.2:5060', dst: '127.0.0.1:5060', message, queued_ms: 3 });
    return recorder.traceEntries[0];
  });
  assert.ok(perCall < AT_MOST, `${perCall.toFixed(1)} bytes of old space per traced entry`);
});

test('a call\'s summary for the diagnosis makes no hidden class of its own, answered or failed', () => {
  const summary = summariseSdp(parseSdp(SDP));
  const base = { src: '127.0.0.2:5060', dst: '127.0.0.1:5060', transport: 'UDP', cseq: 1, fromTag: 'a', from: 'sip:+1@x', to: 'sip:+2@y' };
  const answered: CallEvidence = {
    callId: 'c1', source: 'edge', streams: [],
    messages: [
      { ...base, at: 1, kind: 'request', method: 'INVITE', requestUri: 'sip:+2@y', sdp: summary },
      { ...base, at: 2, kind: 'response', method: 'INVITE', status: 200, reason: 'OK', toTag: 'b', sdp: summary },
      { ...base, at: 3, kind: 'request', method: 'BYE', cseq: 2 },
    ],
  };
  const failed: CallEvidence = { ...answered, messages: [answered.messages[0]!, { ...base, at: 2, kind: 'response', method: 'INVITE', status: 486, reason: 'Busy Here', toTag: 'b' }] };
  const perCall = oldSpacePerCall((i) => summarizeCall(i & 1 ? answered : failed));
  assert.ok(perCall < AT_MOST, `${perCall.toFixed(1)} bytes of old space per call summary`);
});

test('an RTP stream\'s snapshot makes no hidden class of its own', () => {
  const stats = new RtpStreamStats({ src: '127.0.0.2:4000', dst: '127.0.0.1:6000', sdpAddress: '127.0.0.2:4000', latched: false });
  const packet = new Uint8Array(172);
  packet[0] = 0x80;
  packet[1] = 8;
  stats.add(1000, { marker: false, payloadType: 8, sequenceNumber: 1, timestamp: 160, ssrc: 7, headerLength: 12, payloadOffset: 12, payloadLength: 160, paddingLength: 0 }, packet);
  const perCall = oldSpacePerCall(() => stats.snapshot());
  assert.ok(perCall < AT_MOST, `${perCall.toFixed(1)} bytes of old space per snapshot`);
});

test('a call record\'s evidence for the diagnosis makes no hidden class of its own', () => {
  const record = {
    call_sid: 'CA1', account_sid: null, trunk_sid: null, direction: 'inbound', from: '+1', to: '+2', source_address: '127.0.0.2', transport: 'udp',
    sip_call_id: 'c1', status: 'completed', started_at: '2026-12-08T00:00:00Z', answered_at: null, ended_at: '2026-12-08T00:00:01Z', final_code: 200,
    final_reason: 'OK', final_by: 'carrier', end_cause: null, edge_cause: 'none', duration_s: 1, setup_ms: 10, findings: [], events: [], trace: [], media: null, node_id: null,
  } as unknown as CallRecord;
  const perCall = oldSpacePerCall(() => evidenceOf(record));
  assert.ok(perCall < AT_MOST, `${perCall.toFixed(1)} bytes of old space per record's evidence`);
});
