import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diagnoseCaptureFiles } from '../../src/analyzer/index.js';
import type { DiagnoseReport } from '../../src/analyzer/index.js';
import { highCostNumber } from '../../src/diagnosis/index.js';

// Security signals through `trunkline diagnose` on a capture of SIPVicious 0.3.3 (Debian) attacking
// a Kamailio PBX front, recorded by test/fixtures/captures/make.sh (SOURCES.md says what each tool sent).
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FIXTURE = 'test/fixtures/captures/sipvicious-scan.pcap';
const CORPUS = '../shared/corpus/pcaps';

function cli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000, maxBuffer: 32 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

test('SIPVicious: scanner, extension enumeration, a guessed password and a +882 call after it are findings with their evidence', async () => {
  const r = JSON.parse(await cli('diagnose', FIXTURE, '--json')) as DiagnoseReport;
  const byId = (id: string) => r.findings.filter((f) => f.id === id);
  // tshark: svmap's OPTIONS from 127.0.0.79 to .76, .77, .78 (User-Agent friendly-scanner); svwar/svcrack from 127.0.0.1.
  assert.deepEqual(byId('security.scanner').map((f) => f.evidence[0].split(' ')[0]).sort(), ['127.0.0.1', '127.0.0.79']);
  assert.match(byId('security.scanner')[0].evidence.join('\n'), /User-Agent: friendly-scanner/);
  // tshark: REGISTER for 1000–1010 (and svwar's random probe user): 404 for all but 1001 and 1002 (401).
  const enumeration = byId('security.extension-enumeration')[0];
  assert.equal(enumeration.severity, 'error');
  assert.match(enumeration.evidence[0], /127\.0\.0\.1 tried 12 users on 127\.0\.0\.78 .*: 10 answered 404/);
  assert.match(enumeration.evidence[1], /1001, 1002$/);
  // tshark: 14 REGISTERs with credentials for 1001 answered 403, then one answered 200 (password 1013).
  const guess = byId('security.password-guessing')[0];
  assert.equal(guess.severity, 'critical');
  assert.match(guess.evidence[0], /credentials for 1001 14 times .* refused each time \(403\)/);
  assert.match(guess.evidence[1], /accepted \(200\).*the password was guessed/);
  const fraud = r.calls.find((c) => c.method === 'INVITE');
  assert.ok(fraud);
  const f = fraud.findings[0];
  assert.equal(f.id, 'security.high-cost-call');
  assert.match(f.evidence.join('\n'), /INVITE to \+882130000001 .* answered 480/);
  assert.match(f.evidence.join('\n'), /its source 127\.0\.0\.79: scanner/);
  assert.match(f.evidence.join('\n'), /its caller 1001: password guessed/);
  // The attack's dialogs carry the attack, not "wrong credentials" or "invalid DID" advice.
  for (const c of r.calls.filter((x) => x.method === 'REGISTER')) {
    assert.ok(c.findings.length > 0 && c.findings.every((x) => x.id.startsWith('security.')), `${c.call_id}: ${c.findings.map((x) => x.id).join()}`);
  }
  assert.deepEqual(r.problems.slice(0, 2).map((p) => p.id).sort(), ['security.high-cost-call', 'security.password-guessing']);
  const text = await cli('diagnose', FIXTURE);
  assert.match(text, /1\. \[critical\] /);
});

test('high-cost destinations are read as E.164 after +, 00 or 011; ordinary numbers are not', () => {
  assert.equal(highCostNumber('+882130000001'), '+882130000001');
  assert.equal(highCostNumber('0088213000'), '+88213000');
  assert.equal(highCostNumber('01187012345'), '+87012345');
  assert.equal(highCostNumber('+442071234567'), undefined);
  assert.equal(highCostNumber('882'), undefined, 'a short extension is not an international number');
});

test('the Honeynet VoIP challenge\'s svmap probe (User-Agent "UNfriendly-scanner") is a scanner; the phone calls beside it are not attack traffic', { skip: existsSync(CORPUS) ? false : `${CORPUS} is not present` }, async () => {
  // tshark -Y sip: 172.25.105.43 → 172.25.105.40 OPTIONS sip:100@… with "UNfriendly-scanner - for demo purposes";
  // the X-Lite phone 172.25.105.3 registers and calls normally.
  const r = await diagnoseCaptureFiles([`${CORPUS}/goffinet__Forensic_challenge_4.pcap`]);
  assert.deepEqual(r.findings.map((f) => f.id), ['security.scanner']);
  assert.match(r.findings[0].evidence[0], /^172\.25\.105\.43 sent 1 OPTIONS/);
  const phone = r.calls.filter((c) => c.endpoints.some((e) => e.startsWith('172.25.105.3:')));
  assert.ok(phone.length > 0);
  for (const c of phone) assert.ok(!c.findings.some((f) => f.id.startsWith('security.')), c.call_id);
});

test('an INVITE flood from one source (SIPp at 200 calls/s) is security.flood with the source, method, rate and span; the ordinary call beside it is not part of it', async () => {
  // tshark -r invite-flood.pcap -Y 'sip.Method==INVITE && ip.src==127.0.0.79': 600 INVITEs over 3.0 s;
  // one INVITE from 127.0.0.77 half a second before.
  const r = JSON.parse(await cli('diagnose', 'test/fixtures/captures/invite-flood.pcap', '--json')) as DiagnoseReport;
  const floods = r.findings.filter((f) => f.id === 'security.flood');
  assert.equal(floods.length, 1);
  const f = floods[0];
  assert.match(f.evidence[0], /^127\.0\.0\.79 sent 600 INVITE requests between \S+ and \S+ \((2\.\d|3\.\d) s, (1[5-9]\d|2\d\d) per second; peak \d+ within 2 s\)/);
  assert.match(f.evidence[1], /to 127\.0\.0\.78:5070; answered 2xx 600, 3xx–4xx 0, 5xx 0, no final answer 0/);
  assert.equal(f.severity, 'warning', 'the target answered every one');
  assert.equal(r.problems[0].id, 'security.flood');
  assert.equal(r.problems[0].calls, 600);
  const normal = r.calls.find((c) => c.endpoints.includes('127.0.0.77:5060'));
  assert.ok(normal);
  assert.ok(!normal.findings.some((x) => x.id === 'security.flood'));
  // The 771 calls of the corpus's SIPp load test (10 per second) are no flood.
  if (existsSync(CORPUS)) {
    const load = await diagnoseCaptureFiles([`${CORPUS}/goffinet__uac-uas-scenario-sipp.pcapng`]);
    assert.ok(!load.findings.some((x) => x.id === 'security.flood'));
  }
});
