/**
 * bench/sip-options: OPTIONS transactions/s over UDP against the running server.
 *
 *   scripts/dev-build.sh siptx && node .build/siptx/bench/sip-options.js [--calls N] [--rate R] [--window W]
 *
 * `trunkline serve` runs as a child process (UDP on 127.0.0.1, free port); the load comes from a
 * second process — SIPp with a custom OPTIONS UAC scenario (each call = one OPTIONS transaction,
 * success = 200), or, where SIPp is missing, a Node child with the same window of outstanding
 * transactions. The figure is completed transactions / wall time of the load process. Where
 * Kamailio is installed, the same load runs against Kamailio answering OPTIONS statelessly
 * (sl_send_reply, 2 UDP workers) in the same run, and the ratio is printed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
function flag(name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}
const CALLS = flag('--calls', 20_000);
const RATE = flag('--rate', 20_000);
const WINDOW = flag('--window', 200);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const KAMAILIO = '/usr/sbin/kamailio';
const hasSipp = (() => { try { execFileSync('sipp', ['-v'], { stdio: 'ignore' }); return true; } catch (err) { return (err as { status?: number }).status !== undefined; } })();

const SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="OPTIONS keep-alive">
  <send retrans="500">
    <![CDATA[

      OPTIONS sip:ping@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:ping@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
`;

/** The Node load generator used without SIPp: a window of outstanding OPTIONS, one socket. */
const NODE_LOAD = `
const dgram = require('node:dgram');
const [port, total, windowSize] = process.argv.slice(1).map(Number);
const s = dgram.createSocket('udp4');
let sent = 0, done = 0;
const t0 = process.hrtime.bigint();
function send() {
  const n = sent++;
  const m = 'OPTIONS sip:ping@127.0.0.1:' + port + ' SIP/2.0\\r\\nVia: SIP/2.0/UDP 127.0.0.1:' + s.address().port + ';branch=z9hG4bKb' + n + ';rport\\r\\nFrom: <sip:load@127.0.0.1>;tag=l' + n + '\\r\\nTo: <sip:ping@127.0.0.1>\\r\\nCall-ID: load-' + n + '\\r\\nCSeq: 1 OPTIONS\\r\\nMax-Forwards: 70\\r\\nContent-Length: 0\\r\\n\\r\\n';
  s.send(m, port, '127.0.0.1');
}
s.on('message', (b) => {
  if (b.toString('latin1', 0, 12) !== 'SIP/2.0 200 ') return;
  if (++done === total) { console.log(JSON.stringify({ done, seconds: Number(process.hrtime.bigint() - t0) / 1e9 })); process.exit(0); }
  if (sent < total) send();
});
s.bind(0, '127.0.0.1', () => { for (let i = 0; i < windowSize && sent < total; i++) send(); });
setTimeout(() => { console.log(JSON.stringify({ done, seconds: Number(process.hrtime.bigint() - t0) / 1e9 })); process.exit(1); }, 120000).unref();
`;

interface LoadResult {
  readonly done: number;
  readonly failed: number;
  readonly seconds: number;
}

function runLoad(port: number, dir: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = hasSipp
      ? spawn('sipp', [`127.0.0.1:${port}`, '-sf', join(dir, 'options.xml'), '-m', String(CALLS), '-r', String(RATE), '-l', String(WINDOW), '-i', '127.0.0.1', '-nostdin', '-timeout', '120'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, ['-e', NODE_LOAD, String(port), String(CALLS), String(WINDOW)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', () => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (hasSipp) {
        const ok = /Successful call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(out);
        const bad = /Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(out);
        if (!ok) return reject(new Error(`could not read SIPp's result:\n${out.slice(-1500)}`));
        resolve({ done: Number(ok[1]), failed: Number(bad?.[1] ?? 0), seconds });
      } else {
        const j = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { done?: number; seconds?: number };
        resolve({ done: j.done ?? 0, failed: CALLS - (j.done ?? 0), seconds: j.seconds ?? seconds });
      }
    });
  });
}

async function startServe(dir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', join(dir, 'data'), '--http-host', '127.0.0.1', '--http-port', '0', '--sip-host', '127.0.0.1', '--sip-port', '0', '--rtp-ports', '30000-30100', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.includes('"listening"')) resolve((JSON.parse(line) as { sip: number }).sip);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return { port, stop: () => stopChild(child) };
}

function stopChild(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function startKamailio(dir: string): Promise<{ port: number; stop: () => Promise<void> } | undefined> {
  if (!existsSync(KAMAILIO)) return undefined;
  const port = await freePort();
  const modules = ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules'].find((d) => existsSync(d));
  writeFileSync(join(dir, 'kamailio.cfg'), `#!KAMAILIO
debug=1
log_stderror=yes
children=2
disable_tcp=yes
auto_aliases=no
listen=udp:127.0.0.1:${port}
${modules ? `mpath="${modules}/"` : ''}
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
request_route {
  if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }
  sl_send_reply("405", "Method Not Allowed");
  exit;
}
`);
  const child = spawn(KAMAILIO, ['-f', join(dir, 'kamailio.cfg'), '-DD', '-E', '-m', '64', '-M', '8', '-Y', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 5000);
    child.stderr!.on('data', (d: Buffer) => { log += d.toString(); if (/Listening on|processes \(at least\)/.test(log)) { clearTimeout(t); resolve(); } });
  });
  await new Promise((r) => setTimeout(r, 300));
  return { port, stop: () => stopChild(child) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sip-options-'));
  writeFileSync(join(dir, 'options.xml'), SCENARIO);
  const load = hasSipp ? `SIPp -r ${RATE} -l ${WINDOW}` : `a Node child, window ${WINDOW}`;
  try {
    const serve = await startServe(dir);
    let ours: LoadResult;
    try {
      ours = await runLoad(serve.port, dir);
    } finally {
      await serve.stop();
    }
    const ourRate = ours.done / ours.seconds;
    console.log(`sip-options: trunkline serve answered ${ours.done}/${CALLS} OPTIONS over UDP in ${ours.seconds.toFixed(2)} s = ${Math.round(ourRate)} transactions/s (${ours.failed} failed; load: ${load})`);
    const kam = await startKamailio(dir);
    if (!kam) {
      console.log('sip-options: kamailio not installed; no peer figure');
      return;
    }
    let peer: LoadResult;
    try {
      peer = await runLoad(kam.port, dir);
    } finally {
      await kam.stop();
    }
    const peerRate = peer.done / peer.seconds;
    console.log(`sip-options: kamailio 5.6 (sl_send_reply, 2 UDP workers) answered ${peer.done}/${CALLS} in ${peer.seconds.toFixed(2)} s = ${Math.round(peerRate)} transactions/s (${peer.failed} failed)`);
    console.log(`sip-options: ratio trunkline/kamailio = ${(ourRate / peerRate).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
