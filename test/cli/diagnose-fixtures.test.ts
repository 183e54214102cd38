import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallReport, DiagnoseReport } from '../../src/analyzer/index.js';

// `trunkline diagnose` on our own captures of real SIP software (test/fixtures/captures, made by
// make.sh from SIPp and Kamailio; see test/fixtures/SOURCES.md): each reaches its finding.
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const DIR = 'test/fixtures/captures';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function trunkline(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function diagnoseJson(file: string): Promise<DiagnoseReport> {
  const r = await trunkline('diagnose', join(DIR, file), '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DiagnoseReport;
}

async function onlyCall(file: string): Promise<CallReport> {
  const rep = await diagnoseJson(file);
  const invites = rep.calls.filter((c) => c.method === 'INVITE');
  assert.equal(invites.length, 1, `${file}: one INVITE dialog`);
  return invites[0];
}

const ids = (c: CallReport): string[] => c.findings.map((f) => f.id);
const serious = (c: CallReport): string[] => c.findings.filter((f) => f.severity !== 'info').map((f) => f.id);

test('a good call (PCMA both ways, RTP both ways) is answered with no fault found', async () => {
  const c = await onlyCall('good-call.pcap');
  assert.equal(c.state, 'answered');
  assert.equal(c.final_code, 200);
  assert.deepEqual(serious(c), []);
  assert.equal(c.streams.length, 2);
  for (const s of c.streams) {
    assert.equal(s.codec, 'PCMA');
    assert.equal(s.packets, 236, 'tshark -z rtp,streams counts 236 each way');
    assert.equal(s.lost, 0);
  }
  assert.deepEqual(c.sdp.offer?.codecs, ['PCMA', 'telephone-event']);
  assert.equal(c.sdp.answer?.media_address, '127.0.0.78:6000');
});

test('diagnose takes serve\'s media limits: with --media-window longer than the call, one-way audio is not yet a verdict; a bad value is exit 2', async () => {
  const file = join(DIR, 'one-way-rtp.pcap');
  const longWindow = await trunkline('diagnose', file, '--json', '--media-window', '3600');
  assert.equal(longWindow.code, 0, longWindow.stderr);
  const c = (JSON.parse(longWindow.stdout) as DiagnoseReport).calls.find((x) => x.method === 'INVITE');
  assert.ok(c);
  assert.ok(!ids(c).includes('media.one-way.nat'), ids(c).join(','));
  assert.ok(ids(await onlyCall('one-way-rtp.pcap')).includes('media.one-way.nat'), 'with the default window it is');
  const bad = await trunkline('diagnose', file, '--rtp-stop', 'loud');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--rtp-stop must be a number of seconds/);
});

test('RTP one way with a private c= address in the 200 OK is one-way audio from NAT', async () => {
  const c = await onlyCall('one-way-rtp.pcap');
  assert.equal(c.findings[0].id, 'media.one-way.nat');
  assert.equal(c.streams.length, 1);
  assert.match(c.findings[0].evidence.join(' '), /192\.168\.1\.50/);
});

test('a 488 to an offer without PCMA says so and lists what was offered', async () => {
  const c = await onlyCall('codec-488.pcap');
  assert.equal(c.state, 'failed');
  assert.equal(c.final_code, 488);
  assert.equal(c.findings[0].id, 'sip.488.no-pcma');
  assert.match(c.findings[0].evidence.join(' '), /PCMU.*G729|G729.*PCMU/);
});

test('a 403 right after the INVITE from a source outside the ACL is an ACL miss', async () => {
  const c = await onlyCall('acl-403.pcap');
  assert.equal(c.final_code, 403);
  assert.equal(c.findings[0].id, 'acl.not-whitelisted');
});

test('a 401 challenge answered and challenged again is wrong credentials (Linux SLL2 capture)', async () => {
  const c = await onlyCall('auth-401-loop.pcap');
  assert.equal(c.final_code, 401);
  assert.ok(ids(c).includes('auth.credentials-loop'), ids(c).join());
  assert.equal(c.messages.filter((m) => m.method === 'INVITE' && m.status === undefined).length, 2);
});

test('an INVITE over TCP (pcapng) is reassembled and the call is answered cleanly', async () => {
  const rep = await diagnoseJson('tcp-call.pcapng');
  assert.ok(rep.summary.tcp.segments >= 6, 'six SIP messages over TCP');
  assert.equal(rep.summary.tcp.gaps, 0);
  const c = await onlyCall('tcp-call.pcapng');
  assert.equal(c.transport, 'TCP');
  assert.equal(c.state, 'answered');
  assert.deepEqual(serious(c), []);
  assert.equal(c.streams.length, 2);
});

test('an INVITE in four IPv4 fragments is reassembled: its whole offer is read', async () => {
  const rep = await diagnoseJson('fragmented-invite.pcap');
  // tshark: frames 3–6 are the fragments (offsets 0, 1256, 2512, 3768) of one UDP datagram.
  assert.deepEqual(rep.summary.ip_fragments, { fragments: 4, reassembled: 1, incomplete: 0 });
  const c = await onlyCall('fragmented-invite.pcap');
  assert.equal(c.state, 'answered');
  assert.equal(c.sdp.offer?.codecs.length, 33, 'PCMA and 32 filler payload types');
  assert.equal(c.sdp.offer?.codecs[0], 'PCMA');
  assert.deepEqual(serious(c), []);
});

test('RTP that stops mid-call while the dialog stays up is an RTP timeout', async () => {
  const c = await onlyCall('rtp-timeout.pcap');
  assert.equal(c.findings[0].id, 'media.rtp-timeout');
  assert.ok(c.duration_s > 29, 'BYE 30 s after answer');
});

test('RTP from another address than the SDP announced is asymmetric RTP', async () => {
  const c = await onlyCall('asymmetric-rtp.pcap');
  assert.equal(c.findings[0].id, 'media.asymmetric-rtp');
  const fromCallee = c.streams.find((s) => s.src.startsWith('127.0.0.80'));
  assert.equal(fromCallee?.sdp_address, '127.0.0.78:6000');
});

test('an answered call with no RTP either way is blocked RTP when the capture sees the media path', async () => {
  // make.sh no-rtp: a good call 127.0.0.77:7000 ⇄ 127.0.0.78:6000 (tshark -z rtp,streams: 101 packets each way),
  // then an answered call whose SDP says :7100 / :6100 and no RTP at all.
  const rep = await diagnoseJson('no-rtp.pcap');
  const invites = rep.calls.filter((c) => c.method === 'INVITE');
  assert.equal(invites.length, 2);
  const [good, blocked] = invites;
  assert.equal(good.streams.length, 2);
  assert.deepEqual(serious(good), []);
  assert.equal(blocked.state, 'answered');
  assert.equal(blocked.streams.length, 0);
  assert.equal(blocked.findings[0].id, 'media.blocked-rtp');
  assert.ok(blocked.findings[0].evidence.some((e) => e.includes('127.0.0.77:7100') && e.startsWith('the caller announced audio')));
});

test('an INVITE retransmitted with no answer past Timer B is a reachability fault, not a cut-off capture', async () => {
  const c = await onlyCall('invite-timeout.pcap');
  assert.equal(c.state, 'timed-out');
  assert.equal(c.findings[0].id, 'reachability.no-response');
  assert.equal(c.messages.length, 7, 'the INVITE and its 6 retransmissions');
});

test('--call prints the ladder, SDP, streams and findings of one call', async () => {
  const rep = await diagnoseJson('codec-488.pcap');
  const r = await trunkline('diagnose', join(DIR, 'codec-488.pcap'), '--call', rep.calls[0].call_id.slice(0, 8));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /── INVITE \(SDP\) ─+▶/);
  assert.match(r.stdout, /◀─+ 488 Not Acceptable Here ──/);
  assert.match(r.stdout, /offer +from 127\.0\.0\.77:5060 in INVITE: media 127\.0\.0\.77:\d+, codecs PCMU G729 telephone-event/);
  assert.match(r.stdout, /\[error\] .*\(sip\.488\.no-pcma, 488; fault: /);
});

test('several files make one report; the table has a line per call', async () => {
  const r = await trunkline('diagnose', join(DIR, 'good-call.pcap'), join(DIR, 'codec-488.pcap'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /488 +failed +\[error\]/);
  assert.match(r.stdout, /200 +answered/);
});

test('bad usage and a missing file exit 2; an unknown --call exits 2', async () => {
  assert.equal((await trunkline('diagnose', 'no/such/file.pcap')).code, 2);
  assert.equal((await trunkline('diagnose')).code, 2);
  assert.equal((await trunkline('diagnose', join(DIR, 'good-call.pcap'), '--json', '--html', '/tmp/x.html')).code, 2);
  const unknown = await trunkline('diagnose', join(DIR, 'good-call.pcap'), '--call', 'nope');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /ANALYZE_UNKNOWN_CALL/);
});

test('a truncated capture prints what was read, then the error with its byte offset, and exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-diag-'));
  try {
    const cut = join(dir, 'cut.pcap');
    copyFileSync(join(DIR, 'good-call.pcap'), cut);
    const size = readFileSync(cut).length;
    truncateSync(cut, size - 100); // the last record loses its end
    const r = await trunkline('diagnose', cut);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /answered/, 'the call read before the fault is still reported');
    assert.match(r.stderr, /CAP_[A-Z_]+ at byte offset \d+/);
    const garbage = join(dir, 'garbage.pcap');
    writeFileSync(garbage, Buffer.concat([readFileSync(join(DIR, 'codec-488.pcap')).subarray(0, 200), Buffer.alloc(64, 0xff)]));
    const g = await trunkline('diagnose', garbage, '--json');
    assert.equal(g.code, 1);
    const rep = JSON.parse(g.stdout) as DiagnoseReport;
    assert.match(rep.files[0].error?.code ?? '', /^CAP_/);
    assert.equal(typeof rep.files[0].error?.offset, 'number');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
