import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type Served } from '../edge/support/serve.js';
import { CLI, run } from '../cli/support.js';
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
  // The shortest RTP timeout a trunk takes: a blocked echo call is ended by the edge within the test.
  await edge.api('POST', `${base}/settings`, { settings: [{ name: 'rtp_timeout', value: '5' }] });
});

after(async () => {
  await edge?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function throughFirewall(rule: RtpRule, extra: readonly string[] = []): Promise<(id: string) => Item> {
  const fw = await udpFirewall(edge.sip, rule);
  try {
    const out = await run(['preflight', '--trunk-domain', DOMAIN, '--edge', '127.0.0.1', '--sip-port', String(fw.sipPort), '--no-tls', '--json', '--no-save',
      '--api', `http://127.0.0.1:${edge.http}`, '--account', edge.account, '--key', edge.key, '--token', edge.token, ...extra]);
    assert.equal(out.code, 1, 'TCP is not forwarded by the firewall, so some item fails');
    const items = (JSON.parse(out.stdout) as { items: Item[] }).items;
    return (id) => items.find((i) => i.id === id) ?? assert.fail(`no ${id}: ${out.stdout}`);
  } finally {
    fw.close();
  }
}

test('preflight says RTP is blocked when a firewall drops the RTP range both ways, and tells the NAT from the edge\'s received', { skip: opensslSkip }, async () => {
  const item = await throughFirewall('blocked', ['--rtp-seconds', '7']);
  assert.equal(item('options.udp').status, 'pass');
  assert.equal(item('trunk.whitelist').status, 'pass', 'the address the edge saw (127.0.0.2) is whitelisted');
  const echo = item('media.echo');
  assert.equal(echo.status, 'fail');
  assert.match(echo.seen, /^blocked: .*sent \d+ PCMA packets.* none came back; the relay received 0/);
  assert.match(echo.change ?? '', /open UDP 10000–40000/);
  // The edge hung up on the silent call (trunk rtp_timeout 5 s) and preflight says so instead of sending its own BYE.
  assert.match(String(echo.details?.['ended_by_edge']), /RTP timeout/);
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

test('preflight judges the codec order in the SDP of the PBX\'s OPTIONS answer (RFC 3261 §11.2) when given --pbx', { skip: opensslSkip }, async () => {
  // A PBX on a raw socket that offers PCMU ahead of PCMA in its OPTIONS answer.
  const pbx = createSocket('udp4');
  await new Promise<void>((resolve) => pbx.bind(0, '127.0.0.1', () => resolve()));
  const sdp = 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n';
  pbx.on('message', (m, from) => {
    const lines = m.toString('latin1').split('\r\n');
    const copy = lines.filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l)).map((l) => (/^To:/i.test(l) ? `${l};tag=pbx1` : l));
    pbx.send(Buffer.from(['SIP/2.0 200 OK', ...copy, 'Content-Type: application/sdp', `Content-Length: ${sdp.length}`, '', sdp].join('\r\n')), from.port, from.address);
  });
  try {
    const out = await run(['preflight', '--trunk-domain', DOMAIN, '--edge', '127.0.0.1', '--sip-port', String(edge.sip), '--no-tls', '--json', '--pbx', `127.0.0.1:${pbx.address().port}`]);
    const codec = (JSON.parse(out.stdout) as { items: Item[] }).items.find((i) => i.id === 'codec.pcma-first')!;
    assert.equal(codec.status, 'warn');
    assert.match(codec.seen, /the PBX at UDP 127\.0\.0\.1:\d+'s OPTIONS answer: PCMA is offered but 0 PCMU\/8000 is forced ahead of it/);
  } finally {
    pbx.close();
  }
});

test('on a terminal preflight writes a progress line per item; piped, it writes none', { skip: opensslSkip || peerSkip('script') }, async () => {
  const args = ['preflight', '--trunk-domain', DOMAIN, '--edge', '127.0.0.1', '--sip-port', String(edge.sip), '--no-tls', '--json', '--timeout', '2'];
  // script(1) gives the command a pseudo-terminal, as a user's shell would.
  const tty = spawnSync('script', ['-qc', `'${process.execPath}' '${CLI}' ${args.join(' ')} >/dev/null`, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
  assert.match(tty.stdout, /\r\x1b\[K {2}\.{4} {2}checking OPTIONS over UDP/);
  assert.match(tty.stdout, /\r\x1b\[K {2}PASS {2}options\.udp/);
  const piped = await run(args);
  assert.equal(piped.stderr, '');
});
