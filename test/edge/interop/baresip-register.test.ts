import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../support/serve.js';
import { freeUdpPort } from '../support/kamailio.js';
import { findPeer, peerSkip } from '../../support/peers.js';

// Issue 11 item 2, interop: a real softphone (baresip 1.0, Debian) on 127.0.0.2 registers with
// digest to `trunkline serve` and then receives an inbound test call (POST …/test-calls), which
// it answers by itself (answermode=auto). The trunk also has a destination URI — a socket this
// test watches — so the call must have reached baresip through its registration: the record's
// route names the registered contact and the flow, and the destination URI got nothing.
const BARESIP = findPeer('baresip') ?? 'baresip';
const skip = peerSkip('baresip');
const DID = '+919876547003';

type Call = { status: string; answered_at: string | null; final_code: number | null; events: { kind: string; detail: string }[] };

test('baresip registers to trunkline serve with digest and answers an inbound test call that reached it through its registration, not the destination URI', { skip, timeout: 90_000 }, async (t) => {
  // baresip 1.0 (libre) fails its REGISTER with ENOSYS when any challenge is SHA-256: MD5 alone, as an operator with such UAs would run it.
  const s = await serve(['--rtp-ports', '31000-31999', '--digest-algorithms', 'MD5']);
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-baresip-reg-'));
  const decoy = createSocket('udp4');
  const decoyGot: string[] = [];
  decoy.on('message', (m) => decoyGot.push(m.toString('latin1').split('\r\n', 1)[0]));
  decoy.bind(0, '127.0.0.1');
  await once(decoy, 'listening');
  const A = `/v2/accounts/${s.account}`;
  let child: ReturnType<typeof spawn> | undefined;
  let log = '';
  try {
    const trunk = await s.api<{ trunk_sid: string; domain_name: string }>('POST', `${A}/trunks`, { trunk_name: 'baresip_reg', nso_code: 'ANY-ANY', domain_name: `${s.account}.pstn.localhost` });
    assert.equal(trunk.status, 200, JSON.stringify(trunk.json));
    const { trunk_sid: sid, domain_name: domain } = trunk.json.response.data;
    assert.equal((await s.api('POST', `${A}/trunks/${sid}/credentials`, { user_name: 'softphone9', password: 'baresip-secret' })).status, 200);
    assert.equal((await s.api('POST', `${A}/trunks/${sid}/phone-numbers`, { phone_number: DID, mode: 'pstn' })).status, 200);
    assert.equal((await s.api('POST', `${A}/trunks/${sid}/whitelisted-ips`, { ip: '127.0.0.1', mask: 32 })).status, 200);
    const dest = await s.api('POST', `${A}/trunks/${sid}/destination-uris`, { destinations: [{ destination: `127.0.0.1:${(decoy.address()).port};transport=udp` }] });
    assert.equal(dest.status, 200, JSON.stringify(dest.json));
    assert.equal((await s.api('PUT', `${A}/trunks/${sid}`, { registration_enabled: 'enabled' })).status, 200);

    const listen = await freeUdpPort('127.0.0.2');
    // Headless baresip 1.0: the account registers at start (regint) through the edge (outbound=),
    // answers incoming calls itself (answermode=auto), plays nothing (aubridge sink, no source device).
    writeFileSync(join(dir, 'config'), [
      'poll_method epoll', `sip_listen 127.0.0.2:${listen}`, 'module_path /usr/lib/baresip/modules',
      'module g711.so', 'module aubridge.so', 'module_app account.so', 'module_app menu.so',
      'audio_player aubridge,sink', 'audio_source aubridge,src', 'audio_alert aubridge,sink', 'rtp_ports 42000-42999', '',
    ].join('\n'));
    writeFileSync(join(dir, 'accounts'), `<sip:softphone9@${domain};transport=udp>;auth_pass=baresip-secret;outbound="sip:127.0.0.1:${s.sip};transport=udp";regint=600;answermode=auto;audio_codecs=PCMA\n`);
    writeFileSync(join(dir, 'contacts'), '');
    child = spawn(BARESIP, ['-f', dir, '-t', '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));

    type Reg = { contact: string; source_address: string; transport: string; user_agent: string | null };
    let reg: Reg | undefined;
    for (const deadline = Date.now() + 15_000; !reg && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      const listed = await s.api<never>('GET', `${A}/trunks/${sid}/registrations`);
      reg = (listed.json.response as unknown as { data: Reg }[])[0]?.data;
    }
    assert.ok(reg, `baresip registered; it said: ${log.slice(-1500)}`);
    assert.match(reg.source_address, /^127\.0\.0\.2:\d+$/);
    assert.equal(reg.transport, 'udp');
    assert.match(reg.user_agent ?? '', /baresip/i);

    const placed = await s.api<{ call_sid: string }>('POST', `${A}/test-calls`, { to: DID });
    assert.equal(placed.status, 200, JSON.stringify(placed.json));
    const callSid = placed.json.response.data.call_sid;
    let call: Call | undefined;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      const got = await s.api<Call>('GET', `${A}/calls/${callSid}`);
      if (got.status === 200 && (got.json.response.data.answered_at || got.json.response.data.final_code)) {
        call = got.json.response.data;
        break;
      }
    }
    assert.ok(call?.answered_at, `the call was answered: ${JSON.stringify(call)}; baresip said: ${log.slice(-1500)}`);
    const route = call.events.filter((e) => e.kind === 'route').map((e) => e.detail);
    assert.ok(route.some((d) => d.startsWith(`registered contact ${reg.contact}`) && d.includes(reg.source_address)), route.join(' | '));
    const attempts = call.events.filter((e) => e.detail.startsWith('attempt '));
    assert.equal(attempts.length, 1, 'one attempt: the registered contact answered');
    assert.ok(attempts[0].detail.includes(`udp ${reg.source_address}`), attempts[0].detail);
    assert.deepEqual(decoyGot, [], 'nothing went to the destination URI');
    assert.match(log, /[Cc]all established|incoming call/, log.slice(-1500));
    t.diagnostic(`baresip registered ${reg.contact} from ${reg.source_address}; ${attempts[0].detail}`);
  } finally {
    child?.kill('SIGKILL');
    if (child && child.exitCode === null) await once(child, 'exit');
    decoy.close();
    rmSync(dir, { recursive: true, force: true });
    await s.stop();
  }
});
