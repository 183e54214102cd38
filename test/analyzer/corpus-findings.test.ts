import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { diagnoseCaptureFiles, renderCallTable, renderHtml, renderJson } from '../../src/analyzer/index.js';
import type { CallReport, DiagnoseReport } from '../../src/analyzer/index.js';
import { FAULT_DOMAINS, isPrivateAddress } from '../../src/diagnosis/index.js';
import { CORPUS_FINDING_COUNTS } from './corpus-counts.js';

// Findings on captures nobody here wrote (../shared/corpus/pcaps, read in place, see its
// SOURCES.md) must follow from the evidence. The expectations below were checked by hand with
// tshark 4.0 (`-z rtp,streams`, `-Y sip`, `-Y 'rtp.p_type==13'`), as each comment says.
const CORPUS = '../shared/corpus/pcaps';
const skip = existsSync(CORPUS) ? false : `${CORPUS} is not present`;
const cache = new Map<string, Promise<DiagnoseReport>>();

function diagnose(file: string): Promise<DiagnoseReport> {
  let p = cache.get(file);
  if (!p) {
    p = diagnoseCaptureFiles([join(CORPUS, file)]);
    cache.set(file, p);
  }
  return p;
}

const call = (r: DiagnoseReport, id: string): CallReport => {
  const c = r.calls.find((x) => x.call_id === id);
  assert.ok(c, `call ${id}`);
  return c;
};
const ids = (c: CallReport): string[] => c.findings.map((f) => f.id);

test('every corpus capture is diagnosed and rendered; every finding carries evidence and a known fault domain', { skip }, async () => {
  const files = readdirSync(CORPUS).filter((f) => /\.pcap(ng)?$/.test(f));
  assert.ok(files.length >= 50);
  for (const f of files) {
    const r = await diagnose(f);
    assert.ok(renderCallTable(r).length > 0 && renderHtml(r).includes('</html>') && JSON.parse(renderJson(r)), f);
    for (const c of r.calls) {
      for (const finding of c.findings) {
        assert.ok(finding.evidence.length > 0, `${f} ${c.call_id} ${finding.id}: no evidence`);
        assert.ok((FAULT_DOMAINS as readonly string[]).includes(finding.fault_domain), `${f} ${finding.id}`);
      }
      // A call with no final response has no finding about a final code it never got.
      if (c.state === 'in-progress') assert.deepEqual(c.findings.filter((x) => x.code !== undefined && x.code >= 300), [], `${f} ${c.call_id}`);
      // Comfort noise is VAD, not loss.
      for (const s of c.streams) if (s.comfort_noise_packets > 0 && s.lost === 0) assert.ok(!ids(c).includes('media.packet-loss'), `${f} ${c.call_id}`);
    }
  }
});

test('a 488 to an offer whose only stream is refused (port 0, PCMU) is the 488 / SDP-codec finding', { skip }, async () => {
  // tshark: INVITE ×2 with "m=audio 0 RTP/AVP 0", then "SIP/2.0 488 Not Acceptable Here".
  const r = await diagnose('goffinet__sip-488-Not-Acceptable-Here-codec-null.pcapng');
  const c = r.calls.find((x) => x.method === 'INVITE');
  assert.ok(c);
  assert.equal(c.state, 'failed');
  assert.equal(c.final_code, 488);
  assert.deepEqual(c.sdp.offer?.codecs, ['PCMU']);
  const f = c.findings[0];
  assert.match(f.id, /^sip\.488/);
  assert.equal(f.code, 488);
  assert.equal(f.fault_domain, 'customer-pbx');
  assert.match(f.evidence.join(' '), /488 Not Acceptable Here/);
});

test('a capture cut off right after the INVITE is in progress, not a failure', { skip }, async () => {
  // tshark: one frame, an INVITE; capture duration 0 s.
  const r = await diagnose('sip3__BootstrapTest.pcap');
  assert.equal(r.calls.length, 1);
  assert.equal(r.calls[0].state, 'in-progress');
  assert.equal(r.calls[0].final_code, undefined);
  assert.deepEqual(r.calls[0].findings.filter((f) => f.severity === 'error' || f.severity === 'critical'), []);
  // tshark: the second INVITE (24.7 s) gets no answer before the capture ends (34.9 s), under Timer B.
  const h = await diagnose('heplify__rtp_rtcp_sip_ipv4_udp.pcap');
  assert.equal(call(h, '12015624@200.57.7.195').state, 'in-progress');
  assert.deepEqual(call(h, '12015624@200.57.7.195').findings, []);
  assert.equal(call(h, '12013223@200.57.7.195').state, 'answered');
});

