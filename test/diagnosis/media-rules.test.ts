import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseCall } from '../../src/diagnosis/index.js';
import { answeredCall, ids, sdp, stream, twoWay } from './support/evidence.js';

const PBX_RTP = '203.0.113.10:10000';
const TRUNK_RTP = '198.51.100.20:20000';

test('no RTP either way after answer is blocked RTP (check UDP 10000–40000)', () => {
  const [f, ...rest] = diagnoseCall({ ...answeredCall({ byeAt: 15_000 }), source: 'edge' });
  assert.equal(f.id, 'media.blocked-rtp');
  assert.equal(f.severity, 'error');
  assert.equal(rest.length, 0);
  assert.ok(f.checks[0].includes('UDP 10000–40000'));
  assert.ok(f.evidence.some((e) => e.includes('14.0 s after answer')), f.evidence.join('\n'));
  assert.ok(f.evidence.some((e) => e.includes('203.0.113.10:10000')));
});

test('a capture with RTP of other calls but none of this answered call keeps blocked RTP, as a warning with the nuance', () => {
  const [f] = diagnoseCall(answeredCall({ byeAt: 15_000 }));
  assert.equal(f.id, 'media.blocked-rtp');
  assert.equal(f.severity, 'warning');
  assert.ok(f.evidence.some((e) => e.includes('off the media path')));
});

test('no media verdict when the source could not see RTP, or the call lasted under the window', () => {
  // A capture with no RTP at all was taken off the media path: "not observed", info, never blocked RTP.
  const notSeen = diagnoseCall({ ...answeredCall({ byeAt: 15_000 }), mediaObserved: false });
  assert.deepEqual(notSeen.map((f) => [f.id, f.severity]), [['media.not-observed', 'info']]);
  assert.ok(notSeen[0].evidence.some((e) => e.includes('no RTP packet at all')), notSeen[0].evidence.join('\n'));
  assert.deepEqual(diagnoseCall({ ...answeredCall({ byeAt: 15_000 }), source: 'edge', mediaObserved: false }), []);
  assert.deepEqual(diagnoseCall({ ...answeredCall({ byeAt: 1500 }), mediaObserved: false }), []);
  assert.deepEqual(diagnoseCall({ ...answeredCall({ byeAt: 15_000 }), source: 'log' }), []);
  assert.deepEqual(diagnoseCall(answeredCall({ byeAt: 1500 })), []);
});

test('a 200 OK whose SDP c= is private and RTP one way is one-way audio from NAT', () => {
  // The PBX is behind NAT: its answer says 192.168.1.10, so the trunk's RTP never reaches it.
  const ev = answeredCall({
    offer: sdp('198.51.100.20', 20000, [8]),
    answer: sdp('192.168.1.10', 10000, [8]),
    streams: [stream('192.168.1.10:10000', TRUNK_RTP, 1050, 30_000)],
    byeAt: 30_050,
  });
  const found = diagnoseCall(ev);
  assert.deepEqual(ids(found), ['media.one-way.nat']);
  assert.ok(found[0].evidence.some((e) => e.includes('192.168.1.10:10000') && e.includes('RFC 1918')), found[0].evidence.join('\n'));
  assert.ok(found[0].evidence.some((e) => e.startsWith('RTP only from the callee')));
});

test('one-way RTP between public addresses is one-way audio, not NAT; 172.168.x.x is not private', () => {
  const ev = answeredCall({
    answer: sdp('172.168.1.1', 20000, [8]),
    streams: [stream(PBX_RTP, '172.168.1.1:20000', 1050, 30_000)],
    byeAt: 30_050,
  });
  assert.deepEqual(ids(diagnoseCall(ev)), ['media.one-way']);
});

test('CGNAT 100.64/10 and IPv6 ULA in the SDP count as private for one-way audio', () => {
  for (const host of ['100.72.0.5', 'fd00::5']) {
    const ep = host.includes(':') ? `[${host}]:10000` : `${host}:10000`;
    const ev = answeredCall({ answer: sdp(host, 10000, [8]), streams: [stream(ep, PBX_RTP, 1050, 20_000)], byeAt: 20_050 });
    assert.deepEqual(ids(diagnoseCall(ev)), ['media.one-way.nat'], host);
  }
});

