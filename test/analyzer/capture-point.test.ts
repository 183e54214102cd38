import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { analyzeCaptureStream } from '../../src/capture/index.js';
import { diagnoseCaptureFiles, renderCallDetail, renderCallTable } from '../../src/analyzer/index.js';
import type { DiagnoseReport } from '../../src/analyzer/index.js';

// Where the capture stood: what the capture point saw that an endpoint did not, and what the
// capture itself lost. responses-lost.pcap is SIPp with an iptables rule behind the capture point.
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function diagnose(file: string): Promise<DiagnoseReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'diagnose', file, '--json'], { timeout: 30_000, maxBuffer: 32 << 20 }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as DiagnoseReport)));
  });
}

test('RFC 3261 §17.1.1.2: an INVITE retransmitted after its 180 passed the capture point means the answers are lost beyond it', async () => {
  // tshark: INVITE 0 s, 180 0.0004 s, 200 0.0016 s, INVITE again at 0.50, 1.51, 3.51, 7.51 s.
  const r = await diagnose('test/fixtures/captures/responses-lost.pcap');
  const c = r.calls.find((x) => x.method === 'INVITE');
  assert.ok(c);
  const f = c.findings.find((x) => x.id === 'reachability.responses-lost');
  assert.ok(f, c.findings.map((x) => x.id).join());
  assert.match(f.evidence[0], /INVITE \(CSeq 1\) from 127\.0\.0\.77:5060 sent 5 time\(s\); 4 of them after 180 Ringing from 127\.0\.0\.78:5070/);
  assert.match(f.evidence[1], /lost between the capture point and 127\.0\.0\.77:5060/);
  // A normal call, where retransmissions stop at the first answer, has no such finding.
  const good = await diagnose('test/fixtures/captures/good-call.pcap');
  assert.ok(!good.calls.some((x) => x.findings.some((y) => y.id === 'reachability.responses-lost')));
});

function block(type: number, body: Buffer): Buffer {
  const len = 12 + body.length;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}

