import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, serve, stopped } from './support.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'trunkline-cli-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('accounts create SID prints {account_sid, api_key, api_token} as one JSON line; a second create of the SID fails with exit 1', async () => {
  const dir = tmp();
  const res = await run(['accounts', 'create', 'acme_1', '--data-dir', dir]);
  assert.equal(res.code, 0, res.stderr);
  const lines = res.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const created = JSON.parse(lines[0]) as Record<string, string>;
  assert.deepEqual(Object.keys(created), ['account_sid', 'api_key', 'api_token']);
  assert.equal(created.account_sid, 'acme_1');
  const again = await run(['accounts', 'create', 'acme_1'], { TRUNKLINE_DATA_DIR: dir });
  assert.equal(again.code, 1, 'the environment variable names the same store');
  assert.match(again.stderr, /already exists/);
});

test('bad usage exits 2: an unknown flag, a missing argument, a bad flag value (also from TRUNKLINE_*)', async () => {
  assert.equal((await run(['serve', '--no-such-flag'])).code, 2);
  assert.equal((await run(['accounts', 'create'])).code, 2);
  const badPort = await run(['serve', '--http-port', '70000']);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /--http-port must be a port number/);
  const badEnv = await run(['serve'], { TRUNKLINE_RTP_PORTS: '40000-10000' });
  assert.equal(badEnv.code, 2);
  assert.match(badEnv.stderr, /--rtp-ports/);
  const badSilence = await run(['serve', '--silence-threshold', 'loud']);
  assert.equal(badSilence.code, 2);
  const wildcard = await run(['serve', '--public-address', '0.0.0.0']);
  assert.equal(wildcard.code, 2);
  assert.match(wildcard.stderr, /--public-address/);
  const badMedia = await run(['serve'], { TRUNKLINE_MEDIA_ADDRESS: 'not-an-ip' });
  assert.equal(badMedia.code, 2);
  assert.match(badMedia.stderr, /--media-address/);
  assert.match(badSilence.stderr, /--silence-threshold must be a number of seconds/);
  const badWindow = await run(['serve'], { TRUNKLINE_MEDIA_WINDOW: 'x' });
  assert.equal(badWindow.code, 2);
  assert.match(badWindow.stderr, /--media-window/);
  assert.equal((await run(['--help'])).code, 0);
  const serveHelp = await run(['serve', '--help']);
  for (const flag of ['--media-window', '--rtp-stop', '--silence-threshold', '--live-refresh']) assert.match(serveHelp.stdout, new RegExp(flag));
});

test('serve prints the demo account once and one JSON listening line with the chosen ports', async () => {
  const dir = tmp();
  const first = await serve(['--data-dir', dir]);
  try {
    const demo = first.events.find((e) => e.event === 'demo_account');
    assert.ok(demo && typeof demo.api_token === 'string', 'the demo credentials are printed');
    const listening = first.events.at(-1)!;
    assert.deepEqual(Object.keys(listening), ['event', 'http', 'sip', 'tls']);
    assert.ok(first.port > 0);
    const auth = `Basic ${Buffer.from(`${String(demo.api_key)}:${String(demo.api_token)}`).toString('base64')}`;
    const res = await fetch(`http://127.0.0.1:${first.port}/v2/accounts/demo/trunks`, { headers: { authorization: auth } });
    assert.equal(res.status, 200);
  } finally {
    first.child.kill('SIGTERM');
    await stopped(first.child);
  }
  const second = await serve([], { TRUNKLINE_DATA_DIR: dir });
  try {
    assert.equal(second.events.filter((e) => e.event === 'demo_account').length, 0, 'printed once, not on the next start');
  } finally {
    second.child.kill('SIGTERM');
    await stopped(second.child);
  }
});

test('accounts create --db postgres://… creates the account in PostgreSQL (fresh schema, dropped after)', async () => {
  const { pgSchema } = await import('../store/support.js');
  const pg = await pgSchema('tl_cli');
  try {
    const res = await run(['accounts', 'create', 'pg_acct'], { TRUNKLINE_DB: pg.db });
    assert.equal(res.code, 0, res.stderr);
    assert.equal((JSON.parse(res.stdout) as { account_sid: string }).account_sid, 'pg_acct');
    const rows = await pg.query<{ sid: string }>(`select sid from ${pg.schema}.accounts`);
    assert.deepEqual(rows.map((r) => r.sid), ['pg_acct']);
  } finally {
    await pg.drop();
  }
});