test('a stream on hold (a=sendonly) flowing one way is expected, not one-way audio', () => {
  const hold = sdp('203.0.113.10', 10000, [8], { direction: 'sendonly' });
  const ev = answeredCall({ streams: [stream(PBX_RTP, TRUNK_RTP, 1050, 20_000)], byeAt: 20_050, extra: [{ ...answeredCall().messages[0], at: answeredCall().messages[0].at + 5000, cseq: 3, sdp: hold }] });
  assert.deepEqual(ids(diagnoseCall(ev)), []);
});

test('RTP that stops mid-call while signaling continues is an RTP timeout, with when and the firewall match', () => {
  // Answer at 1 s, RTP stops 30.4 s later, the BYE comes at 61 s.
  const ev = answeredCall({ streams: twoWay(31_400), byeAt: 61_000, byeHeaders: { reason: ['SIP;cause=408;text="RTP timeout"'] } });
  const [f, ...rest] = diagnoseCall(ev);
  assert.equal(f.id, 'media.rtp-timeout');
  assert.equal(rest.length, 0);
  assert.ok(f.evidence.some((e) => e.includes('stopped 30.4 s after answer')), f.evidence.join('\n'));
  assert.ok(f.evidence.some((e) => e.includes('matches a common firewall idle timeout of 30 s')));
  assert.ok(f.evidence.some((e) => e.includes('BYE Reason: SIP;cause=408')));
});

test('an RTP stop away from the common timeouts says it does not match one', () => {
  const f = diagnoseCall(answeredCall({ streams: twoWay(46_000), byeAt: 90_000 }))[0];
  assert.equal(f.id, 'media.rtp-timeout');
  assert.ok(f.evidence.some((e) => e.includes('45.0 s does not match a common firewall idle timeout (30, 60, 120, 180 s)')), f.evidence.join('\n'));
});

test('RTP running until the BYE is no timeout; a call still up at the end of capture with RTP stopped is one', () => {
  assert.deepEqual(ids(diagnoseCall(answeredCall({ streams: twoWay(59_990), byeAt: 60_000 }))), []);
  const up = diagnoseCall(answeredCall({ streams: twoWay(121_000), observedUntil: 200_000 }));
  assert.deepEqual(ids(up), ['media.rtp-timeout']);
  assert.ok(up[0].evidence.some((e) => e.includes('matches a common firewall idle timeout of 120 s')));
});

test('comfort noise and long VAD gaps are not loss and not a timeout', () => {
  const cn = twoWay(30_000, { comfortNoisePackets: 400, maxGapMs: 3000, lost: 0 });
  assert.deepEqual(ids(diagnoseCall(answeredCall({ streams: cn, byeAt: 30_050 }))), []);
});

test('a different ptime per direction changes packet counts, not loss', () => {
  const streams = [
    stream(PBX_RTP, TRUNK_RTP, 1050, 30_000, { packets: 1450 }), // 20 ms
    stream(TRUNK_RTP, PBX_RTP, 1050, 30_000, { packets: 966 }), // 30 ms
  ];
  assert.deepEqual(ids(diagnoseCall(answeredCall({ streams, byeAt: 30_050 }))), []);
});

test('sequence loss over the threshold is packet loss', () => {
  const streams = [stream(PBX_RTP, TRUNK_RTP, 1050, 30_000, { lost: 200 }), stream(TRUNK_RTP, PBX_RTP, 1050, 30_000)];
  const f = diagnoseCall(answeredCall({ streams, byeAt: 30_050 }));
  assert.deepEqual(ids(f), ['media.packet-loss']);
  assert.match(f[0].evidence[0], /200 lost of 1648 expected \(12.1 %\)/);
});

test('RTP from another address than the SDP is asymmetric RTP; latching says it fixed it', () => {
  const mk = (latched?: boolean) => answeredCall({
    streams: [
      stream('203.0.113.99:40000', TRUNK_RTP, 1050, 20_000, { sdpAddress: PBX_RTP, ...(latched ? { latched } : {}) }),
      stream(TRUNK_RTP, PBX_RTP, 1050, 20_000),
    ],
    byeAt: 20_050,
  });
  const [f] = diagnoseCall(mk());
  assert.equal(f.id, 'media.asymmetric-rtp');
  assert.equal(f.severity, 'error');
  assert.ok(f.evidence[0].includes('comes from 203.0.113.99:40000') && f.evidence[0].includes('SDP said 203.0.113.10:10000'), f.evidence[0]);
  const [g] = diagnoseCall(mk(true));
  assert.equal(g.id, 'media.asymmetric-rtp');
  assert.equal(g.severity, 'info');
  assert.ok(g.evidence.some((e) => e.includes('latching fixed it')));
});

