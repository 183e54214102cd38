import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type Served } from '../edge/support/serve.js';
import { run } from '../cli/support.js';
import { peerSkip } from '../support/peers.js';
import { validCert, type CertFiles } from './certs.js';

// `trunkline preflight` against a real `trunkline serve` (port 0, TLS with a certificate made by
// openssl): a well-provisioned trunk passes every item; each provisioning fault fails its item
// and names the change (guide §9 "before contacting support").
interface Item { id: string; status: string; seen: string; change?: string; details?: Record<string, unknown> }
interface Report { ok: boolean; items: Item[]; trunk_sid: string | null; public_address: string | null; saved: { uri: string | null } | null }

const DOMAIN = 'demo.pstn.localhost';
const dir = mkdtempSync(join(tmpdir(), 'trunkline-preflight-'));
const opensslSkip = peerSkip('openssl');
let cert: CertFiles;
const sdpFile = join(dir, 'pbx.sdp');
writeFileSync(sdpFile, 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n');
let edge: Served;
let trunk: string;

async function ok<T = Record<string, unknown>>(p: Promise<{ status: number; json: { response: { data: T } } }>): Promise<T> {
  const r = await p;
  assert.ok(r.status < 300, `API answered ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json.response.data;
}

before(async () => {
  if (opensslSkip) return;
  cert = validCert(dir);
  edge = await serve(['--tls-port', '0', '--tls-cert', cert.cert, '--tls-key', cert.key, '--log-level', 'warn']);
  const t = await ok<{ trunk_sid: string }>(edge.api('POST', `/v2/accounts/${edge.account}/trunks`, { trunk_name: 'pbx', nso_code: 'ANY-ANY', domain_name: DOMAIN }));
  trunk = t.trunk_sid;
  const base = `/v2/accounts/${edge.account}/trunks/${trunk}`;
  await ok(edge.api('POST', `${base}/phone-numbers`, { phone_number: '+919876543210', mode: 'pstn' }));
  await ok(edge.api('POST', `${base}/whitelisted-ips`, { ip: '127.0.0.1', mask: 32 }));
  await ok(edge.api('POST', `${base}/destination-uris`, { destinations: [{ destination: '127.0.0.1:5999;transport=udp' }] }));
});

after(async () => {
  await edge?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function preflight(extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}) {
  return run(['preflight', '--trunk-domain', DOMAIN, '--edge', '127.0.0.1', '--sip-port', String(edge.sip), '--tls-port', String(edge.tls),
    '--api', `http://127.0.0.1:${edge.http}`, '--account', edge.account, '--key', edge.key, '--token', edge.token, '--ca', cert.cert, '--json', ...extra], env);
}

async function report(extra: readonly string[] = []): Promise<{ code: number | null; r: Report; item: (id: string) => Item }> {
  const out = await preflight(extra);
  const r = JSON.parse(out.stdout) as Report;
  return { code: out.code, r, item: (id) => r.items.find((i) => i.id === id) ?? assert.fail(`no item ${id} in ${out.stdout}`) };
}

test('preflight passes every item of the guide\'s checklist on a well-provisioned trunk and stores its result on the edge', { skip: opensslSkip }, async () => {
  const { code, r } = await report(['--sdp', sdpFile]);
  assert.deepEqual(r.items.filter((i) => i.status !== 'pass').map((i) => `${i.id}: ${i.seen}`), []);
  assert.equal(code, 0);
  assert.deepEqual(r.items.map((i) => i.id).sort(), [
    'codec.pcma-first', 'media.echo', 'media.nat', 'options.tcp', 'options.tls', 'options.udp', 'signaling.tcp', 'signaling.tls', 'tls.certificate',
    'trunk.active', 'trunk.credentials', 'trunk.destination', 'trunk.domain', 'trunk.mode', 'trunk.whitelist',
  ]);
  assert.equal(r.trunk_sid, trunk);
  assert.equal(r.public_address, '127.0.0.1');
  const echo = r.items.find((i) => i.id === 'media.echo')!;
  assert.ok(Number(echo.details?.['sent']) >= 100, 'at least 2 s of 20 ms packets');
  assert.ok(Number(echo.details?.['received']) >= Number(echo.details?.['sent']) * 0.9);
  // The result is stored for the trunk, so a support bundle can carry it.
  const list = await edge.api<unknown>('GET', `/v2/accounts/${edge.account}/preflight-results?trunk_sid=${trunk}`);
  assert.ok(Number(list.json.metadata?.['total']) >= 1);
  assert.match(r.saved?.uri ?? '', /\/preflight-results\/[0-9a-f]+$/);
});

test('preflight fails "correct trunk domain used" for a domain no trunk of the account has, naming the right one', { skip: opensslSkip }, async () => {
  const { code, item } = await report(['--trunk-domain', 'other.pstn.localhost', '--tls-name', DOMAIN, '--no-save']);
  assert.equal(code, 1);
  assert.equal(item('trunk.domain').status, 'fail');
  assert.match(item('trunk.domain').change ?? '', new RegExp(DOMAIN.replace(/\./g, '\\.')));
});

test('preflight fails the whitelist item when this host\'s source is not whitelisted, naming the trunk, its ranges and the POST that fixes it', { skip: opensslSkip }, async () => {
  const base = `/v2/accounts/${edge.account}/trunks/${trunk}/whitelisted-ips`;
  const list = await edge.api<unknown>('GET', base);
  const id = (list.json.response as unknown as { data: { id: string } }[])[0].data.id;
  await ok(edge.api('PUT', `${base}/${id}`, { ip: '10.1.2.3', mask: 32 }));
  try {
    const { code, item } = await report(['--no-save']);
    assert.equal(code, 1);
    const w = item('trunk.whitelist');
    assert.equal(w.status, 'fail');
    assert.match(w.seen, /127\.0\.0\.1.*none of trunk pbx .*10\.1\.2\.3\/32/);
    assert.match(w.change ?? '', /POST .*whitelisted-ips \{"ip":"127\.0\.0\.1","mask":32\}/);
    // The echo call is refused by the edge for the same cause: 403, with its finding.
    assert.equal(item('media.echo').status, 'fail');
    assert.match(item('media.echo').seen, /403/);
  } finally {
    await ok(edge.api('PUT', `${base}/${id}`, { ip: '127.0.0.1', mask: 32 }));
  }
});

test('preflight fails "correct destination URI configured" when the trunk has none (inbound calls would get 480)', { skip: opensslSkip }, async () => {
  const base = `/v2/accounts/${edge.account}/trunks/${trunk}/destination-uris`;
  const list = await edge.api<unknown>('GET', base);
  const id = (list.json.response as unknown as { data: { id: string } }[])[0].data.id;
  assert.equal((await edge.api('DELETE', `${base}/${id}`)).status, 200);
  try {
    const { code, item } = await report(['--no-save']);
    assert.equal(code, 1);
    assert.equal(item('trunk.destination').status, 'fail');
    assert.match(item('trunk.destination').seen, /480/);
    assert.match(item('trunk.destination').change ?? '', /POST .*destination-uris/);
  } finally {
    await ok(edge.api('POST', base, { destinations: [{ destination: '127.0.0.1:5999;transport=udp' }] }));
  }
});

test('preflight fails the trunk-active item for an inactive trunk, and the echo call shows the edge refusing it', { skip: opensslSkip }, async () => {
  const base = `/v2/accounts/${edge.account}/trunks/${trunk}`;
  await ok(edge.api('PUT', base, { status: 'inactive' }));
  try {
    const { code, item } = await report(['--no-save']);
    assert.equal(code, 1);
    assert.equal(item('trunk.active').status, 'fail');
    assert.match(item('trunk.active').change ?? '', /PUT .*\{"status":"active"\}/);
    assert.equal(item('media.echo').status, 'fail');
  } finally {
    await ok(edge.api('PUT', base, { status: 'active' }));
  }
});

test('preflight reads its flags from TRUNKLINE_<FLAG> and exits 2 on bad usage', { skip: opensslSkip }, async () => {
  const missing = await run(['preflight']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--trunk-domain is required/);
  const partial = await run(['preflight', '--trunk-domain', DOMAIN, '--api', 'http://127.0.0.1:1']);
  assert.equal(partial.code, 2);
  const env = await run(['preflight', '--edge', '127.0.0.1', '--no-tls', '--json'], { TRUNKLINE_TRUNK_DOMAIN: DOMAIN, TRUNKLINE_SIP_PORT: String(edge.sip) });
  const r = JSON.parse(env.stdout) as Report;
  assert.equal(r.items.find((i) => i.id === 'options.udp')?.status, 'pass');
  // No caller number and no API to find one: the echo call is skipped, saying what to give.
  assert.match(r.items.find((i) => i.id === 'media.echo')?.change ?? '', /--from NUMBER/);
  // Without API credentials the provisioning items are skipped, not failed.
  assert.equal(r.items.find((i) => i.id === 'trunk.provisioning')?.status, 'skip');
  assert.equal(env.code, 0);
});
