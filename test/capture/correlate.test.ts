import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeCaptureFile, analyzeCaptureFiles } from '../../src/capture/index.js';
import { ethernet, ethUdp4, ipv6, pcap, rtp, sdp, sipRequest, sipResponse, udp, type Rec } from './support/packets.js';
import { analyzeBytes } from './support/run.js';

const T0 = Date.UTC(2026, 0, 23, 10, 0, 0);
const A = '10.0.0.1';
const B = '10.0.0.2';

function rtcpSr(ssrc: number): Buffer {
  const b = Buffer.alloc(52);
  b[0] = 0x81;
  b[1] = 200;
  b.writeUInt16BE(12, 2);
  b.writeUInt32BE(ssrc, 4);
  b.writeUInt32BE(ssrc + 1, 28); // report block about the other side
  b[32] = 26; // fraction lost ≈ 10 %
  b[35] = 3; // cumulative lost 3
  b.writeUInt32BE(40, 40); // jitter
  return b;
}

/** A call: offer from A:4000, answer from B:5000, B's RTP really leaving from port 5002 (NAT). */
function callRecords(callId: string, withBye = true): Rec[] {
  const recs: Rec[] = [];
  const sip = (at: number, from: string, to: string, text: string): void => {
    recs.push({ at, data: ethUdp4(from, 5060, to, 5060, text) });
  };
  sip(T0, A, B, sipRequest('INVITE', callId, { sdp: sdp(A, 4000), branch: 'z9hG4bKinv' }));
  sip(T0 + 10, B, A, sipResponse(100, 'Trying', 'INVITE', callId));
  sip(T0 + 500, B, A, sipResponse(200, 'OK', 'INVITE', callId, { sdp: sdp(B, 5000) }));
  sip(T0 + 510, A, B, sipRequest('ACK', callId, { toTag: 'tt1' }));
  for (let i = 0; i < 50; i++) {
    if (i !== 20) recs.push({ at: T0 + 600 + i * 20, data: ethUdp4(A, 4000, B, 5000, rtp(100 + i, i * 160, 0xaaaa)) }); // one lost
    recs.push({ at: T0 + 605 + i * 20, data: ethUdp4(B, 5002, A, 4000, rtp(7000 + i, i * 160, 0xbbbb)) });
  }
  recs.push({ at: T0 + 1000, data: ethUdp4(A, 4001, B, 5001, rtcpSr(0xaaaa)) });
  recs.push({ at: T0 + 1001, data: ethUdp4(A, 4444, B, 5555, rtp(1, 1, 1)) }); // not in any SDP
  if (withBye) {
    sip(T0 + 2000, A, B, sipRequest('BYE', callId, { cseq: 2, toTag: 'tt1' }));
    sip(T0 + 2010, B, A, sipResponse(200, 'OK', 'BYE', callId, { cseq: 2 }));
  }
  return recs.sort((x, y) => x.at - y.at);
}

test('messages are grouped by Call-ID and each becomes a SipEventEvidence record', async () => {
  const r = await analyzeBytes(pcap(1, [...callRecords('one@x'), ...callRecords('two@x').map((x) => ({ ...x, at: x.at + 5 }))]));
  assert.equal(r.summary.calls, 2);
  const c = r.calls.find((x) => x.callId === 'one@x');
  assert.ok(c);
  assert.equal(c.source, 'capture');
  assert.equal(c.method, 'INVITE');
  assert.deepEqual(c.messages.map((m) => m.status ?? m.method), ['INVITE', 100, 200, 'ACK', 'BYE', 200]);
  const inv = c.messages[0];
  assert.equal(inv.kind, 'request');
  assert.equal(inv.src, '10.0.0.1:5060');
  assert.equal(inv.transport, 'UDP');
  assert.equal(inv.branch, 'z9hG4bKinv');
  assert.equal(inv.fromTag, 'ft1');
  assert.equal(inv.from, 'sip:alice@pbx.example.com');
  assert.equal(inv.requestUri, 'sip:+911234567890@trunk.example.com');
  assert.equal(inv.contentType, 'application/sdp');
  assert.equal(inv.cseq, 1);
  assert.deepEqual(inv.sdp?.media[0].payloads.map((p) => [p.pt, p.encoding]), [[8, 'PCMA'], [101, 'telephone-event']]);
  const ok = c.messages[2];
  assert.equal(ok.kind, 'response');
  assert.equal(ok.method, 'INVITE', 'a response carries its CSeq method');
  assert.equal(ok.toTag, 'tt1');
  assert.equal(c.messages[5].method, 'BYE');
  assert.deepEqual(c.participants, ['10.0.0.1:5060', '10.0.0.2:5060']);
});

