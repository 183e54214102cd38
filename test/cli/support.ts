import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { withTestRtpPorts } from '../support/ports.js';

/** The compiled CLI next to this compiled test (never a hard-coded dist/). */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Served {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  /** JSON lines the server printed before `listening` (e.g. the demo account). */
  readonly events: readonly Record<string, unknown>[];
}

/** Starts `trunkline serve` on port 0 and resolves on its `listening` line (bounded wait). */
export function serve(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--http-host', '127.0.0.1', '--http-port', '0', '--sip-host', '127.0.0.1', '--sip-port', '0', '--log-level', 'warn', ...withTestRtpPorts(args)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no listening line within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening; stderr: ${stderr}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (event.event === 'listening') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, port: Number(event.http), events: [...events, event] });
      } else events.push(event);
    });
  });
}

export function stopped(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

/** Runs the CLI to completion and returns its exit code and output. */
export function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
