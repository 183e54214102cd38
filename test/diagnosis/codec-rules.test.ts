import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseCall } from '../../src/diagnosis/index.js';
import { answeredCall, failedCall, ids, sdp, stream, twoWay } from './support/evidence.js';

test('a 488 whose offer lacks PCMA says so and lists what was offered', () => {
  const ev = failedCall(488, 'Not Acceptable Here', { offer: sdp('203.0.113.10', 10000, [0, 18, 'telephone-event']) });
  const [f, ...rest] = diagnoseCall(ev);
  assert.equal(f.id, 'sip.488.no-pcma');
  assert.equal(f.code, 488);
  assert.equal(f.fault_domain, 'customer-pbx');
  assert.ok(f.evidence.some((e) => e.includes('PCMU/8000 (PT 0)') && e.includes('G729/8000 (PT 18)') && e.includes('telephone-event/8000 (PT 101)')), f.evidence.join('\n'));
  assert.ok(f.checks.includes('G.711 A-law only: enable PCMA/8000 on the PBX trunk'));
  assert.ok(!ids(rest).includes('sip.488'), 'the generic 488 row yields to the sharper finding');
});

test('a 488 to an offer that has PCMA gets the guide row, not no-pcma', () => {
  const found = ids(diagnoseCall(failedCall(488, 'Not Acceptable Here', { offer: sdp('203.0.113.10', 10000, [8, 0]) })));
  assert.deepEqual(found, ['sip.488']);
});

test('another codec forced ahead of PCMA is a warning even when the call succeeds', () => {
  const ev = answeredCall({ offer: sdp('203.0.113.10', 10000, [0, 8, 'telephone-event']), streams: twoWay(10_000), byeAt: 10_050 });
  const found = diagnoseCall(ev);
  assert.deepEqual(ids(found), ['codec.pcma-not-first']);
  assert.equal(found[0].severity, 'warning');
  assert.match(found[0].evidence[0], /PCMU\/8000 \(PT 0\) ahead of PCMA/);
});

test('telephone-event or comfort noise listed first is not a codec forced ahead of PCMA', () => {
  const ev = answeredCall({ offer: sdp('203.0.113.10', 10000, ['telephone-event', 13, 8]), streams: twoWay(10_000), byeAt: 10_050 });
  assert.deepEqual(ids(diagnoseCall(ev)), []);
});

test('an answer on PCMU and directions on different codecs report transcoding', () => {
  const ev = answeredCall({
    offer: sdp('203.0.113.10', 10000, [0, 8]),
    answer: sdp('198.51.100.20', 20000, [0]),
    streams: [
      stream('203.0.113.10:10000', '198.51.100.20:20000', 1050, 9000, { payloadType: 0, codec: 'PCMU' }),
      stream('198.51.100.20:20000', '203.0.113.10:10000', 1050, 9000),
    ],
    byeAt: 9050,
  });
  const found = diagnoseCall(ev);
  assert.deepEqual(ids(found).sort(), ['codec.pcma-not-first', 'codec.transcoding']);
  // The codec forced ahead won the negotiation: the same finding says so.
  assert.ok(found.find((f) => f.id === 'codec.pcma-not-first')!.evidence.includes('the answer chose PCMU/8000 (PT 0)'));
  assert.ok(found.find((f) => f.id === 'codec.transcoding')!.evidence.some((e) => e.startsWith('RTP carries different codecs')));
});

test('an answer on another codec when the offer had no PCMA is non-pcma-negotiated', () => {
  const ev = answeredCall({ offer: sdp('203.0.113.10', 10000, [0]), answer: sdp('198.51.100.20', 20000, [0]), byeAt: 9050,
    streams: twoWay(9000, { payloadType: 0, codec: 'PCMU' }) });
  const found = diagnoseCall(ev);
  assert.deepEqual(ids(found), ['codec.non-pcma-negotiated']);
  // The call worked: a warning about the trunk's A-law-only rule, not an error.
  assert.equal(found[0].severity, 'warning');
  assert.match(found[0].title, /A-law-only rule/);
  assert.ok(found[0].evidence.some((e) => e.includes('the call was answered on it; the trunk allows G.711 A-law (PCMA/8000) only')), found[0].evidence.join('\n'));
});

test('a trunk with transcoding enabled is reported', () => {
  const ev = { ...answeredCall({ streams: twoWay(5000), byeAt: 5050 }), trunk: { trunkSid: 'trmum1000000000000000001a1n', transcoding: true } };
  assert.deepEqual(ids(diagnoseCall(ev)), ['codec.transcoding']);
});

test('415 to a body that is not application/sdp is filed as not-sdp', () => {
  const found = ids(diagnoseCall(failedCall(415, 'Unsupported Media Type', { contentType: 'multipart/mixed;boundary=x' })));
  assert.deepEqual(found, ['sip.415.not-sdp']);
});

test('580 to an SRTP offer, and to an offer requiring preconditions, names the reason', () => {
  const srtp = sdp('203.0.113.10', 10000, [8], { protocol: 'RTP/SAVP', encrypted: true });
  assert.deepEqual(ids(diagnoseCall(failedCall(580, 'Precondition Failure', { offer: srtp }))), ['sip.580.srtp']);
  const pre = sdp('203.0.113.10', 10000, [8], {}, { preconditions: true });
  assert.deepEqual(ids(diagnoseCall(failedCall(580, 'Precondition Failure', { offer: pre }))), ['sip.580.preconditions']);
  assert.deepEqual(ids(diagnoseCall(failedCall(580, 'Precondition Failure'))), ['sip.580']);
});

test('606 to an offer without a usable audio stream is no-usable-media', () => {
  const off = sdp('203.0.113.10', 0, [8]);
  assert.deepEqual(ids(diagnoseCall(failedCall(606, 'Not Acceptable', { offer: off }))), ['sip.606.no-usable-media']);
  // A "null codec" offer (port 0, a=inactive) refused with 488 is the same fault.
  const nul = sdp('203.0.113.10', 0, [0], { direction: 'inactive' });
  const [f] = diagnoseCall(failedCall(488, 'Not Acceptable Here', { offer: nul }));
  assert.equal(f.id, 'sip.488.no-usable-media');
  assert.equal(f.code, 488);
  assert.ok(f.evidence.includes('488 Not Acceptable Here from 198.51.100.20:5070'));
  assert.ok(f.evidence.includes('offered: audio port 0 RTP/AVP inactive [PCMU/8000 (PT 0)]'), f.evidence.join('\n'));
});
