import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { startHarness, ACCOUNT, CALLER, DOMAIN, TRUNK } from './support/harness.js';
import { freeUdpPort, hasKamailio, hasNetSip, startKamailio } from './support/kamailio.js';
import { peerSkip } from '../support/peers.js';

/**
 * Issue 5 item 8: independent SIP software over loopback — Perl Net::SIP as the PBX and
 * Kamailio (record_route + t_relay) as the upstream carrier proxy in front of the PSTN
 * simulator — a full outbound and a full inbound call, and one refused call each way.
 */
const skip = !hasKamailio ? peerSkip('kamailio') || 'kamailio -v failed' : !hasNetSip ? 'Perl Net::SIP not installed (Debian package libnet-sip-perl; .ci/run installs it)' : false;

function pbxScript(): string {
  // Tests run from the compiled tree (dist/ or .build/NAME/) with the project root as working
  // directory; the Perl script lives in the source tree.
  return resolve('test/edge/interop/netsip-pbx.pl');
}

function runPbx(args: string[], until: RegExp, timeoutMs = 15_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('perl', [pbxScript(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    createInterface({ input: child.stdout }).on('line', (l) => {
      lines.push(l);
      if (until.test(l)) child.kill('SIGTERM');
    });
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', () => {
      clearTimeout(t);
      if (lines.length === 0 && err) reject(new Error(err.slice(-1500)));
      else resolve(lines);
    });
  });
}

async function withSetup(fn: (s: Awaited<ReturnType<typeof setup>>) => Promise<void>): Promise<void> {
  const s = await setup();
  try {
    await fn(s);
  } finally {
    await s.kam.stop();
    await s.h.stop();
  }
}

async function setup() {
  const kport = await freeUdpPort('127.0.0.3');
  const h = await startHarness({ carriers: [`sip:127.0.0.3:${kport}`], simAsCarrier: false, inviteTimeoutMs: 4000 });
  const sim = h.edge.sim!;
  // Kamailio that did not come up (its port taken since it was found free) must not leave the harness running: the file would never exit.
  const kam = await startKamailio({ host: '127.0.0.3', port: kport, fromHost: '127.0.0.1', fromPort: sim.port, toWhenFrom: `sip:127.0.0.1:${h.port}`, toOtherwise: `sip:127.0.0.1:${sim.port}` }).catch(async (err: unknown) => {
    await h.stop();
    throw err;
  });
  return { h, kam, kport, sim };
}

test('interop: Net::SIP PBX → edge → Kamailio → PSTN simulator, answered and hung up by the PBX', { skip }, async () => {
  await withSetup(async ({ h, kport }) => {
    const local = `127.0.0.1:${await freeUdpPort('127.0.0.1')}`;
    const lines = await runPbx(['call', local, `127.0.0.1:${h.port}`, `sip:+919876540000@${DOMAIN}`, `sip:${CALLER}@127.0.0.1`, '1'], /BYE-SENT|BYE-RECEIVED/);
    assert.ok(lines.includes('FINAL 200') || lines.includes('ESTABLISHED'), lines.join(' | '));
    assert.ok(lines.includes('BYE-SENT'), lines.join(' | '));
    const rec = await h.calls.wait((r) => r.direction === 'outbound' && r.status === 'completed');
    assert.equal(rec.final_code, 200);
    assert.equal(rec.end_cause, 'bye-customer');
    assert.ok(rec.trace.some((t) => t.leg === 'carrier' && t.dst === `127.0.0.3:${kport}` && t.summary.startsWith('INVITE')), 'the carrier leg went through Kamailio');
    assert.ok(rec.trace.some((t) => t.leg === 'carrier' && t.dst === `127.0.0.3:${kport}` && t.summary.startsWith('BYE')), 'the BYE followed the Record-Route through Kamailio');
  });
});

test('interop: a refused outbound call from Net::SIP gets the edge\'s 484', { skip }, async () => {
  await withSetup(async ({ h }) => {
    const local = `127.0.0.1:${await freeUdpPort('127.0.0.1')}`;
    const lines = await runPbx(['call', local, `127.0.0.1:${h.port}`, `sip:9876540000@${DOMAIN}`, `sip:${CALLER}@127.0.0.1`, '1'], /FINAL/);
    assert.ok(lines.some((l) => l === 'FINAL 484'), lines.join(' | '));
    const rec = await h.calls.wait((r) => r.final_code === 484);
    assert.equal(rec.edge_cause, 'not-e164');
  });
});

test('interop: PSTN simulator → Kamailio → edge → Net::SIP PBX at the trunk destination URI, answered, BYE from the carrier side', { skip }, async () => {
  await withSetup(async ({ h, kport, sim }) => {
    const pbxPort = await freeUdpPort('127.0.0.1');
    const DID = '+919876542222';
    h.directory.update(TRUNK, { destinations: [{ uri: `sip:127.0.0.1:${pbxPort}`, priority: 0, weight: 1 }] });
    h.directory.numbers.set(DID, { e164: DID, trunkSid: TRUNK, accountSid: ACCOUNT, status: 'active', removed: false, mode: 'pstn' });
    const pbx = runPbx(['answer', `127.0.0.1:${pbxPort}`, '10'], /BYE-RECEIVED/);
    await new Promise((r) => setTimeout(r, 700));
    const callSid = randomBytes(16).toString('hex');
    await sim.simulator.originate({ to: DID, edge: { protocol: 'udp', address: '127.0.0.3', port: kport }, edgeDomain: DOMAIN, callSid });
    const lines = await pbx;
    assert.ok(lines.includes('ESTABLISHED') && lines.includes('BYE-RECEIVED'), lines.join(' | '));
    const rec = await h.calls.wait((r) => r.call_sid === callSid && r.status === 'completed');
    assert.equal(rec.direction, 'inbound');
    assert.equal(rec.final_code, 200);
    assert.equal(rec.end_cause, 'bye-carrier');
    assert.equal(rec.source_address, `127.0.0.3:${kport}`);
  });
});

test('interop: an inbound call through Kamailio to an unmapped DID is refused 404', { skip }, async () => {
  await withSetup(async ({ h, kport, sim }) => {
    const callSid = randomBytes(16).toString('hex');
    await sim.simulator.originate({ to: '+919876547777', edge: { protocol: 'udp', address: '127.0.0.3', port: kport }, edgeDomain: DOMAIN, callSid });
    const rec = await h.calls.wait((r) => r.call_sid === callSid && r.status !== 'in-progress');
    assert.equal(rec.final_code, 404);
    assert.equal(rec.edge_cause, 'did-not-mapped');
    assert.ok(rec.findings.some((f) => f.id === 'routing.did-not-mapped'));
  });
});
