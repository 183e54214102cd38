import { test } from 'node:test';
import assert from 'node:assert/strict';
import { burstRatio, codecImpairment, delayImpairment, effectiveEquipmentImpairment, mosFromR, rttFromRtcp, streamQuality } from '../../src/diagnosis/index.js';
import type { RtpStreamEvidence } from '../../src/diagnosis/index.js';

const near = (a: number, b: number, eps = 0.01): void => assert.ok(Math.abs(a - b) <= eps, `${a} ≈ ${b}`);

const stream = (over: Partial<RtpStreamEvidence>): RtpStreamEvidence => ({
  src: '192.0.2.1:4000', dst: '192.0.2.2:5000', ssrc: 1, payloadType: 8, codec: 'PCMA', packets: 1000, bytes: 172_000,
  lost: 0, jitterMs: 0, maxGapMs: 20, firstAt: 0, lastAt: 20_000, ssrcChanges: 0, ...over,
});

test('G.107 Annex B: R is converted to MOS (R 93.2 gives 4.41, R ≤ 0 gives 1, R ≥ 100 gives 4.5)', () => {
  near(mosFromR(93.2), 4.41);
  near(mosFromR(50), 2.58);
  assert.equal(mosFromR(-3), 1);
  assert.equal(mosFromR(120), 4.5);
});

test('G.107 §7.3: delay costs 0.024 per ms, and 0.11 per ms more beyond 177.3 ms', () => {
  near(delayImpairment(100), 2.4);
  near(delayImpairment(200), 0.024 * 200 + 0.11 * 22.7);
});

test('G.107 §7.5: Ie-eff grows with loss, and bursty loss (BurstR > 1) costs more than random loss', () => {
  const g711 = codecImpairment('pcma');
  assert.ok(g711);
  assert.deepEqual(g711, { ie: 0, bpl: 25.1 }, 'G.113 Appendix I: G.711 with PLC');
  assert.equal(effectiveEquipmentImpairment(g711, 0, 1), 0);
  near(effectiveEquipmentImpairment(g711, 2, 1), (95 * 2) / (2 + 25.1));
  assert.ok(effectiveEquipmentImpairment(g711, 2, 4) > effectiveEquipmentImpairment(g711, 2, 1));
  // Gilbert model: 1000 sent, 20 lost in 2 runs of 10 → p = 2/980, q = 2/20, BurstR = 1/(p+q) ≈ 9.8.
  near(burstRatio(1000, 20, 2), 1 / (2 / 980 + 2 / 20));
  // Isolated losses are random loss: BurstR ≈ 1.
  near(burstRatio(1000, 20, 20), 1 / (20 / 980 + 1), 0.001);
  assert.equal(burstRatio(1000, 0, 0), 1);
});

test('a clean G.711 stream scores the G.711 ceiling; loss lowers it; codecs without G.113 values are not scored', () => {
  const clean = streamQuality(stream({}));
  near(clean.rFactor ?? 0, 93.0, 0.1);
  near(clean.mos ?? 0, 4.41);
  const lossy = streamQuality(stream({ lost: 50, expected: 1050, lossBursts: 50 }));
  assert.ok((lossy.mos ?? 5) < 4.1 && (lossy.mos ?? 0) > 3.5, String(lossy.mos));
  near(lossy.lossPct, 4.76);
  const late = streamQuality(stream({ latePackets: 50, expected: 1000 }));
  near(late.latePct, 5);
  assert.ok((late.mos ?? 5) < (clean.mos ?? 0), 'packets late past the jitter buffer are lost to the listener');
  const g722 = streamQuality(stream({ codec: 'G722', payloadType: 9 }));
  assert.equal(g722.mos, undefined);
  assert.match(g722.unscored ?? '', /G722/);
  assert.match(streamQuality(stream({ packets: 10 })).unscored ?? '', /too few/);
});

test('RFC 3550 §6.4.1: the round trip is the report\'s arrival − LSR − DLSR, from the capture point', () => {
  const rtcp = [
    { at: 1000, src: 'a:5001', dst: 'b:5001', type: 'SR' as const, ssrc: 7, ntpMiddle: 0x12345678, reports: [] },
    // 80 ms later the receiver reports, having held the SR 50 ms (DLSR 50 ms = 3276.8 units).
    { at: 1080, src: 'b:5001', dst: 'a:5001', type: 'RR' as const, ssrc: 9, reports: [{ ssrc: 7, fractionLost: 0, cumulativeLost: 0, jitter: 80, lastSr: 0x12345678, delaySinceLastSr: 3277 }] },
  ];
  near(rttFromRtcp(rtcp, 7) ?? 0, 30, 0.1);
  assert.equal(rttFromRtcp(rtcp, 9), undefined);
  const q = streamQuality(stream({ ssrc: 7 }), rtcp);
  near(q.rttMs ?? 0, 30, 0.1);
  assert.deepEqual(q.receiverReport, { at: 1080, cumulativeLost: 0, fractionLost: 0, jitterMs: 10 });
});
