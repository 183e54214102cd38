import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diagnoseCaptureFiles } from '../../src/analyzer/index.js';
import type { DiagnoseReport } from '../../src/analyzer/index.js';

// Call quality as `trunkline diagnose` prints it: post-dial delay and ring time (RFC 6076 §4.1),
// who hung up and how, DTMF (RFC 4733 in RTP and SIP INFO), and an E-model MOS per stream.
// dtmf-call.pcap was recorded by test/fixtures/captures/make.sh (SIPp, see SOURCES.md).
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FIXTURE = 'test/fixtures/captures/dtmf-call.pcap';
const CORPUS = '../shared/corpus/pcaps';

function cli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000, maxBuffer: 32 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

test('a call that rang: PDD to the 180, ring time to the 200, and the callee\'s BYE with its Reason', async () => {
  const r = JSON.parse(await cli('diagnose', FIXTURE, '--json')) as DiagnoseReport;
  const c = r.calls.find((x) => x.method === 'INVITE');
  assert.ok(c);
  // tshark: INVITE at 0 s (retransmitted at 0.5 s), 180 at 1.00 s, 200 at 3.01 s.
  assert.ok(c.pdd_ms !== undefined && c.pdd_ms >= 1000 && c.pdd_ms < 1100, String(c.pdd_ms));
  assert.equal(c.pdd_to, '180 Ringing');
  assert.ok(c.ring_ms !== undefined && c.ring_ms >= 2000 && c.ring_ms < 2100, String(c.ring_ms));
  assert.equal(c.hangup?.by, 'callee');
  assert.equal(c.hangup?.how, 'bye');
  assert.equal(c.hangup?.sender, '127.0.0.78:5070');
  assert.match(c.hangup?.detail ?? '', /Q\.850 cause 16 = normal call clearing/);
});

test('DTMF is listed: the RFC 4733 event in RTP and the SIP INFO digit, each once, in time order', async () => {
  const r = JSON.parse(await cli('diagnose', FIXTURE, '--json')) as DiagnoseReport;
  const c = r.calls.find((x) => x.method === 'INVITE');
  assert.ok(c);
  // tshark -o rtp.heuristic_rtp:TRUE: 10 × PT 101 event 1 (3 end packets share one seq); INFO "Signal=5".
  assert.deepEqual(c.dtmf.map((d) => [d.digit, d.via, d.src]), [['1', 'rfc4733', '127.0.0.77:7000'], ['5', 'sip-info', '127.0.0.77:5060']]);
  assert.equal(c.dtmf[0].duration_ms, 280, 'RFC 4733 duration 2240 units at 8 kHz');
  assert.equal(c.dtmf[1].duration_ms, 160);
  // The voice streams are scored, the event stream is not; no finding on a clean call.
  const voice = c.streams.filter((s) => s.codec === 'PCMA');
  assert.equal(voice.length, 2);
  for (const s of voice) assert.ok(s.quality.mos !== undefined && s.quality.mos > 4.3, `${s.src}: ${s.quality.mos}`);
  assert.match(c.streams.find((s) => s.codec === 'telephone-event')?.quality.unscored ?? '', /telephone-event/);
  assert.deepEqual(c.findings.filter((f) => f.severity !== 'info'), []);
  const text = await cli('diagnose', FIXTURE, '--call', c.call_id);
  assert.match(text, /post-dial delay 1\.0\d\d s \(INVITE → 180 Ringing\); rang 2\.0 s/);
  assert.match(text, /DTMF: 1 \(RFC 4733, .*5 \(SIP INFO/);
  assert.match(text, /ended: BYE from the callee/);
});

test('RTCP gives the round trip and the receiver\'s own loss and jitter view', { skip: existsSync(CORPUS) ? false : `${CORPUS} is not present` }, async () => {
  // tshark -Y rtcp: 200.57.7.204:8001 sends SRs (SSRC 0xD2BD4E3E); 200.57.7.196 answers with report blocks whose
  // LSR echoes them, 0.3–0.5 ms later with DLSR ≈ 0: a round trip under a millisecond beyond the capture point.
  const r = await diagnoseCaptureFiles([`${CORPUS}/heplify__rtp_rtcp_sip_ipv4_udp.pcap`]);
  const c = r.calls.find((x) => x.call_id === '12013223@200.57.7.195');
  const s = c?.streams.find((x) => x.ssrc_hex === '0xD2BD4E3E');
  assert.ok(s?.quality.rtt_ms !== undefined && s.quality.rtt_ms < 5, JSON.stringify(s?.quality));
  assert.equal(s.quality.receiver_report?.cumulative_lost, 0);
  assert.equal(c?.hangup?.how, 'not-ended', 'no BYE before the capture ended');
});
