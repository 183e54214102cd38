import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { serve, type Served } from '../edge/support/serve.js';
import { run } from '../cli/support.js';
import { peerSkip } from '../support/peers.js';
import { TICKET_FIELDS } from '../../src/diagnosis/index.js';

// `trunkline bundle CALL_SID` and GET …/calls/{call_sid}/bundle against a real serve: the bundle
// of a failed and of an answered (recorded) call, unpacked with the system's tar, holds every
// ticket field of the guide (§10), its pcap reads in tshark, and no secret is anywhere in it.
const DOMAIN = 'demo.pstn.localhost';
const PASSWORD = 'Bundle-s3cret-pw';
const dir = mkdtempSync(join(tmpdir(), 'trunkline-bundle-'));
let edge: Served;
let trunk: string;
let failed: string;
let answered: string;

const tsharkSkip = peerSkip('tshark');

async function ok<T = Record<string, unknown>>(p: Promise<{ status: number; json: { response: { data: T } } }>): Promise<T> {
  const r = await p;
  assert.ok(r.status < 300, `API answered ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json.response.data;
}

/** A call placed by preflight's echo test (our SIP stack as the PBX): returns the call sid of the edge. */
async function call(number: string): Promise<string> {
  const out = await run(['preflight', '--trunk-domain', DOMAIN, '--edge', '127.0.0.1', '--sip-port', String(edge.sip), '--no-tls', '--json',
    '--from', '+919876543210', '--echo-number', number, '--user', 'pbx1', '--password', PASSWORD,
    '--api', `http://127.0.0.1:${edge.http}`, '--account', edge.account, '--key', edge.key, '--token', edge.token]);
  const echo = (JSON.parse(out.stdout) as { items: { id: string; details?: { call_sid?: string } }[] }).items.find((i) => i.id === 'media.echo');
  const sid = echo?.details?.call_sid;
  assert.match(sid ?? '', /^[0-9a-f]{32}$/, out.stdout);
  return sid!;
}

before(async () => {
  edge = await serve(['--log-level', 'warn']);
  trunk = (await ok<{ trunk_sid: string }>(edge.api('POST', `/v2/accounts/${edge.account}/trunks`, { trunk_name: 'pbx', nso_code: 'ANY-ANY', domain_name: DOMAIN }))).trunk_sid;
  const base = `/v2/accounts/${edge.account}/trunks/${trunk}`;
  await ok(edge.api('POST', `${base}/phone-numbers`, { phone_number: '+919876543210', mode: 'pstn' }));
  await ok(edge.api('POST', `${base}/whitelisted-ips`, { ip: '127.0.0.1', mask: 32 }));
  await ok(edge.api('POST', `${base}/credentials`, { user_name: 'pbx1', password: PASSWORD }));
  failed = await call('+919876540486');
  // Recorded from here on: the answered call's bundle has the edge's own pcap, the failed one's a rebuilt one.
  await ok(edge.api('POST', `${base}/settings`, { settings: [{ name: 'record_calls', value: 'true' }] }));
  answered = await call('+919876540000');
});

after(async () => {
  await edge?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function unpack(file: string, into: string): string {
  mkdirSync(into, { recursive: true });
  execFileSync('tar', ['xzf', file, '-C', into]);
  const [top] = readdirSync(into);
  return join(into, top);
}

function allFiles(root: string): string[] {
  return readdirSync(root).flatMap((n) => (statSync(join(root, n)).isDirectory() ? allFiles(join(root, n)) : [join(root, n)]));
}

function tsharkCount(pcap: string, filter: string): number {
  const out = execFileSync('tshark', ['-r', pcap, '-o', 'rtp.heuristic_rtp:TRUE', '-Y', filter], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l.trim() !== '').length;
}

interface Summary {
  ticket: { trunk_sid: string; call_sid: string; direction: string; sip_response_code: number | null; start_time: string; start_time_local: string; time_zone: string };
  findings: { id: string; checks: string[] }[];
  pcap: { file: string; rebuilt: boolean };
  preflight: { id: string } | null;
  media: unknown;
}

function checkTicket(root: string, sid: string, code: number): Summary {
  const s = JSON.parse(readFileSync(join(root, 'summary.json'), 'utf8')) as Summary;
  assert.equal(s.ticket.trunk_sid, trunk);
  assert.equal(s.ticket.call_sid, sid);
  assert.equal(s.ticket.direction, 'outbound');
  assert.equal(s.ticket.sip_response_code, code);
  assert.match(s.ticket.start_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(s.ticket.time_zone, 'Asia/Kolkata');
  assert.match(s.ticket.start_time_local, /\+05:30$/, 'the timestamp carries its time zone');
  const text = readFileSync(join(root, 'summary.txt'), 'utf8');
  for (const f of TICKET_FIELDS) assert.ok(text.includes(f.field), `summary.txt names "${f.field}"`);
  assert.ok(text.includes(trunk) && text.includes(sid));
  assert.match(readFileSync(join(root, 'sip', 'ladder.txt'), 'utf8'), /INVITE sip:\+91987654/);
  assert.match(readFileSync(join(root, 'sip', 'messages.txt'), 'utf8'), /^INVITE sip:\+91987654\S+ SIP\/2\.0$/m);
  assert.ok(existsSync(join(root, 'media', 'stats.json')));
  const config = JSON.parse(readFileSync(join(root, 'trunk', 'config.json'), 'utf8')) as { trunk_sid: string; credentials: { user_name: string }[] };
  assert.equal(config.trunk_sid, trunk);
  assert.deepEqual(config.credentials.map((c) => c.user_name), ['pbx1']);
  // The latest preflight of the trunk (the two calls above were placed by preflight with API credentials).
  assert.ok(s.preflight, 'the preflight result is included');
  assert.ok(existsSync(join(root, 'preflight', 'latest.json')));
  return s;
}

/** `trunkline bundle SID --out FILE`, unpacked with tar, its ticket fields checked. */
async function bundled(sid: string, name: string, code: number): Promise<{ file: string; root: string; s: Summary }> {
  const file = join(dir, `${name}.tar.gz`);
  const out = await run(['bundle', sid, '--data-dir', edge.dataDir, '--out', file, '--tz', 'Asia/Kolkata']);
  assert.equal(out.code, 0, out.stderr);
  const root = unpack(file, join(dir, name));
  return { file, root, s: checkTicket(root, sid, code) };
}

function noSecrets(root: string, archive: Buffer): void {
  const ha1 = (alg: string) => createHash(alg).update(`pbx1:${DOMAIN}:${PASSWORD}`).digest('hex');
  const secrets = [PASSWORD, ha1('md5'), ha1('sha256'), edge.token];
  const tar = gunzipSync(archive).toString('latin1');
  for (const secret of secrets) {
    assert.ok(!tar.includes(secret), 'no secret in the archive bytes');
    for (const f of allFiles(root)) assert.ok(!readFileSync(f, 'latin1').includes(secret), `no secret in ${f}`);
  }
}

test('the bundle of a failed call holds every ticket field, the findings with their checks, and a pcap rebuilt from the trace that tshark reads', async (t) => {
  const { file, root, s } = await bundled(failed, 'failed', 486);
  assert.ok(s.findings.some((f) => f.id === 'sip.486' && f.checks.length > 0));
  assert.equal(s.pcap.rebuilt, true);
  assert.match(s.pcap.file, /rebuilt-from-trace\.pcap$/);
  noSecrets(root, readFileSync(file));
  if (tsharkSkip) return t.skip(tsharkSkip);
  assert.ok(tsharkCount(join(root, s.pcap.file), 'sip.Status-Code == 486') >= 1);
});

test('the bundle of an answered call carries its recorded pcap (SIP and RTP) and the media statistics; the API serves the same archive to its account only', async (t) => {
  const { file, root, s } = await bundled(answered, 'answered', 200);
  assert.equal(s.pcap.rebuilt, false);
  assert.equal(s.pcap.file, `capture/${answered}.pcap`);
  const media = s.media as { directions: { customer_to_carrier: { packets: number } } };
  assert.ok(media.directions.customer_to_carrier.packets >= 90);
  noSecrets(root, readFileSync(file));

  const res = await fetch(`http://127.0.0.1:${edge.http}/v2/accounts/${edge.account}/calls/${answered}/bundle?tz=Asia/Kolkata`, { headers: { authorization: edge.auth } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/gzip');
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="trunkline-bundle-${answered}.tar.gz"`);
  const viaApi = join(dir, 'api.tar.gz');
  writeFileSync(viaApi, Buffer.from(await res.arrayBuffer()));
  const apiRoot = unpack(viaApi, join(dir, 'api'));
  assert.deepEqual(allFiles(apiRoot).map((f) => f.slice(apiRoot.length)).sort(), allFiles(root).map((f) => f.slice(root.length)).sort());
  checkTicket(apiRoot, answered, 200);

  const other = await run(['accounts', 'create', 'other', '--data-dir', edge.dataDir]);
  const creds = JSON.parse(other.stdout) as { api_key: string; api_token: string };
  const foreign = await fetch(`http://127.0.0.1:${edge.http}/v2/accounts/other/calls/${answered}/bundle`, { headers: { authorization: `Basic ${Buffer.from(`${creds.api_key}:${creds.api_token}`).toString('base64')}` } });
  assert.equal(foreign.status, 404);
  assert.equal(((await foreign.json()) as { response: { error_data: { code: number } } }).response.error_data.code, 1000);

  if (tsharkSkip) return t.skip(tsharkSkip);
  const pcap = join(root, s.pcap.file);
  assert.ok(tsharkCount(pcap, 'sip.Method == "INVITE"') >= 1);
  assert.ok(tsharkCount(pcap, 'rtp') >= 100, 'RTP of the echo call is in the recording');
});

test('trunkline bundle of an unknown call exits 1 naming it', async () => {
  const out = await run(['bundle', 'f'.repeat(32), '--data-dir', edge.dataDir, '--out', join(dir, 'none.tar.gz')]);
  assert.equal(out.code, 1);
  assert.match(out.stderr, /BUNDLE_CALL_NOT_FOUND/);
  assert.ok(!existsSync(join(dir, 'none.tar.gz')));
});
