// Capture and diagnosis (both L2) share the evidence types owned below them (sip's SipEvent,
// sdp's summary, rtp's stream and RTCP evidence); a captured call is CallEvidence as it is.
// This test fails to COMPILE if a capture shape stops fitting the evidence contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallEvidence, RtpStreamEvidence, SipEventEvidence } from '../../src/diagnosis/index.js';
import type { CaptureCall, CaptureSipEvent } from '../../src/capture/index.js';
import type { RtpStreamSnapshot } from '../../src/rtp/index.js';
import { ethUdp4, pcap, rtp, sdp, sipRequest, sipResponse } from './support/packets.js';
import { analyzeBytes } from './support/run.js';

// Compile-time: each capture/rtp shape is assignable to its evidence type.
const asCall = (c: CaptureCall): CallEvidence => c;
const asEvent = (e: CaptureSipEvent): SipEventEvidence => e;
const asStream = (s: RtpStreamSnapshot): RtpStreamEvidence => s;

test('a captured call is CallEvidence as it is, with its events and streams', async () => {
  const T0 = Date.UTC(2026, 0, 23);
  const r = await analyzeBytes(
    pcap(1, [
      { at: T0, data: ethUdp4('10.0.0.1', 5060, '10.0.0.2', 5060, sipRequest('INVITE', 'k@x', { sdp: sdp('10.0.0.1', 4000) })) },
      { at: T0 + 1, data: ethUdp4('10.0.0.2', 5060, '10.0.0.1', 5060, sipResponse(200, 'OK', 'INVITE', 'k@x', { sdp: sdp('10.0.0.2', 5000) })) },
      { at: T0 + 2, data: ethUdp4('10.0.0.2', 5000, '10.0.0.1', 4000, rtp(1, 0, 5)) },
    ]),
  );
  const call = asCall(r.calls[0]);
  assert.equal(call.callId, 'k@x');
  assert.equal(asEvent(r.calls[0].messages[0]).method, 'INVITE');
  assert.equal(asStream(r.calls[0].streams[0]).packets, 1);
});
