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

test('an INVITE answered 480 to a user whose REGISTER was refused for a wrong password is explained by the registration, and the password is the fault', async () => {
  // tshark: REGISTER 1001 → 401, REGISTER with Digest (wrong password) → 403 Forbidden at 0.00 s;
  // INVITE sip:1001 → 480 Temporarily Unavailable at 2.15 s (Kamailio's lookup found no binding).
  const r = await diagnose('register-refused.pcap');
  const invite = r.calls.find((c) => c.method === 'INVITE');
  const register = r.calls.find((c) => c.method === 'REGISTER');
  assert.ok(invite && register);
  assert.equal(invite.final_code, 480);
  const f = invite.findings[0];
  assert.equal(f.id, 'register.callee-not-registered');
  assert.equal(f.code, 480);
  assert.match(f.evidence[1], /^REGISTER for 1001 from 127\.0\.0\.80:5064 at \S+ refused: 403 Forbidden$/);
  assert.match(f.evidence[2], /its registration was refused, so the registrar holds no binding for it/);
  assert.ok(!invite.findings.some((x) => x.id === 'sip.480'));
  const wrong = register.findings.find((x) => x.id === 'auth.wrong-credentials');
  assert.ok(wrong, register.findings.map((x) => x.id).join());
  assert.match(wrong.evidence.join('\n'), /REGISTER CSeq 2 with credentials for user "1001" → 403 Forbidden/);
  assert.deepEqual(r.problems.map((p) => p.id), ['register.callee-not-registered', 'auth.wrong-credentials']);
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

test('a call hung up after eight re-INVITEs answered 491 in 1.1 s is lost to a re-INVITE storm (glare without the back-off of RFC 3261 §14.1)', async () => {
  // tshark: INVITE → 180 → 200 → ACK; from 1.01 s eight in-dialog INVITEs 152 ms apart, each 491 Request
  // Pending → ACK; BYE (Reason: SIP;cause=491) at 2.22 s → 200.
  const r = await diagnose('reinvite-storm.pcap');
  assert.equal(r.calls.length, 1);
  const f = r.calls[0].findings.find((x) => x.id === 'dialog.reinvite-storm');
  assert.ok(f, r.calls[0].findings.map((x) => x.id).join());
  assert.equal(f.severity, 'error');
  assert.match(f.evidence[0], /^8 re-INVITEs in the dialog between \S+ and \S+ \(1\.\d s, median 1[45]\d ms apart\) from 127\.0\.0\.77:5060; answered 491 ×8$/);
  assert.match(f.evidence[1], /^8 answered 491 Request Pending: glare/);
  assert.match(f.evidence[2], /^then BYE from 127\.0\.0\.77:5060 at \S+, 0\.\d s after the last re-INVITE \(Reason: SIP;cause=491/);
  assert.equal(r.problems[0].id, 'dialog.reinvite-storm');
  // A dialog with an ordinary answer and BYE has no storm.
  const good = await diagnose('good-call.pcap');
  assert.ok(!good.calls.some((c) => c.findings.some((x) => x.id === 'dialog.reinvite-storm')));
});
