import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DiagnoseReport } from '../../src/analyzer/index.js';

// Causes across dialogs, through `trunkline diagnose` on captures of real SIP software
// (test/fixtures/captures, made by make.sh with SIPp and Kamailio; see SOURCES.md).
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const DIR = 'test/fixtures/captures';

function diagnose(...files: string[]): Promise<DiagnoseReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'diagnose', ...files.map((f) => `${DIR}/${f}`), '--json'], { timeout: 30_000, maxBuffer: 32 << 20 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(JSON.parse(stdout) as DiagnoseReport);
    });
  });
}

test('an INVITE answered 480 to a user whose REGISTER had expired is explained by the registration (RFC 3261 §10.2.1.1 expiry)', async () => {
  // tshark: REGISTER 1001 Expires 2 → 200 at 0.00 s; REGISTER 1002 Expires 60 → 200 at 0.22 s;
  // INVITE sip:1001 → 480 at 4.38 s; INVITE sip:1002 → 486 at 4.53 s.
  const r = await diagnose('register-expired.pcap');
  const to1001 = r.calls.find((c) => c.method === 'INVITE' && c.final_code === 480);
  const to1002 = r.calls.find((c) => c.method === 'INVITE' && c.final_code === 486);
  assert.ok(to1001 && to1002);
  const f = to1001.findings[0];
  assert.equal(f.id, 'register.callee-not-registered');
  assert.equal(f.code, 480);
  assert.match(f.evidence.join('\n'), /REGISTER for 1001 from 127\.0\.0\.80:5064 .* answered 200, binding for 2 s/);
  assert.match(f.evidence.join('\n'), /its binding had expired \d\.\d s before the INVITE/);
  assert.ok(!to1001.findings.some((x) => x.id === 'sip.480'), 'the guide\'s generic 480 row yields to the sharper cause');
  assert.ok(!to1002.findings.some((x) => x.id === 'register.callee-not-registered'), '1002 was registered: its 486 is not about registration');
  assert.equal(r.problems[0].id, 'register.callee-not-registered');
});

test('OPTIONS keep-alives unanswered before an INVITE timed out: the peer was down, and that is ranked first', async () => {
  const r = await diagnose('peer-down.pcap');
  const invite = r.calls.find((c) => c.method === 'INVITE');
  assert.ok(invite);
  assert.equal(invite.state, 'timed-out');
  const f = invite.findings.find((x) => x.id === 'reachability.peer-down');
  assert.ok(f, invite.findings.map((x) => x.id).join());
  assert.match(f.evidence[0], /2 OPTIONS keep-alive\(s\) to 127\.0\.0\.78:5070 .* got no response/);
  assert.match(f.evidence[2], /then the INVITE to 127\.0\.0\.78:5070 .* got no response \(Timer B\)/);
  assert.equal(invite.findings[0].id, 'reachability.peer-down', 'the cause comes before the symptom');
  assert.deepEqual(r.problems.slice(0, 2).map((p) => p.id), ['reachability.peer-down', 'reachability.no-response']);
  // invite-timeout.pcap: the OPTIONS came after the INVITE, so nothing says the peer was down before it.
  const after = await diagnose('invite-timeout.pcap');
  assert.ok(!after.calls.some((c) => c.findings.some((x) => x.id === 'reachability.peer-down')));
});