test('RTP is tied to the call through the SDP of offer and answer, one stream per SSRC and direction', async () => {
  const r = await analyzeBytes(pcap(1, callRecords('rtp@x')));
  assert.equal(r.summary.rtpPackets, 99);
  assert.equal(r.summary.rtcpPackets, 1);
  const c = r.calls[0];
  assert.equal(c.streams.length, 2);
  const ab = c.streams.find((s) => s.src === '10.0.0.1:4000');
  const ba = c.streams.find((s) => s.src === '10.0.0.2:5002');
  assert.ok(ab && ba);
  assert.equal(ab.dst, '10.0.0.2:5000');
  assert.equal(ab.ssrc, 0xaaaa);
  assert.equal(ab.codec, 'PCMA');
  assert.equal(ab.packets, 49);
  assert.equal(ab.lost, 1);
  assert.equal(ab.sdpAddress, '10.0.0.1:4000');
  assert.equal(ab.firstAt, T0 + 600);
  // B sends from 5002 while its SDP said 5000: the evidence of asymmetric RTP.
  assert.equal(ba.sdpAddress, '10.0.0.2:5000');
  assert.equal(ba.lost, 0);
  assert.equal(ba.jitterMs, 0);
  // 0xD5 is A-law silence: the whole stream is silent.
  assert.equal(ba.longestSilenceMs, 50 * 20);
  assert.equal(c.rtcp.length, 1);
  assert.equal(c.rtcp[0].type, 'SR');
  assert.equal(c.rtcp[0].reports[0].cumulativeLost, 3);
  assert.equal(c.observedUntil, T0 + 2010);
});

test('a capture that ends before the BYE still reports the call with the time observation ended', async () => {
  const r = await analyzeBytes(pcap(1, callRecords('open@x', false)));
  assert.equal(r.calls[0].messages.at(-1)?.method, 'ACK');
  assert.equal(r.calls[0].observedUntil, T0 + 605 + 49 * 20, 'the last packet of the capture');
});

test('a re-INVITE moving the media to a new port keeps counting RTP on the new port', async () => {
  const recs = callRecords('reinv@x', false);
  recs.push({ at: T0 + 3000, data: ethUdp4(A, 5060, B, 5060, sipRequest('INVITE', 'reinv@x', { cseq: 3, sdp: sdp(A, 4100), toTag: 'tt1' })) });
  recs.push({ at: T0 + 3010, data: ethUdp4(B, 5060, A, 5060, sipResponse(200, 'OK', 'INVITE', 'reinv@x', { cseq: 3, sdp: sdp(B, 5100) })) });
  for (let i = 0; i < 5; i++) recs.push({ at: T0 + 3100 + i * 20, data: ethUdp4(A, 4100, B, 5100, rtp(200 + i, 9000 + i * 160, 0xcccc)) });
  const r = await analyzeBytes(pcap(1, recs));
  const s = r.calls[0].streams.find((x) => x.ssrc === 0xcccc);
  assert.equal(s?.packets, 5);
  assert.equal(s?.dst, '10.0.0.2:5100');
});

