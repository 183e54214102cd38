import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const main = new URL('../../src/cli/main.js', import.meta.url).pathname;

/** Starts serve until its "media relay up" log line; returns the lines seen by then. */
async function serveLines(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-engine-'));
  const child = spawn(process.execPath, [main, 'serve', '--data-dir', dir, '--http-host', '127.0.0.1', '--http-port', '0', '--sip-host', '127.0.0.1', '--sip-port', '0', '--rtp-ports', '45000-45099', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  child.stderr.resume();
  const lines: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no "media relay up" line in 60 s: ${lines.join('\n')}`)), 60_000);
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${lines.join('\n')}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        if (line.includes('media relay up')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

const engineOf = (lines: string[]) => (JSON.parse(lines.find((l) => l.includes('media relay up'))!) as { engine: string }).engine;

test('serve relays media with the native engine by default', async () => {
  assert.equal(engineOf(await serveLines([], {})), 'native');
});

test('--media-engine js runs the node:dgram engine', async () => {
  assert.equal(engineOf(await serveLines(['--media-engine', 'js'], {})), 'js');
});

test('when the native addon cannot load, serve falls back to the JS engine and logs why', async () => {
  const lines = await serveLines([], { TRUNKLINE_NATIVE_RELAY: 'off' });
  assert.equal(engineOf(lines), 'js');
  const warning = lines.find((l) => l.includes('MEDIA_NATIVE_UNAVAILABLE'));
  assert.ok(warning, lines.join('\n'));
  assert.match(warning, /TRUNKLINE_NATIVE_RELAY=off/);
});
