import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peerSkip } from '../support/peers.js';
import { serve, stopped } from './support.js';

// The README's "Provisioning a trunk" block, run as written (bash + curl) against a real
// `trunkline serve`: only the port and the demo key/token of that server are put in. A README
// whose flow stops working (a field the API now requires, a renamed path) fails here.
const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

function provisioningBlock(): string {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('## Provisioning a trunk'));
  const m = /```sh\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('no sh block under "## Provisioning a trunk" in README.md');
  return m[1];
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

test("README's provisioning flow works as written against `trunkline serve`: every call answers success", { skip: peerSkip('curl') || peerSkip('bash') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-readme-'));
  const served = await serve(['--data-dir', dir]);
  try {
    const demo = served.events.find((e) => e.event === 'demo_account')!;
    const block = provisioningBlock();
    assert.match(block, /API=http:\/\/127\.0\.0\.1:8080\//, 'the block sets API as the test expects');
    assert.match(block, /AUTH='API_KEY:API_TOKEN'/);
    const script = [
      // Each curl answer on its own line, so the answers can be read one by one.
      "curl() { command curl -sS -w '\\n' \"$@\"; }",
      block.replace('127.0.0.1:8080', `127.0.0.1:${served.port}`).replace("AUTH='API_KEY:API_TOKEN'", `AUTH='${String(demo.api_key)}:${String(demo.api_token)}'`),
      'echo "TRUNK=$TRUNK"',
    ].join('\n');
    const out = await bash(script);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.split('\n').filter((l) => l.trim() !== '');
    const trunk = /^TRUNK=(trmum1[0-9a-f]{18}1a1n)$/.exec(lines.pop() ?? '');
    assert.ok(trunk, `step 1 printed a trunk_sid: ${out.stdout}`);
    const answers = lines.map((l) => JSON.parse(l) as { http_code: number; response: { status: string; data: Record<string, unknown> } | { status: string }[] });
    assert.equal(answers.length, 5, 'number, whitelist, destination, trunk-map, trunk');
    for (const a of answers) {
      const items = Array.isArray(a.response) ? a.response : [a.response];
      assert.ok(a.http_code === 200 && items.every((i) => i.status === 'success'), JSON.stringify(a));
    }
    const last = answers[4].response as { data: Record<string, unknown> };
    assert.equal(last.data.trunk_sid, trunk[1]);
    assert.equal(last.data.domain_name, 'demo.pstn.localhost');
  } finally {
    served.child.kill('SIGTERM');
    await stopped(served.child);
    rmSync(dir, { recursive: true, force: true });
  }
});