test('comfort noise (PT 13) is counted as VAD, never as loss or a gap', { skip }, async () => {
  // tshark -Y 'rtp.p_type==13': 13, 6 and 163 CN packets; -z rtp,streams: 0 lost on these streams.
  for (const [file, cn] of [['goffinet__RTP-Protocol.pcap', 13], ['heplify__sip_ipv4_tcp.pcap', 6], ['heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap', 163]] as const) {
    const r = await diagnose(file);
    const streams = r.calls.flatMap((c) => c.streams);
    assert.equal(streams.reduce((n, s) => n + s.comfort_noise_packets, 0), cn, file);
    for (const s of streams.filter((x) => x.comfort_noise_packets > 0)) assert.equal(s.lost, 0, `${file} ${s.src}`);
    assert.ok(!r.calls.some((c) => ids(c).includes('media.packet-loss')), file);
  }
  // tshark's max delta on 10.23.1.52:16756 is 9199.8 ms: the silence between CN updates, not an outage.
  const fax = await diagnose('heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap');
  const s = fax.calls.flatMap((c) => c.streams).find((x) => x.src === '10.23.1.52:16756');
  assert.ok(s && s.max_gap_ms < 1000, `max gap ${s?.max_gap_ms}`);
  assert.ok(!fax.calls.some((c) => ids(c).includes('media.rtp-timeout')));
});

test('172.168.x.x is public address space: no NAT or private-address finding for it', { skip }, async () => {
  // tshark: REGISTER 172.168.0.252 → 172.168.0.228 → 172.168.0.227, challenged then 200.
  assert.equal(isPrivateAddress('172.168.0.228'), false);
  const r = await diagnose('heplify__sip_ipv4_tcp_retrans.pcap');
  const c = r.calls[0];
  assert.ok(c.endpoints.some((e) => e.startsWith('172.168.')));
  assert.equal(c.state, 'completed');
  for (const f of c.findings) assert.doesNotMatch(`${f.id} ${f.evidence.join(' ')}`, /private|nat\b|RFC 1918/i);
  // The same file's HTTPS (TCP 443) is counted as TLS and said so, not silently dropped.
  assert.equal(r.summary.unreadable.find((u) => u.what === 'TLS')?.packets, 12);
});

test('RTP from the NAT router instead of the SDP address is asymmetric RTP; the call beside it is not', { skip }, async () => {
  // tshark -z rtp,streams: 192.168.20.1:4000 → 192.168.20.130:17004, while the 200 OK said c=192.168.5.151.
  const r = await diagnose('voipshark__SIP-RTP-Normal_Call_two_parties.pcap');
  const asym = call(r, '54be7fcc-b009-4326-a81e-371a5a93c4b6');
  assert.ok(ids(asym).includes('media.asymmetric-rtp'));
  const s = asym.streams.find((x) => x.src === '192.168.20.1:4000');
  assert.equal(s?.sdp_address, '192.168.5.151:4000');
  assert.equal(s?.packets, 1346);
  assert.ok(!ids(call(r, '3cfe1c77155241bb89eb003ab8e2f87b')).includes('media.asymmetric-rtp'));
});

test('RTP in one direction only after answer is one-way audio', { skip }, async () => {
  // tshark -z rtp,streams: a single stream, 172.16.98.1:5028 → 172.16.98.181:4000, 960 packets G.722.
  const r = await diagnose('goffinet__private-test-sip-2.pcapng');
  const c = call(r, '897ffa64f32a8e6f5c1d3d753b90f2ed@0:0:0:0:0:0:0:0');
  assert.equal(c.streams.length, 1);
  assert.equal(c.streams[0].packets, 960);
  assert.equal(c.streams[0].codec, 'G722');
  assert.ok(ids(c).some((id) => id.startsWith('media.one-way')), ids(c).join());
});

test('SIP over TLS is reported as unreadable, plainly, with no invented calls', { skip }, async () => {
  const r = await diagnose('voipshark__SIP-over-TLS-RTP-Normal_Call_two_parties.pcap');
  assert.equal(r.calls.length, 0);
  const tls = r.summary.unreadable.find((u) => u.what === 'TLS');
  assert.ok(tls && tls.packets > 0 && tls.detail.length > 20);
  assert.match(renderCallTable(r), /not read: TLS/);
});

