import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serve, type Served } from './support/serve.js';
import { exchange as send } from './support/datagram.js';

const exchange = (from: string, text: string) => send(s.sip, text, from);

// Issue 11 item 4: every X-Trunkline-Call-Sid the edge sends can be looked up with GET
// /v2/accounts/{account_sid}/calls/{call_sid}. A refusal the Request-URI ties to no account
// (unknown domain, a request the stack cannot parse) is tied by its source address to the
// account whose trunks whitelist it; with no such account the answer names no call sid. The
// operator reads any record, tied or not, with `trunkline calls show|list` on the store.

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
let s: Served;

before(async () => {
  s = await serve();
  const trunk = await s.api<{ trunk_sid: string }>('POST', `/v2/accounts/${s.account}/trunks`, { trunk_name: 'lookup', nso_code: 'ANY-ANY', domain_name: `${s.account}.pstn.localhost` });
  assert.equal(trunk.status, 200, JSON.stringify(trunk.json));
  // 127.0.0.1 is the PBX of the demo account; 127.0.0.9 is nobody's.
  const ip = await s.api('POST', `/v2/accounts/${s.account}/trunks/${trunk.json.response.data.trunk_sid}/whitelisted-ips`, { ip: '127.0.0.1', mask: 32 });
  assert.equal(ip.status, 200, JSON.stringify(ip.json));
  // The edge reads the platform's trunks again at most every 2 s (AccountLocator): let it see the new range.
  await new Promise((r) => setTimeout(r, 2200));
});
after(async () => {
  await s?.stop();
});

const header = (msg: string, name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(msg.split('\r\n\r\n', 1)[0])?.[1]?.trim();

function invite(host: string, callId: string | undefined, from: string): string {
  return [
    `INVITE sip:+919876543210@${host} SIP/2.0`,
    `Via: SIP/2.0/UDP ${from}:5099;branch=z9hG4bK${Math.random().toString(16).slice(2)};rport`,
    'Max-Forwards: 70',
    'From: <sip:+919876541111@pbx.example>;tag=abc',
    `To: <sip:+919876543210@${host}>`,
    ...(callId ? [`Call-ID: ${callId}`] : []),
    'CSeq: 1 INVITE',
    `Contact: <sip:pbx@${from}:5099>`,
    'Content-Length: 0',
    '', '',
  ].join('\n');
}

async function lookup(sid: string): Promise<{ status: number; record?: { account_sid: string; final_code: number; edge_cause: string; events: { kind: string; detail: string }[] } }> {
  for (let i = 0; i < 50; i++) {
    const r = await s.api<{ account_sid: string; final_code: number; edge_cause: string; events: { kind: string; detail: string }[] }>('GET', `/v2/accounts/${s.account}/calls/${sid}`);
    if (r.status === 200) return { status: 200, record: r.json.response.data };
    await new Promise((res) => setTimeout(res, 100));
  }
  return { status: 404 };
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr }));
  });
}

test('an INVITE to an unknown domain from a whitelisted source is refused 403 with a call sid the account finds (tied by the source address)', async () => {
  const res = await exchange('127.0.0.1', invite('nobody.pstn.localhost', `unknown-${Date.now()}@pbx`, '127.0.0.1'));
  assert.match(res, /^SIP\/2\.0 403 /);
  assert.equal(header(res, 'X-Trunkline-Finding'), 'acl.unknown-domain');
  const sid = header(res, 'X-Trunkline-Call-Sid');
  assert.match(sid ?? '', /^[0-9a-f]{32}$/, res);
  const found = await lookup(sid!);
  assert.equal(found.status, 200, `GET …/calls/${sid}`);
  assert.equal(found.record?.account_sid, s.account);
  assert.equal(found.record?.edge_cause, 'unknown-domain');
  assert.ok(found.record?.events.some((e) => e.kind === 'account' && e.detail.includes('127.0.0.1')), JSON.stringify(found.record?.events));
});

test('a request the stack refuses (400, no Call-ID) to an unknown domain from a whitelisted source names a call sid the account finds', async () => {
  const res = await exchange('127.0.0.1', invite('nobody.pstn.localhost', undefined, '127.0.0.1'));
  assert.match(res, /^SIP\/2\.0 400 /);
  const sid = header(res, 'X-Trunkline-Call-Sid');
  assert.match(sid ?? '', /^[0-9a-f]{32}$/, res);
  const found = await lookup(sid!);
  assert.equal(found.status, 200);
  assert.equal(found.record?.final_code, 400);
});

test('refusals no account can be tied to (unknown domain, unknown source) name no call sid, still say why, and `trunkline calls list|show` reads their records from the store', async () => {
  const callId = `orphan-${Date.now()}@pbx`;
  const res = await exchange('127.0.0.9', invite('nobody.pstn.localhost', callId, '127.0.0.9'));
  assert.match(res, /^SIP\/2\.0 403 /);
  assert.equal(header(res, 'X-Trunkline-Call-Sid'), undefined, 'no sid that would 404');
  assert.equal(header(res, 'X-Trunkline-Finding'), 'acl.unknown-domain');
  assert.ok(header(res, 'Reason') ?? header(res, 'Warning'), 'the refusal still says why');
  const broken = await exchange('127.0.0.9', invite('nobody.pstn.localhost', undefined, '127.0.0.9'));
  assert.match(broken, /^SIP\/2\.0 400 /);
  assert.equal(header(broken, 'X-Trunkline-Call-Sid'), undefined);

  // The operator finds it by listing the store (any account, or none).
  type Row = { call_sid: string; account_sid: string | null; sip_call_id: string; final_code: number };
  let row: Row | undefined;
  for (let i = 0; i < 50 && !row; i++) {
    const list = await cli(['calls', 'list', '--data-dir', s.dataDir, '--json', '--limit', '50']);
    assert.equal(list.code, 0, list.stderr);
    row = (JSON.parse(list.stdout) as Row[]).find((r) => r.sip_call_id === callId);
    if (!row) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(row, 'the refusal is in `calls list`');
  assert.equal(row.account_sid, null);
  assert.equal(row.final_code, 403);
  const shown = await cli(['calls', 'show', row.call_sid, '--data-dir', s.dataDir, '--json']);
  assert.equal(shown.code, 0, shown.stderr);
  const record = JSON.parse(shown.stdout) as { call_sid: string; trace: { message: string }[]; findings: { id: string }[] };
  assert.equal(record.call_sid, row.call_sid);
  assert.ok(record.trace.some((t) => t.message.startsWith('INVITE ')), 'the trace is there');
  assert.ok(record.findings.some((f) => f.id === 'acl.unknown-domain'));
  const text = await cli(['calls', 'show', row.call_sid, '--data-dir', s.dataDir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`call ${row.call_sid}`));
  assert.match(text.stdout, /account \(none/);
  assert.match(text.stdout, /acl\.unknown-domain/);
  assert.match(text.stdout, /INVITE/);
  // A tied record is readable the same way; an unknown sid exits 1, a bad --limit is usage (2).
  const missing = await cli(['calls', 'show', 'f'.repeat(32), '--data-dir', s.dataDir]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no call f{32}/);
  assert.equal((await cli(['calls', 'list', '--data-dir', s.dataDir, '--limit', 'lots'])).code, 2);
});
