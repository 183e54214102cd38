import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_RTP_PORTS } from '../../support/ports.js';

/** SIGTERM a child this test started, SIGKILL after 5 s; resolves once it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 5000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
}

export interface RunningServe {
  readonly child: ChildProcess;
  readonly ports: { http: number; sip: number; tls: number | null };
  stderr(): string;
  stop(): Promise<void>;
}

/** `trunkline serve` as a child process, on free ports, with a throw-away data dir. */
export async function startServe(extra: string[] = []): Promise<RunningServe> {
  const main = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
  const dataDir = mkdtempSync(join(tmpdir(), 'siptx-serve-'));
  const child = spawn(process.execPath, [main, 'serve', '--data-dir', dataDir, '--http-host', '127.0.0.1', '--http-port', '0', '--sip-port', '0', '--rtp-ports', TEST_RTP_PORTS, '--log-level', 'warn', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const stop = async () => {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const ports = await new Promise<RunningServe['ports']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its listening line in 60 s; stderr: ${err.slice(-2000)}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('"listening"')) continue;
        clearTimeout(timer);
        const j = JSON.parse(line) as { http: number; sip: number; tls: number | null };
        resolve({ http: j.http, sip: j.sip, tls: j.tls });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited with ${code}; stderr: ${err.slice(-2000)}`)); });
  }).catch(async (e: unknown) => { await stop(); throw e; });
  return { child, ports, stderr: () => err, stop };
}
