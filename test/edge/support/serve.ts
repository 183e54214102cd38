import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { withTestRtpPorts } from '../../support/ports.js';

/** `trunkline serve` in a child process on free ports (RTP on TEST_RTP_PORTS unless `extra` sets --rtp-ports), with the demo account's credentials. */
export interface Served {
  readonly http: number;
  readonly sip: number;
  /** The TLS port when serve was given --tls-port with a certificate, else null. */
  readonly tls: number | null;
  readonly account: string;
  /** The demo account's api_key and api_token (what `auth` is made of). */
  readonly key: string;
  readonly token: string;
  readonly auth: string;
  /** The server's --data-dir (store, recordings/). */
  readonly dataDir: string;
  /** The serve process (a cluster test kills one with SIGKILL). */
  readonly child: ChildProcess;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; json: { response: { data: T } & Record<string, unknown>; metadata?: Record<string, unknown> } & Record<string, unknown> }>;
  stop(): Promise<void>;
}

/**
 * `opts.dataDir`: run on this data directory and leave it in place at stop (restart tests).
 * `opts.nodeArgs`: flags for node itself (bench/edge-cps's --cpu-prof, which NODE_OPTIONS refuses).
 * `opts.stdoutFile`: also write serve's stdout there (bench/edge-cps --serve-stdout: node's own
 * --trace-gc lines and the log, which a run otherwise reads only for its listening line).
 */
export async function serve(extra: readonly string[] = [], opts: { dataDir?: string; nodeArgs?: readonly string[]; stdoutFile?: string } = {}): Promise<Served> {
  const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'trunkline-edge-'));
  const main = new URL('../../../src/cli/main.js', import.meta.url).pathname;
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), main, 'serve', '--data-dir', dir, '--http-host', '127.0.0.1', '--http-port', '0', '--sip-host', '127.0.0.1', '--sip-port', '0', ...withTestRtpPorts(extra)], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (opts.stdoutFile) {
    const copy = createWriteStream(opts.stdoutFile);
    child.stdout!.on('data', (chunk: Buffer) => copy.write(chunk));
    child.once('exit', () => copy.end());
  }
  const lines = createInterface({ input: child.stdout! });
  // The end of stderr, for the error when serve exits before listening.
  const stderrTail: string[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    stderrTail.push(d.toString());
    if (stderrTail.length > 20) stderrTail.shift();
  });
  let account = '';
  let auth = '';
  let key = '';
  let token = '';
  // A loaded machine (CI, suites side by side) can take a while to start a serve: 60 s before giving up.
  const ports = await new Promise<{ http: number; sip: number; tls: number | null }>((resolve, reject) => {
    // A loaded machine (several test files at once) can take a while to start a serve; one that never does is killed.
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('serve did not print its listening line in 60 s'));
    }, 60_000);
    child.once('exit', (code) => {
      // The startup timer too: left running it would hold the test process for the rest of the 60 s.
      clearTimeout(t);
      reject(new Error(`serve exited with ${code}: ${stderrTail.join('').slice(-800)}`));
    });
    lines.on('line', (line) => {
      if (!line.startsWith('{"event"')) return;
      const ev = JSON.parse(line) as { event: string; account_sid?: string; api_key?: string; api_token?: string; http?: number; sip?: number; tls?: number | null };
      if (ev.event === 'demo_account') {
        account = ev.account_sid!;
        key = ev.api_key!;
        token = ev.api_token!;
        auth = `Basic ${Buffer.from(`${ev.api_key}:${ev.api_token}`).toString('base64')}`;
      }
      if (ev.event === 'listening') {
        clearTimeout(t);
        resolve({ http: ev.http!, sip: ev.sip!, tls: ev.tls ?? null });
      }
    });
  }).catch((err: unknown) => {
    // A serve that did not come up must not outlive the test: its open stdout pipe would keep the test process alive forever.
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...ports, account, auth, key, token, dataDir: dir, child,
    api: apiClient(ports.http, auth),
    async stop() {
      // A child killed by a signal (a cluster test's SIGKILL) has signalCode set and exitCode null.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      if (!opts.dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The HTTP API of a served node with one account's credentials (another node of a cluster reuses the first's). */
export function apiClient(http: number, auth: string): Served['api'] {
  return async (method, path, body) => {
    const res = await fetch(`http://127.0.0.1:${http}${path}`, {
      method, headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: (text.startsWith('{') ? JSON.parse(text) : { text }) as never };
  };
}
