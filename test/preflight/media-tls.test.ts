import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type Served } from '../edge/support/serve.js';
import { run } from '../cli/support.js';
import { peerSkip } from '../support/peers.js';
import { expiredCert } from './certs.js';
import { udpFirewall, type RtpRule } from './udp-firewall.js';

// The RTP and TLS items against a real serve whose certificate expired in 2020, reached through a
// NAT firewall on loopback (udp-firewall.ts) whose RTP rule is the cause under test.
interface Item { id: string; status: string; seen: string; change?: string; details?: Record<string, unknown> }
const DOMAIN = 'demo.pstn.localhost';
const opensslSkip = peerSkip('openssl');
const dir = mkdtempSync(join(tmpdir(), 'trunkline-preflight-media-'));
let edge: Served;

before(async () => {
  if (opensslSkip) return;
  const cert = expiredCert(dir);
  edge = await serve(['--tls-port', '0', '--tls-cert', cert.cert, '--tls-key', cert.key, '--log-level', 'warn']);
  const created = await edge.api<{ trunk_sid: string }>('POST', `/v2/accounts/${edge.account}/trunks`, { trunk_name: 'pbx', nso_code: 'ANY-ANY', domain_name: DOMAIN });
  const base = `/v2/accounts/${edge.account}/trunks/${created.json.response.data.trunk_sid}`;
  await edge.api('POST', `${base}/phone-numbers`, { phone_number: '+919876543210', mode: 'pstn' });
  // The firewall's outside address: what the edge sees of this host.
  await edge.api('POST', `${base}/whitelisted-ips`, { ip: '127.0.0.2', mask: 32 });
  await edge.api('POST', `${base}/destination-uris`, { destinations: [{ destination: '127.0.0.2:5060;transport=udp' }] });
});

after(async () => {
  await edge?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function throughFirewall(rule: RtpRule): Promise<(id: string) => Item> {
  const fw = await udpFirewall(edge.sip, rule);
  try {
    const out = await run(['preflight', '--trunk-domain', DOMAIN, '--edge', '127.0.0.1', '--sip-port', String(fw.sipPort), '--no-tls', '--json', '--no-save',
      '--api', `http://127.0.0.1:${edge.http}`, '--account', edge.account, '--key', edge.key, '--token', edge.token]);
    assert.equal(out.code, 1, 'TCP is not forwarded by the firewall, so some item fails');
    const items = (JSON.parse(out.stdout) as { items: Item[] }).items;
    return (id) => items.find((i) => i.id === id) ?? assert.fail(`no ${id}: ${out.stdout}`);
  } finally {
    fw.close();
  }
}

test('preflight says RTP is blocked when a firewall drops the RTP range both ways, and tells the NAT from the edge\'s received', { skip: opensslSkip }, async () => {
  const item = await throughFirewall('blocked');
  assert.equal(item('options.udp').status, 'pass');
  assert.equal(item('trunk.whitelist').status, 'pass', 'the address the edge saw (127.0.0.2) is whitelisted');
  const echo = item('media.echo');
  assert.equal(echo.status, 'fail');
  assert.match(echo.seen, /^blocked: .*sent \d+ PCMA packets.* none came back; the relay received 0/);
  assert.match(echo.change ?? '', /open UDP 10000–40000/);
  const nat = item('media.nat');
  assert.equal(nat.status, 'warn');
  assert.match(nat.seen, /SDP says 127\.0\.0\.1:\d+ .* the edge sees 127\.0\.0\.2/);
  assert.match(nat.change ?? '', /external .*address to 127\.0\.0\.2/);
});

test('preflight says one-way when RTP from this host reaches the relay and nothing comes back', { skip: opensslSkip }, async () => {
  const echo = (await throughFirewall('outbound-only'))('media.echo');
  assert.equal(echo.status, 'fail');
  assert.match(echo.seen, /^one-way: /);
  assert.ok(Number((echo.details?.['relay_counters'] as { fromHost: number }).fromHost) >= 90, 'the relay counted this host\'s packets');
});

test('preflight passes the echo through a NAT whose RTP pinhole is open both ways (the relay latches to the real source)', { skip: opensslSkip }, async () => {
  const item = await throughFirewall('open');
  assert.equal(item('media.echo').status, 'pass');
  assert.equal(item('media.nat').status, 'warn');
});

test('preflight fails the TLS certificate item for an expired certificate and says to renew it', { skip: opensslSkip }, async () => {
  const out = await run(['preflight', '--trunk-domain', DOMAIN, '--edge', '127.0.0.1', '--sip-port', String(edge.sip), '--tls-port', String(edge.tls), '--json', '--from', '+919876543210']);
  assert.equal(out.code, 1);
  const items = (JSON.parse(out.stdout) as { items: Item[] }).items;
  assert.equal(items.find((i) => i.id === 'signaling.tls')?.status, 'pass', 'the handshake itself works');
  const cert = items.find((i) => i.id === 'tls.certificate')!;
  assert.equal(cert.status, 'fail');
  assert.match(cert.seen, /expired on Feb {1,2}1 00:00:00 2020 GMT/);
  assert.match(cert.change ?? '', /renew the certificate/);
});