test('RTP that no SDP announced is reported beside the calls, not dropped and not invented into a call', { skip }, async () => {
  // tshark -o rtp.heuristic_rtp:TRUE -z rtp,streams: one stream 10.1.3.143:5000 → 10.1.6.18:2006, SSRC 0xDEE0EE8F, 236 packets.
  const r = await diagnose('sipp__g711a.pcap');
  assert.equal(r.calls.length, 0);
  assert.equal(r.summary.rtp_without_signaling.streams, 1);
  const u = r.summary.rtp_without_signaling.largest[0];
  assert.deepEqual([u.src, u.dst, u.ssrc_hex, u.payload_type, u.packets], ['10.1.3.143:5000', '10.1.6.18:2006', '0xDEE0EE8F', 8, 236]);
});

test('a 403 carrying Reason Q.850 cause 21 "nocallee" is the far end refusing, not an ACL miss', { skip }, async () => {
  // tshark -r heplify__sip_sctp.pcap -Y sip -T fields -e sip.Status-Line -e sip.Reason:
  // "SIP/2.0 403 The reason is nocallee" with Q.850;cause=21;text="nocallee", 1.7 ms after the INVITE.
  const r = await diagnose('heplify__sip_sctp.pcap');
  const c = call(r, '717B2539AD2002C9152DC497@0870ffffffff');
  assert.equal(c.final_code, 403);
  assert.deepEqual(ids(c), ['sip.403.stated-cause']);
  assert.equal(c.findings[0].fault_domain, 'far-end');
  assert.match(c.findings[0].evidence.join('\n'), /Q\.850 cause 21 = call rejected/);
  assert.match(c.findings[0].evidence.join('\n'), /nocallee/);
});

test('a capture with no RTP at all says the audio was not observed, never blocked RTP', { skip }, async () => {
  // tshark -r FILE -q -z rtp,streams -o rtp.heuristic_rtp:TRUE lists no stream in any of these (signaling-only captures).
  for (const file of ['goffinet__uac-uas-scenario-sipp.pcapng', 'goffinet__SIP-SDP-Example.pcap', 'heplify__sip_ipv6_udp.pcap', 'sngrep__ipv6frag.pcap', 'heplify__sip_ipv4_tcp_fragmented.pcap']) {
    const r = await diagnose(file);
    assert.equal(r.summary.rtp_packets + r.summary.rtp_without_signaling.packets + r.summary.rtcp_packets, 0, file);
    const all = r.calls.flatMap((c) => c.findings);
    assert.deepEqual(all.filter((f) => f.id === 'media.blocked-rtp'), [], file);
    for (const f of all.filter((x) => x.id === 'media.not-observed')) assert.equal(f.severity, 'info', file);
    assert.ok(all.some((f) => f.id === 'media.not-observed'), `${file}: an answered call says not observed`);
  }
});

test('771 answered PCMU calls: the non-A-law codec is a warning about the trunk rule, never an error on a call that worked', { skip }, async () => {
  // tshark -Y sdp -T fields -e sdp.media: 771 × INVITE "audio 6001 RTP/AVP 0", 771 × 200 OK "audio 6000 RTP/AVP 0" (PCMU only).
  const r = await diagnose('goffinet__uac-uas-scenario-sipp.pcapng');
  assert.equal(r.calls.length, 771);
  for (const c of r.calls) {
    assert.equal(c.state, 'answered', c.call_id);
    const f = c.findings.find((x) => x.id === 'codec.non-pcma-negotiated');
    assert.ok(f, c.call_id);
    assert.equal(f.severity, 'warning');
    assert.match(f.evidence.join(' '), /PCMU\/8000 \(PT 0\)/);
    assert.deepEqual(c.findings.filter((x) => x.severity === 'error' || x.severity === 'critical'), [], c.call_id);
  }
});

