/**
 * bench/api: requests/s and p99 latency of the provisioning API on the real server with its
 * embedded SQLite store — GET list trunks and POST whitelisted-ip (a real write each time).
 *
 *   scripts/dev-build.sh api && node .build/api/bench/api.js [--seconds S] [--connections C]
 *
 * The server is `trunkline serve` in a child process on port 0 (the listening line gives the
 * port), so the figures include HTTP parsing, Basic auth, the rate limiter, validation, the
 * store and the envelope. There is no Exotel-compatible peer to run on this machine; the
 * `/healthz` figure (HTTP + one store round trip) is printed as the floor to compare against.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;
const args = process.argv.slice(2);
function flag(name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}
const SECONDS = flag('--seconds', 5);
const CONNECTIONS = flag('--connections', 10);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

async function startServer(dir: string) {
  const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', dir, '--http-host', '127.0.0.1', '--http-port', '0', '--sip-host', '127.0.0.1', '--sip-port', '0', '--api-rate-limit', '1000000', '--log-level', 'error'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let demo: { api_key: string; api_token: string } | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 30 s')), 30_000);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const e = JSON.parse(line) as Record<string, unknown>;
      if (e.event === 'demo_account') demo = e as unknown as typeof demo;
      if (e.event === 'listening') {
        clearTimeout(timer);
        resolve(Number(e.http));
      }
    });
  });
  if (!demo) throw new Error('no demo account printed');
  return { child, port, auth: `Basic ${Buffer.from(`${demo.api_key}:${demo.api_token}`).toString('base64')}` };
}

function report(name: string, r: AutocannonResult): void {
  const bad = r.non2xx + r.errors;
  console.log(`${name.padEnd(34)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p99 ${String(r.latency.p99).padStart(4)} ms   (${r.requests.total} requests${bad ? `, ${bad} not 2xx` : ''})`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-bench-'));
  const server = await startServer(dir);
  try {
    const base = `http://127.0.0.1:${server.port}/v2/accounts/demo`;
    const headers = { authorization: server.auth, 'content-type': 'application/json' };
    let trunkSid = '';
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${base}/trunks`, { method: 'POST', headers, body: JSON.stringify({ trunk_name: `bench_${i}`, nso_code: 'ANY-ANY', domain_name: 'demo.pstn.localhost' }) });
      trunkSid = ((await res.json()) as { response: { data: { trunk_sid: string } } }).response.data.trunk_sid;
    }
    console.log(`bench/api: trunkline serve on SQLite (WAL), ${CONNECTIONS} connections, ${SECONDS} s each, node ${process.version}`);
    report('GET /healthz (floor)', await autocannon({ url: `http://127.0.0.1:${server.port}/healthz`, connections: CONNECTIONS, duration: SECONDS }));
    report('GET /trunks (list of 20)', await autocannon({ url: `${base}/trunks`, headers, connections: CONNECTIONS, duration: SECONDS }));
    let n = 0;
    report('POST /whitelisted-ips (new row)', await autocannon({
      url: `http://127.0.0.1:${server.port}`,
      headers,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [{
        method: 'POST',
        path: `/v2/accounts/demo/trunks/${trunkSid}/whitelisted-ips`,
        // A distinct /32 per request so every request is a real insert, not a 1008.
        setupRequest: (req: Record<string, unknown>) => {
          n++;
          return { ...req, body: JSON.stringify({ ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` }) };
        },
      }],
    }));
  } finally {
    server.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