test('several files are read into one set of calls; a file that fails does not hide the others', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-capture-'));
  try {
    const recs = callRecords('split@x');
    const first = join(dir, 'a.pcap');
    const second = join(dir, 'b.pcap');
    const broken = join(dir, 'c.pcap');
    writeFileSync(first, pcap(1, recs.slice(0, 4)));
    writeFileSync(second, pcap(1, recs.slice(4), { littleEndian: false }));
    writeFileSync(broken, Buffer.from('not a capture at all\u0000\u0001'));
    const r = await analyzeCaptureFiles([first, second, broken]);
    assert.equal(r.summary.calls, 1);
    assert.equal(r.calls[0].messages.length, 6);
    assert.equal(r.summary.rtpPackets, 99);
    assert.deepEqual(r.summary.files.map((f) => f.format), ['pcap', 'pcap', 'unknown']);
    assert.deepEqual(r.errors.map((e) => e.code), ['CAP_UNKNOWN_FORMAT']);
    const missing = await analyzeCaptureFile(join(dir, 'nope.pcap'));
    assert.deepEqual(missing.errors.map((e) => e.code), ['CAP_IO']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('RTP that no SDP announced is reported as RTP without signaling, noise is not', async () => {
  const recs: Rec[] = [];
  for (let i = 0; i < 30; i++) recs.push({ at: T0 + i * 20, data: ethUdp4(A, 30000, B, 40000, rtp(500 + i, i * 160, 0x1234)) });
  // Random datagrams on high ports whose first byte happens to look like RTP version 2.
  for (let i = 0; i < 30; i++) {
    const junk = Buffer.alloc(40, i * 7);
    junk[0] = 0x80;
    junk.writeUInt16BE((i * 7919) & 0xffff, 2);
    recs.push({ at: T0 + i * 20 + 1, data: ethUdp4(A, 31000, B, 41000, junk) });
  }
  const r = await analyzeBytes(pcap(1, recs));
  assert.equal(r.summary.rtpPackets, 0);
  assert.equal(r.summary.rtpWithoutSignaling.streams, 1);
  assert.equal(r.summary.rtpWithoutSignaling.packets, 30);
  assert.deepEqual(r.summary.rtpWithoutSignaling.largest[0], { src: '10.0.0.1:30000', dst: '10.0.0.2:40000', ssrc: 0x1234, payloadType: 8, packets: 30, firstAt: T0, lastAt: T0 + 29 * 20 });
});

test('IPv6: an SDP address written in long upper-case form still ties the RTP to the call', async () => {
  const e6 = (src: string, sport: number, dst: string, dport: number, payload: Buffer | string): Buffer => ethernet(0x86dd, ipv6(src, dst, 17, udp(sport, dport, payload)));
  const r = await analyzeBytes(
    pcap(1, [
      { at: T0, data: e6('2001:db8::1', 5060, '2001:db8::2', 5060, sipRequest('INVITE', 'v6@x', { sdp: sdp('2001:DB8:0:0:0:0:0:1', 4000) })) },
      { at: T0 + 1, data: e6('2001:db8::2', 5060, '2001:db8::1', 5060, sipResponse(200, 'OK', 'INVITE', 'v6@x', { sdp: sdp('2001:db8::2', 5000) })) },
      ...[0, 1, 2].map((i) => ({ at: T0 + 10 + i * 20, data: e6('2001:db8::2', 5000, '2001:db8::1', 4000, rtp(i, i * 160, 9)) })),
    ]),
  );
  assert.equal(r.calls[0].messages[0].src, '[2001:db8::1]:5060');
  assert.equal(r.summary.rtpPackets, 3);
  assert.equal(r.calls[0].streams[0].dst, '[2001:db8::1]:4000');
});

test('a header the SIP parser refuses (an "@" in a Via branch) still yields branch, tags and CSeq leniently', async () => {
  const text = sipRequest('INVITE', 'lenient@x', { branch: 'z9hG4bK@bad' }).replace('CSeq: 1 INVITE', 'CSeq: 7 INVITE');
  const r = await analyzeBytes(pcap(1, [{ at: T0, data: ethUdp4(A, 5060, B, 5060, text) }]));
  const m = r.calls[0].messages[0];
  assert.equal(m.branch, 'z9hG4bK@bad');
  assert.equal(m.fromTag, 'ft1');
  assert.equal(m.cseq, 7);
});

test('a new SSRC on the same direction is its own stream, and both count the SSRC change', async () => {
  const recs = callRecords('ssrc@x', false).filter((x) => x.at < T0 + 600);
  for (let i = 0; i < 10; i++) recs.push({ at: T0 + 600 + i * 20, data: ethUdp4(A, 4000, B, 5000, rtp(i, i * 160, 0x1111)) });
  for (let i = 0; i < 10; i++) recs.push({ at: T0 + 900 + i * 20, data: ethUdp4(A, 4000, B, 5000, rtp(5000 + i, 70000 + i * 160, 0x2222)) });
  const r = await analyzeBytes(pcap(1, recs));
  const s = r.calls[0].streams;
  assert.deepEqual(s.map((x) => [x.ssrc, x.packets, x.ssrcChanges]), [[0x1111, 10, 1], [0x2222, 10, 1]]);
});

test('the two legs of a B2BUA that announce the same endpoints (direct media) both get the stream, counted once', async () => {
  const P = '10.0.0.9';
  const recs: Rec[] = [];
  const sip = (at: number, from: string, to: string, text: string): void => {
    recs.push({ at, data: ethUdp4(from, 5060, to, 5060, text) });
  };
  // Leg 1 is A → PBX, leg 2 is PBX → B; the PBX hands each side the other's media address.
  sip(T0, A, P, sipRequest('INVITE', 'leg1@x', { sdp: sdp(A, 4000), branch: 'z9hG4bKleg1' }));
  sip(T0 + 5, P, B, sipRequest('INVITE', 'leg2@x', { sdp: sdp(A, 4000), branch: 'z9hG4bKleg2' }));
  sip(T0 + 400, B, P, sipResponse(200, 'OK', 'INVITE', 'leg2@x', { sdp: sdp(B, 5000) }));
  sip(T0 + 405, P, A, sipResponse(200, 'OK', 'INVITE', 'leg1@x', { sdp: sdp(B, 5000) }));
  for (let i = 0; i < 30; i++) {
    recs.push({ at: T0 + 500 + i * 20, data: ethUdp4(A, 4000, B, 5000, rtp(100 + i, i * 160, 0xaaaa)) });
    recs.push({ at: T0 + 505 + i * 20, data: ethUdp4(B, 5000, A, 4000, rtp(900 + i, i * 160, 0xbbbb)) });
  }
  const r = await analyzeBytes(pcap(1, recs.sort((x, y) => x.at - y.at)));
  assert.equal(r.summary.rtpPackets, 60, 'each packet counted once');
  for (const id of ['leg1@x', 'leg2@x']) {
    const c = r.calls.find((x) => x.callId === id);
    assert.ok(c, id);
    assert.deepEqual(c.streams.map((s) => `${s.src}>${s.dst}:${s.packets}`).sort(), ['10.0.0.1:4000>10.0.0.2:5000:30', '10.0.0.2:5000>10.0.0.1:4000:30'], id);
  }
});

test('a call ended by BYE does not take the stream of a later call on the same endpoints', async () => {
  const later = callRecords('two@x').map((x) => ({ ...x, at: x.at + 10_000 }));
  const r = await analyzeBytes(pcap(1, [...callRecords('one@x'), ...later]));
  for (const id of ['one@x', 'two@x']) {
    const c = r.calls.find((x) => x.callId === id);
    assert.ok(c, id);
    const fromA = c.streams.find((s) => s.src === '10.0.0.1:4000');
    assert.equal(fromA?.packets, 49, `${id}: its own 49 packets, not the other call's`);
  }
});