test('pcapng Interface Statistics Blocks: the packets the capture itself dropped are reported (isb_ifdrop + isb_osdrop)', async () => {
  const shb = block(0x0a0d0d0a, Buffer.from([0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(1, 0); // LINKTYPE_ETHERNET
  idb.writeUInt32LE(262144, 4);
  // ISB: interface 0, timestamp, isb_ifrecv 100, isb_ifdrop 7, isb_osdrop 3, opt_endofopt.
  const opt = (code: number, v: bigint): Buffer => {
    const o = Buffer.alloc(12);
    o.writeUInt16LE(code, 0);
    o.writeUInt16LE(8, 2);
    o.writeBigUInt64LE(v, 4);
    return o;
  };
  const isb = Buffer.concat([Buffer.alloc(12), opt(4, 100n), opt(5, 7n), opt(7, 3n), Buffer.alloc(4)]);
  const file = Buffer.concat([shb, block(1, idb), block(5, isb)]);
  const r = await analyzeCaptureStream(Readable.from([file]), { name: 'isb.pcapng' });
  assert.equal(r.summary.files[0].droppedByCapture, 10);
  // dumpcap's own capture of a quiet loopback: statistics present, nothing dropped.
  const clean = await diagnose('test/fixtures/captures/tcp-call.pcapng');
  assert.equal(clean.files[0].dropped_by_capture, 0);
});

test('a corpus capture whose dumpcap dropped packets says so: the loss it shows may be the capture\'s own', { skip: existsSync('../shared/corpus/pcaps') ? false : 'the corpus is not present' }, async () => {
  // Its last ISB (read by hand): "Counters provided by dumpcap", isb_ifrecv 8989, isb_ifdrop 930.
  const r = await diagnoseCaptureFiles(['../shared/corpus/pcaps/goffinet__branch-scenario-sipp.pcapng']);
  assert.equal(r.files[0].dropped_by_capture, 930);
  assert.match(renderCallTable(r), /THE CAPTURE ITSELF DROPPED 930 packets/);
  const f = r.findings.find((x) => x.id === 'capture.dropped-packets');
  assert.match(f?.evidence[0] ?? '', /dropped 930 packets .* while it wrote 8989 — 9\.4% of what crossed the interface/);
  assert.equal(f?.evidence[1], 'no RTP stream in this file shows loss; missing SIP messages (a request with no answer) may still be the capture\'s');
});

test('a capture whose dumpcap dropped packets is a finding for the capture, naming the RTP loss it puts in doubt', async () => {
  // capinfos / dumpcap: "Packets received/dropped on interface 'Loopback: lo': 1038/3680" — dumpcap (-B 1) was
  // stopped 3 s under a SIPp flood; the endpoints (SIPp, -rtp_echo) got every packet, the capture shows a 1.8 s gap.
  const r = await diagnose('test/fixtures/captures/capture-drops.pcapng');
  const f = r.findings.find((x) => x.id === 'capture.dropped-packets');
  assert.ok(f, r.findings.map((x) => x.id).join());
  assert.match(f.evidence[0], /capture-drops\.pcapng: the capture itself dropped 3680 packets .* while it wrote 1038 — 78\.0% of what crossed the interface/);
  assert.match(f.evidence[1], /RTP loss counted in this file may be the capture's, not the network's: 127\.0\.0\.77:7000 → 127\.0\.0\.78:6000 \(\d+ lost\)/);
  const call = r.calls.find((c) => c.endpoints.includes('127.0.0.77:5060'));
  assert.ok(call);
  assert.deepEqual(f.call_ids, [call.call_id]);
  // The flood the capture kept is still a flood (SOURCES.md), and the good call is not part of it.
  const flood = r.findings.find((x) => x.id === 'security.flood');
  assert.ok(flood, r.findings.map((x) => x.id).join());
  assert.match(flood.evidence[0], /^127\.0\.0\.79 sent \d+ INVITE requests between/);
  assert.ok(!flood.call_ids.includes(call.call_id));
  // Statistics that count no drop are no finding.
  const clean = await diagnose('test/fixtures/captures/tcp-call.pcapng');
  assert.ok(!clean.findings.some((x) => x.id === 'capture.dropped-packets'));
});

test('RTCP against RTP: a receiver that reports loss on a stream the capture saw whole lost it after the capture point', { skip: existsSync('../shared/corpus/pcaps') ? false : 'the corpus is not present' }, async () => {
  // tshark -z rtp,streams: 172.25.105.40:18150 → 172.25.105.3:63184 SSRC 0x42AFE59B, 1302 packets, 0 lost;
  // -Y 'rtcp.ssrc.identifier == 0x42afe59b': 172.25.105.3's reports count 4, 50, then 76 cumulative lost.
  const r = await diagnoseCaptureFiles(['../shared/corpus/pcaps/goffinet__Forensic_challenge_4.pcap']);
  const found = r.calls.flatMap((c) => c.findings.filter((f) => f.id === 'capture.loss-after-capture-point'));
  assert.equal(found.length, 1);
  assert.match(found[0].evidence[0], /^172\.25\.105\.40:18150 → 172\.25\.105\.3:63184 SSRC 0x42afe59b: the capture saw all 1302 packets/);
  assert.match(found[0].evidence[1], /RTCP SR from 172\.25\.105\.3:63185 at \S+ reports 76 lost/);
  // The other direction's reports (from 172.25.105.40) count nothing lost: no finding about them.
  assert.doesNotMatch(found[0].evidence.join(' '), /172\.25\.105\.3:63184 →/);
  // Calls whose receivers report no loss get nothing.
  const clean = await diagnoseCaptureFiles(['../shared/corpus/pcaps/voipshark__SIP-RTP-Normal_Call_two_parties.pcap']);
  assert.ok(!clean.calls.some((c) => c.findings.some((f) => f.id.startsWith('capture.loss'))));
});

test('RTCP against RTP on a capture made here: baresip reports the loss an iptables rule caused after the capture point', async () => {
  // tshark -z rtp,streams: 10.99.0.1:7000 → 10.99.0.2:10004 SSRC 0xDEE0EE8F, 236 packets, 0 lost; baresip's
  // SR at 5.0 s carries a report block on 0xDEE0EE8F with cumulative lost 20 (the rule drops 10% inside its namespace).
  const r = await diagnose('test/fixtures/captures/rtcp-loss.pcap');
  assert.equal(r.calls.length, 1);
  const f = r.calls[0].findings.find((x) => x.id === 'capture.loss-after-capture-point');
  assert.ok(f, r.calls[0].findings.map((x) => x.id).join());
  assert.equal(f.evidence[0], '10.99.0.1:7000 → 10.99.0.2:10004 SSRC 0xdee0ee8f: the capture saw all 236 packets (sequence numbers without a gap)');
  assert.match(f.evidence[1], /RTCP SR from 10\.99\.0\.2:10005 at \S+ reports 20 lost \(12\.0% of the ~167 sent by then/);
  // tshark -e ip.ttl: both ends' RTP reaches the capture (host side of the veth) with TTL 64: no router between.
  assert.equal(f.evidence[2], 'the capture point was 0 routers from the sender 10.99.0.1 (its RTP arrives with TTL 64 of 64) and 0 routers from the receiver 10.99.0.2 (its own RTP arrives with TTL 64 of 64): on the segment both ends are on');
  assert.match(f.evidence[3], /^the packets were lost after the capture point, with no router between it and 10\.99\.0\.2:10004: on the receiver's own link or LAN segment/);
  // The stream baresip sends back is seen whole and nobody reports loss on it: no finding about it.
  assert.doesNotMatch(f.evidence.join(' '), /10\.99\.0\.2:10004 →/);
  assert.ok(!r.calls[0].findings.some((x) => x.id === 'capture.loss-only-in-capture' || x.id === 'media.packet-loss'));
});

test('IP TTLs: the capture point is 0 routers from a sender on its segment, and a TTL that drops for good mid-call is a route change', async () => {
  // tshark -T fields -e ip.src -e ip.ttl: 10.99.0.2's 180 and 200 arrive with TTL 64, its 200 to the BYE (3.0 s) with 61
  // (an iptables TTL --ttl-dec 3 rule added 1.5 s after answer); 10.99.0.1's requests all with 64.
  const r = await diagnose('test/fixtures/captures/ttl-change.pcap');
  assert.deepEqual(r.summary.capture_point, [
    { address: '10.99.0.1', ttls: [64], initial_ttl: 64, hops: 0 },
    { address: '10.99.0.2', ttls: [64, 61], initial_ttl: 64, hops: 0 },
  ]);
  const f = r.calls[0].findings.find((x) => x.id === 'capture.route-changed');
  assert.ok(f, r.calls[0].findings.map((x) => x.id).join());
  assert.match(f.evidence[0], /^SIP from 10\.99\.0\.2 reached the capture point with TTL 64 in 2 message\(s\) from \S+ to \S+, then with TTL 61 in 1 from \S+ on$/);
  // The echoed RTP shows the change first (tshark: 10.99.0.2:6000's TTL goes 64 → 61 once, 1.45 s after answer).
  assert.match(f.evidence[1], /^RTP 10\.99\.0\.2:6000 → 10\.99\.0\.1:7000 \(SSRC 0xdee0ee8f\) reached the capture point with TTL 64, then from \S+ on with TTL 61$/);
  assert.match(f.evidence[2], /^3 more router\(s\) between 10\.99\.0\.2 and the capture point/);
  const echoed = r.calls[0].streams.find((s) => s.src === '10.99.0.2:6000');
  assert.deepEqual(echoed?.ttl, { first: 64, last: 61, min: 61, max: 64, changes: 1 });
  // A call whose senders keep one TTL: no route change; HEP and logs carry no TTL, so no capture_point.
  const good = await diagnose('test/fixtures/captures/good-call.pcap');
  assert.ok(!good.calls[0].findings.some((x) => x.id === 'capture.route-changed'));
  assert.deepEqual(good.summary.capture_point?.map((p) => [p.address, p.hops]), [['127.0.0.77', 0], ['127.0.0.78', 0]]);
});

test('IP TTLs on a corpus capture: hops are read only under a common starting TTL (64, 128, 255)', { skip: existsSync('../shared/corpus/pcaps') ? false : 'the corpus is not present' }, async () => {
  // tshark -T fields -e ip.src -e ip.ttl -Y sip: 192.168.5.10 and .20 send with TTL 144 (an ATA's own start), 69.24.128.191 with 50.
  const r = await diagnoseCaptureFiles(['../shared/corpus/pcaps/goffinet__voip-extension2downata.pcap']);
  const by = new Map(r.summary.capture_point?.map((p) => [p.address, p]));
  assert.equal(by.get('192.168.5.10')?.hops, undefined);
  assert.deepEqual(by.get('192.168.5.10')?.ttls, [144]);
  assert.equal(by.get('69.24.128.191')?.hops, 14);
  assert.equal(by.get('192.168.5.5')?.hops, 0);
});

test('IP TTLs on RTP: loss the capture counts on a stream routed once before it, next to its receiver, was lost upstream', async () => {
  // loss-upstream.pcap (tshark -z rtp,streams; -e ip.ttl): 10.98.1.2:7000 → 10.98.2.2:10000 SSRC 0xDEE0EE8F, 216 packets,
  // 19 lost, TTL 63; baresip's RTP back arrives with TTL 64; its SRs report 13 then 19 lost on 0xDEE0EE8F.
  const r = await diagnose('test/fixtures/captures/loss-upstream.pcap');
  const c = r.calls[0];
  const f = c.findings.find((x) => x.id === 'capture.loss-before-capture-point');
  assert.ok(f, c.findings.map((x) => x.id).join());
  assert.equal(f.evidence[0], '10.98.1.2:7000 → 10.98.2.2:10000 SSRC 0xdee0ee8f: the capture counts 19 lost of 235 (8.1%)');
  assert.equal(f.evidence[1], 'the capture point was 1 router from the sender 10.98.1.2 (its RTP arrives with TTL 63 of 64) and 0 routers from the receiver 10.98.2.2 (its own RTP arrives with TTL 64 of 64): next to the receiver');
  assert.match(f.evidence[2], /RTCP SR from 10\.98\.2\.2:10001 at \S+ reports 19 lost: it missed them too/);
  assert.equal(f.evidence[3], 'the packets were lost before the capture point: upstream, on the 1 router between 10.98.1.2 and it');
  const s = c.streams.find((x) => x.src === '10.98.1.2:7000');
  assert.deepEqual(s?.capture_point, { hops_from_sender: 1, hops_from_receiver: 0, near: 'receiver' });
  assert.deepEqual(s?.ttl, { first: 63, last: 63, min: 63, max: 63, changes: 0 });
  // The stream the capture saw whole gets no loss finding, and the loss is not said twice.
  assert.equal(c.findings.filter((x) => x.id.startsWith('capture.loss')).length, 1);
});

test('RTCP against RTP: gaps only in the capture, the receiver next to the capture point got every packet', async () => {
  // loss-only-in-capture.pcap: editcap removed a 0.4 s stretch of the capture. tshark -z rtp,streams: 10.98.1.2:7000 →
  // 10.98.2.2:10006 224 packets, 12 lost; baresip's SR at 10.0 s (after the stream's last packet at 7.05 s) reports 0 lost.
  const r = await diagnose('test/fixtures/captures/loss-only-in-capture.pcap');
  const c = r.calls[0];
  const f = c.findings.find((x) => x.id === 'capture.loss-only-in-capture');
  assert.ok(f, c.findings.map((x) => x.id).join());
  assert.equal(f.evidence[0], '10.98.1.2:7000 → 10.98.2.2:10006 SSRC 0xdee0ee8f: the capture counts 12 lost of 236 (5.1%)');
  assert.match(f.evidence[1], /after the stream's last packet, reports 0 lost: it got them all/);
  assert.match(f.evidence[2], /1 router from the sender 10\.98\.1\.2 .* 0 routers from the receiver 10\.98\.2\.2 .*: next to the receiver$/);
  // That stream is not also said to have lost them upstream; baresip's own stream (16 lost in the same stretch, SIPp
  // sends no RTCP) left a sender 0 routers away: not upstream network loss, and the capture may have missed them.
  const before = c.findings.filter((x) => x.id === 'capture.loss-before-capture-point');
  assert.equal(before.length, 1);
  assert.match(before[0].evidence[0], /^10\.98\.2\.2:10006 → 10\.98\.1\.2:7000 .* 16 lost/);
  assert.match(before[0].evidence[2], /^no router lies between 10\.98\.2\.2 and the capture point: not loss in the routed network upstream .* or missed by the capture itself$/);
});

test('TCP gaps: a SIP message in bytes the capture never saw is a capture artefact, not a failed or timed-out call', async () => {
  // tcp-gap.pcapng: editcap removed the frame carrying the 200 OK to the INVITE (tshark: "TCP Previous segment not
  // captured" on 127.0.0.78:5070 → 127.0.0.77:5060, then ACK and BYE from the caller, RTP both ways).
  const r = await diagnose('test/fixtures/captures/tcp-gap.pcapng');
  assert.equal(r.summary.tcp.gaps, 1);
  const g = r.findings.find((x) => x.id === 'capture.tcp-gap');
  assert.ok(g, r.findings.map((x) => x.id).join());
  assert.match(g.evidence[1], /^127\.0\.0\.78:5070 → 127\.0\.0\.77:5060: 578 byte\(s\) never captured between \S+ and \S+ \(frame 215 came next\)/);
  const c = r.calls[0];
  assert.deepEqual(g.call_ids, [c.call_id]);
  // Its 200 OK fell in the hole: the outcome is not in the capture — unknown, linked to the gap, never failed or in progress.
  assert.equal(c.state, 'unknown');
  assert.equal(c.state_because?.finding, 'capture.tcp-gap');
  assert.match(c.state_because.detail, /127\.0\.0\.78:5070 → 127\.0\.0\.77:5060: 578 byte\(s\) not captured.*the outcome is unknown — not a failure/);
  assert.deepEqual(r.summary.states, { unknown: 1 });
  assert.equal(c.hangup?.how, 'bye');
  assert.equal(c.hangup?.by, 'caller');
  // summary.tcp_gaps: which connection, how many bytes, which call.
  assert.deepEqual(r.summary.tcp_gaps?.map((x) => [x.src, x.dst, x.bytes, x.frame, x.call_ids]), [['127.0.0.78:5070', '127.0.0.77:5060', 578, 215, [c.call_id]]]);
  const table = renderCallTable(r);
  assert.match(table, /127\.0\.0\.78:5070 → 127\.0\.0\.77:5060: 578 byte\(s\) never captured .* may hold a message of call 1-12236@127\.0\.0\.77/);
  assert.match(table.split('\n').find((l) => l.startsWith(c.call_id)) ?? '', /\bunknown \(TCP gap\)/);
  assert.match(renderCallDetail(c, r), /why unknown: no final response in the capture.*\(finding capture\.tcp-gap\)/);
  const f = c.findings.find((x) => x.id === 'capture.tcp-gap');
  assert.ok(f);
  assert.match(f.evidence[1], /the INVITE \(CSeq 1\) has no final response in the capture, yet 127\.0\.0\.77:5060 sent ACK at \S+ and BYE at \S+: the response was sent/);
  assert.deepEqual(c.findings.filter((x) => x.severity !== 'info'), []);
  // The same call with nothing missing (tcp-call.pcapng) has no gap and no such finding.
  const whole = await diagnose('test/fixtures/captures/tcp-call.pcapng');
  assert.equal(whole.summary.tcp.gaps, 0);
  assert.equal(whole.summary.tcp_gaps, undefined);
  assert.equal(whole.calls[0].state, 'answered');
  assert.equal(whole.calls[0].state_because, undefined);
  assert.ok(!whole.findings.some((x) => x.id === 'capture.tcp-gap'));
});