test('asymmetric RTP is read from the SDP alone when the stream goes to the peer but comes from elsewhere', () => {
  const ev = answeredCall({
    streams: [stream('203.0.113.10:10002', TRUNK_RTP, 1050, 20_000), stream(TRUNK_RTP, PBX_RTP, 1050, 20_000)],
    byeAt: 20_050,
  });
  const f = diagnoseCall(ev);
  assert.deepEqual(ids(f), ['media.asymmetric-rtp']);
  assert.ok(f[0].evidence[0].includes('SDP said 203.0.113.10:10000'));
});

test('a direction carrying packets but only silence is silent RTP', () => {
  const streams = [stream(PBX_RTP, TRUNK_RTP, 1050, 30_000, { longestSilenceMs: 28_500 }), stream(TRUNK_RTP, PBX_RTP, 1050, 30_000, { longestSilenceMs: 800 })];
  const f = diagnoseCall(answeredCall({ streams, byeAt: 30_050 }));
  assert.deepEqual(ids(f), ['media.silent-rtp']);
  assert.match(f[0].evidence[0], /^203\.0\.113\.10:10000 → 198\.51\.100\.20:20000 .*only silence for 28\.5 s/);
  // Below the threshold is not reported; the relay can lower it.
  const short = [stream(PBX_RTP, TRUNK_RTP, 1050, 8000, { longestSilenceMs: 6900 }), stream(TRUNK_RTP, PBX_RTP, 1050, 8000)];
  assert.deepEqual(ids(diagnoseCall(answeredCall({ streams: short, byeAt: 8050 }))), []);
  assert.deepEqual(ids(diagnoseCall(answeredCall({ streams: short, byeAt: 8050 }), { thresholds: { silenceMs: 5000 } })), ['media.silent-rtp']);
});

test('a listener silent for a long stretch of a normal call is not silent RTP', () => {
  const streams = [stream(PBX_RTP, TRUNK_RTP, 1050, 60_000, { longestSilenceMs: 25_000 }), stream(TRUNK_RTP, PBX_RTP, 1050, 60_000, { longestSilenceMs: 15_000 })];
  assert.deepEqual(ids(diagnoseCall(answeredCall({ streams, byeAt: 60_050 }))), []);
});

test('a direction of comfort noise only is silent RTP, not loss', () => {
  const streams = [stream(PBX_RTP, TRUNK_RTP, 1050, 30_000, { packets: 300, comfortNoisePackets: 300, payloadType: 13, codec: 'CN' }), stream(TRUNK_RTP, PBX_RTP, 1050, 30_000)];
  const f = diagnoseCall(answeredCall({ streams, byeAt: 30_050 }));
  assert.deepEqual(ids(f), ['media.silent-rtp']);
  assert.match(f[0].evidence[0], /300 comfort-noise \(PT 13\) packets/);
});

test('one direction stopping while the other goes on is a one-way drop, a warning that names VAD', () => {
  const streams = [stream(PBX_RTP, TRUNK_RTP, 1050, 60_000), stream(TRUNK_RTP, PBX_RTP, 1050, 20_000)];
  const [f] = diagnoseCall(answeredCall({ streams, byeAt: 60_050 }));
  assert.equal(f.id, 'media.rtp-timeout');
  assert.equal(f.severity, 'warning');
  assert.ok(f.evidence.some((e) => e.startsWith('RTP from the callee stopped 19.0 s after answer')), f.evidence.join('\n'));
  assert.ok(f.evidence.some((e) => e.includes('VAD')));
});

test('RTP that stops when a re-INVITE moves the media is not a timeout', () => {
  const move = { ...answeredCall().messages[0], at: answeredCall().messages[0].at + 20_500, cseq: 3, sdp: sdp('203.0.113.10', 10002, [8]) };
  const streams = [stream(PBX_RTP, TRUNK_RTP, 1050, 20_000), stream(TRUNK_RTP, PBX_RTP, 1050, 20_000),
    stream('203.0.113.10:10002', TRUNK_RTP, 20_600, 60_000, { ssrc: 7 }), stream(TRUNK_RTP, '203.0.113.10:10002', 20_600, 60_000, { ssrc: 8 })];
  assert.deepEqual(ids(diagnoseCall(answeredCall({ streams, byeAt: 60_050, extra: [move] }))), []);
});