test('silent RTP only where the decoded audio is silence: a normal two-party call is not, a digital-silence direction is', { skip }, async () => {
  // Decoded by hand (tshark -T fields -e rtp.payload, G.711 µ-law, RMS per second): each direction of
  // voipshark's calls carries speech for 5–6 s (-21…-38 dBFS, peaks 14972–22908) and digital silence
  // (0xFF, level 0) around it — the longest silence is 16.6 s of 26.9 s, a listener's pause, not silent RTP.
  const normal = await diagnose('voipshark__SIP-RTP-Normal_Call_two_parties.pcap');
  for (const c of normal.calls) assert.ok(!ids(c).includes('media.silent-rtp'), c.call_id);
  // goffinet__voip1b: 172.16.98.182:7078 → 172.16.98.181:4006 (PCMU, 642 packets) decodes to level 0 in every
  // second from 1 s to 19 s (peak 0): the sender sends only silence.
  const silent = await diagnose('goffinet__voip1b.pcapng');
  const c = call(silent, '390cbc3372b15a0d07903c6a6b66ab6a@172.16.98.180:5060');
  const f = c.findings.find((x) => x.id === 'media.silent-rtp');
  assert.ok(f, ids(c).join());
  assert.match(f.evidence.join(' '), /172\.16\.98\.182:7078 → 172\.16\.98\.181:4006 .*642 packets: only silence for 19\.7 s of 19\.7 s/);
  assert.doesNotMatch(f.evidence.join(' '), /172\.16\.98\.181:4006 →/, 'the other direction (32 packets) is not reported');
});

test('RTP that goes on after a refused T.38 re-INVITE is counted as RTP, one SSRC, no loss', { skip }, async () => {
  // tshark's default 1838 packets / 6 lost for 10.35.60.100:15580 → 10.23.1.52:16756 is a dissection artefact:
  // the T.38 re-INVITE (frame 3100, "image 16756 udptl t38") was answered 488 and the call went back to audio
  // (frames 3124/3138), but tshark kept the port as T.38 and decoded 2010 later RTP packets as T.38. With
  // `tshark --disable-protocol udptl --disable-protocol t38 -o rtp.heuristic_rtp:TRUE -q -z rtp,streams` it
  // counts 3848 packets, 0 lost, SSRC 0x0EAF0EAF (3847 × PT 8, 1 × PT 102): what trunkline counts.
  const r = await diagnose('heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap');
  const s = r.calls.flatMap((c) => c.streams).filter((x) => x.src === '10.35.60.100:15580' && x.dst === '10.23.1.52:16756');
  assert.equal(s.length, 1);
  assert.deepEqual([s[0].ssrc_hex, s[0].packets, s[0].lost, s[0].ssrc_changes], ['0x0EAF0EAF', 3848, 0, 0]);
});

test('both legs of a B2BUA with direct media carry the stream they announced: no blocked RTP on either', { skip }, async () => {
  // tshark -Y sdp: both INVITE dialogs of Asterisk's B2BUA announce 172.16.98.1:8000 and 172.16.98.145:8000 after
  // the direct-media re-INVITEs, and 355 RTP packets flow 172.16.98.145:8000 → 172.16.98.1:8000.
  const r = await diagnose('goffinet__sip-2phones-B2BUA-Asterisk.pcapng');
  const legs = r.calls.filter((c) => c.method === 'INVITE' && c.state !== 'failed');
  assert.equal(legs.length, 2);
  for (const c of legs) {
    assert.ok(c.streams.some((s) => s.src === '172.16.98.145:8000' && s.dst === '172.16.98.1:8000' && s.packets === 355), c.call_id);
    assert.ok(!ids(c).includes('media.blocked-rtp'), `${c.call_id}: ${ids(c).join()}`);
  }
  assert.equal(r.summary.rtp_packets, 356, 'packets counted once');
});

test('per-file finding counts over the whole corpus stay as reviewed: no new finding appears unexamined', { skip }, async () => {
  const files = readdirSync(CORPUS).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
  assert.deepEqual(files, Object.keys(CORPUS_FINDING_COUNTS).sort(), 'the corpus and the table list the same files');
  const changed: string[] = [];
  for (const f of files) {
    const r = await diagnose(f);
    const counts: Record<string, number> = {};
    for (const c of r.calls) for (const x of c.findings) counts[x.id] = (counts[x.id] ?? 0) + 1;
    for (const x of r.findings) counts[x.id] = (counts[x.id] ?? 0) + 1;
    const want = CORPUS_FINDING_COUNTS[f];
    for (const id of new Set([...Object.keys(counts), ...Object.keys(want)])) {
      if ((counts[id] ?? 0) !== (want[id] ?? 0)) changed.push(`${f}: ${id} ${want[id] ?? 0} → ${counts[id] ?? 0}`);
    }
  }
  assert.deepEqual(changed, []);
});
