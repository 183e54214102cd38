import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peerSkip } from '../support/peers.js';
import { RawUac, pcmaOffer } from '../edge/support/raw-uac.js';
import { RegisterClient } from '../edge/support/register-client.js';
import { serve, stopped } from './support.js';

// The README's "Registering a PBX" commands, run as written (bash + curl) after its
// "Provisioning a trunk" block, against a real `trunkline serve`: a PBX (raw sockets, on
// 127.0.0.2) registers with the user and password the README gives, the README's list shows
// it, and the README's test call rings it.
const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

function shBlocks(heading: string): string[] {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(heading);
  assert.ok(start >= 0, `README has "${heading}"`);
  const next = text.indexOf('\n## ', start + heading.length);
  const section = text.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

function bash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-e', '-c', script], { env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => child.on('exit', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
}

type Answer = { http_code: number; response: { status: string; data: Record<string, unknown> } | { status: string; data: Record<string, unknown> }[] };

test("README's \"Registering a PBX\" works as written: credential and registration_enabled, a PBX registers, the list shows it, the test call rings it", { skip: peerSkip('curl') || peerSkip('bash'), timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-readme-reg-'));
  const served = await serve(['--data-dir', dir]);
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: Number((served.events.find((e) => e.event === 'listening') ?? {}).sip) }, '127.0.0.2').open();
  try {
    const demo = served.events.find((e) => e.event === 'demo_account')!;
    const [provisioning] = shBlocks('## Provisioning a trunk');
    const [enable, use] = shBlocks('## Registering a PBX');
    assert.ok(enable && use, 'two sh blocks under "Registering a PBX"');
    const prelude = [
      "curl() { command curl -sS -w '\\n' \"$@\"; }",
      provisioning.replace('127.0.0.1:8080', `127.0.0.1:${served.port}`).replace("AUTH='API_KEY:API_TOKEN'", `AUTH='${String(demo.api_key)}:${String(demo.api_token)}'`),
      // The provisioning block's destination URI is a documentation address: removed, so nothing is ever sent off this machine.
      'DEST=$(command curl -s -u "$AUTH" "$API/trunks/$TRUNK/destination-uris" | node -pe \'JSON.parse(require("fs").readFileSync(0)).response[0].data.id\')',
      'command curl -s -u "$AUTH" -X DELETE "$API/trunks/$TRUNK/destination-uris/$DEST" > /dev/null',
      'echo "TRUNK=$TRUNK"',
    ].join('\n');
    const first = await bash(`${prelude}\necho ---\n${enable}`);
    assert.equal(first.code, 0, first.stderr);
    const trunk = /TRUNK=(\S+)/.exec(first.stdout)?.[1];
    const enabled = first.stdout.split('---\n')[1].split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Answer);
    assert.equal(enabled.length, 2, first.stdout);
    for (const a of enabled) assert.equal(a.http_code, 200, JSON.stringify(a));
    assert.equal((enabled[1].response as { data: Record<string, unknown> }).data.registration_enabled, 'enabled');

    // The README's user and password, to the README's domain.
    const user = /"user_name":"([^"]+)"/.exec(enable)![1];
    const password = /"password":"([^"]+)"/.exec(enable)![1];
    pbx.onRequest = (m, reply) => {
      if (m.method === 'INVITE') reply(200, 'OK', [`Contact: ${pbx.contact}`], pcmaOffer('127.0.0.2', 40020));
      else if (m.method !== 'ACK') reply(200, 'OK');
    };
    const { final } = await new RegisterClient(pbx, user, password, 'demo.pstn.localhost').register({ contacts: [pbx.contact], expires: 600 });
    assert.equal(final.status, 200, final.raw);

    // The README's own variable lines (API, AUTH, J), the trunk of the first run, then its commands.
    const vars = provisioning.split('\n').filter((l) => /^(API|AUTH|J)=/.test(l)).join('\n')
      .replace('127.0.0.1:8080', `127.0.0.1:${served.port}`).replace("AUTH='API_KEY:API_TOKEN'", `AUTH='${String(demo.api_key)}:${String(demo.api_token)}'`);
    const second = await bash(`curl() { command curl -sS -w '\\n' "$@"; }\n${vars}\nTRUNK=${trunk}\n${use}`);
    assert.equal(second.code, 0, second.stderr);
    const [list, call] = second.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Answer);
    const items = list.response as { data: Record<string, unknown> }[];
    assert.equal(items.length, 1, JSON.stringify(list));
    assert.equal(items[0].data.source_address, `127.0.0.2:${pbx.local.port}`);
    assert.equal(call.http_code, 200, JSON.stringify(call));
    const invite = await pbx.waitRequest((m) => m.method === 'INVITE', 8000);
    assert.match(invite.start, /^INVITE sip:pbx@127\.0\.0\.2:\d+ SIP\/2\.0$/);
  } finally {
    await pbx.close();
    served.child.kill('SIGTERM');
    await stopped(served.child);
    rmSync(dir, { recursive: true, force: true });
  }
});
