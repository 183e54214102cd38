import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The compiled CLI, next to this compiled test (SPEC §7: exit 0 ok, 1 reported failure, 2 usage).
const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [main, 'explain', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('trunkline explain 488 prints meaning, likely cause, where the fault lies and what to check', () => {
  const r = run('488');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^488 Not Acceptable Here {2}\(RFC 3261\)/);
  assert.match(r.out, /Likely cause: +SDP \/ codec mismatch/);
  assert.match(r.out, /Fault lies with: .*\[customer-pbx\]/);
  assert.match(r.out, /What to check:\n {4}1\. G\.711 A-law only/);
  assert.match(r.out, /sip\.488\.no-pcma/);
});

test('trunkline explain takes a symptom in free words, quoted or not', () => {
  for (const args of [['one way audio'], ['one', 'way', 'audio']]) {
    const r = run(...args);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^One way audio/);
    assert.match(r.out, /Likely cause: +NAT \/ firewall/);
    assert.match(r.out, /1\. Public IP in SDP/);
  }
  assert.match(run('audio drops').out, /^Audio drops after answer/);
});

test('trunkline explain 1008 --json is machine-readable', () => {
  const r = run('1008', '--json');
  assert.equal(r.code, 0, r.err);
  const entry = JSON.parse(r.out) as Record<string, unknown>;
  assert.equal(entry.kind, 'api-error');
  assert.equal(entry.http_status, 409);
  assert.equal(entry.fix, 'Safe to ignore if config already exists');
});

test('trunkline explain of a finding id prints the catalogue entry', () => {
  const r = run('media.blocked-rtp', '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal((JSON.parse(r.out) as { fault_domain: string }).fault_domain, 'customer-network');
});

test('an unknown query exits 1 with a clear message; no argument exits 2', () => {
  const unknown = run('purple', 'monkey');
  assert.equal(unknown.code, 1);
  assert.equal(unknown.out, '');
  assert.match(unknown.err, /nothing in the knowledge base matches "purple monkey"/);
  const none = run();
  assert.equal(none.code, 2);
  assert.match(none.err, /missing required argument/);
});

test('trunkline explain answers a symptom in the user\'s words: "my calls drop after 30 seconds" weighs the RTP timeout and the missing ACK (Timer H, 32 s) first, session timers after', () => {
  const r = run('my', 'calls', 'drop', 'after', '30', 'seconds');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Calls drop after a while: after 30 s/);
  const causes = r.out.slice(r.out.indexOf('Causes, most likely first:'));
  assert.match(causes, /1\. RTP stops at a firewall .*← fits the length you gave/);
  assert.match(causes, /2\. The ACK to the 200 OK never arrives \(Timer H\) .*← fits/);
  assert.match(causes, /64·T1 = 32 s/);
  assert.match(causes, /3\. A session-timer refresh fails \(RFC 4028\) \[customer-pbx\]\n/);
  // A length that only a session timer produces puts it first.
  const half = run('calls disconnect after 15 minutes');
  assert.match(half.out.slice(half.out.indexOf('Causes')), /1\. A session-timer refresh fails .*← fits/);
  const json = JSON.parse(run('calls drop after 32s', '--json').out) as { kind: string; causes: { id: string; fits: boolean }[] };
  assert.equal(json.kind, 'call-symptom');
  // 32 s is Timer H's span exactly, and within 3 s of a 30 s firewall timeout: both fit, the closer first.
  assert.deepEqual(json.causes.filter((c) => c.fits).map((c) => c.id), ['no-ack-timer-h', 'rtp-timeout-firewall']);
});
