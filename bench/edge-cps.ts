/**
 * bench/edge-cps (issue 5 item 9): how many short calls per second the edge carries.
 *
 * SIPp, in its own process, places INVITE → 200 → ACK → BYE calls through the edge (B2BUA +
 * media relay + call records) to the PSTN simulator's `…0000` number; the rate steps up until
 * a step fails (≥ 0.1 % failed calls, or SIPp cannot keep the rate). For the highest step held
 * it prints the rate, p50/p99 setup time (INVITE → 200 as SIPp measured it) and the edge's CPU.
 * In the same run Kamailio as a stateful proxy (record_route + t_relay) stands between the same
 * generator and simulator, and the ratio edge/Kamailio is printed.
 *
 *   node .build/<you>/bench/edge-cps.js [--seconds 30] [--rates 50,100,200,300,400,600]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { systemClock, silentLogger } from '../src/core/index.js';
import { startSipServer } from '../src/app/sip-server.js';
import { startEdge } from '../src/app/edge.js';
import { relayMedia, type EdgeDirectory, type NumberView, type TrunkView } from '../src/edge/index.js';
import { MediaRelay } from '../src/media/index.js';
import { startPstnSim } from '../src/pstn-sim/index.js';
import type { CallRecord, CallRecordStore } from '../src/store/index.js';
import { hasKamailio, startKamailio } from '../test/edge/support/kamailio.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const SECONDS = Number(arg('seconds', '30'));
const RATES = arg('rates', '50,100,200,300,400,600').split(',').map(Number);
const ACCOUNT = 'bench';
const CALLER = '+919876541111';

if (spawnSync('sh', ['-c', 'command -v sipp'], { stdio: 'ignore' }).status !== 0) {
  console.log('edge-cps: sipp is not installed; nothing to measure');
  process.exit(0);
}

const trunk: TrunkView = {
  trunkSid: 'trmum1000000000000000001a1n', accountSid: ACCOUNT, name: 'bench', domainName: `${ACCOUNT}.pstn.localhost`, status: 'active',
  secureTrunking: false, callsPerMinute: 1e9, failoverCodes: [408, 500, 502, 503, 504], whitelist: ['127.0.0.1/32'], credentials: [],
  destinations: [], numbers: [CALLER],
};
const directory: EdgeDirectory = {
  accountByDomain: async (host) => (host === trunk.domainName ? ACCOUNT : undefined),
  trunksOfAccount: async () => [trunk],
  trunk: async () => trunk,
  numberByE164: async (n): Promise<NumberView | undefined> => (n === CALLER ? { e164: n, trunkSid: trunk.trunkSid, accountSid: ACCOUNT, status: 'active', removed: false, mode: 'pstn' } : undefined),
};
/** Records are kept as serve keeps them (serialised), counted, then dropped to hold memory flat. */
let saved = 0;
const calls: CallRecordStore = {
  save: async (r: CallRecord) => {
    JSON.stringify(r);
    saved++;
  },
  get: async () => undefined,
  list: async () => ({ items: [], total: 0 }),
};

const scenario = (ruri: string) => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="edge-cps">
  <send retrans="500" start_rtd="setup">
    <![CDATA[
INVITE ${ruri} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:${CALLER}@[local_ip]>;tag=[pid]SIPpTag[call_number]
To: <${ruri}>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:pbx@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=pbx 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true" rtd="setup"/>
  <send>
    <![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
[routes]
From: <sip:${CALLER}@[local_ip]>;tag=[pid]SIPpTag[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]>
  </send>
  <send retrans="500">
    <![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
[routes]
From: <sip:${CALLER}@[local_ip]>;tag=[pid]SIPpTag[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]>
  </send>
  <recv response="200" crlf="true"/>
  <ResponseTimeRepartition value="10, 20, 50, 100, 200, 500, 1000"/>
</scenario>
`;

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const p = s.address().port;
  s.close();
  return p;
}

interface StepResult {
  readonly rate: number;
  readonly created: number;
  readonly ok: number;
  readonly failed: number;
  readonly achievedCps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpu: number;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One SIPp run at `rate` calls/s for SECONDS; `cpu()` gives the target's CPU seconds so far. */
async function step(target: string, ruri: string, rate: number, cpu: () => number): Promise<StepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-cps-'));
  writeFileSync(join(dir, 'uac.xml'), scenario(ruri));
  const total = Math.round(rate * SECONDS);
  const port = await freePort();
  const cpu0 = cpu();
  const t0 = performance.now();
  const child = spawn('sipp', [target, '-sf', join(dir, 'uac.xml'), '-i', '127.0.0.1', '-p', String(port), '-mp', String(port + 2), '-r', String(rate), '-m', String(total),
    '-l', String(Math.max(100, rate * 4)), '-bg', '-trace_stat', '-stf', join(dir, 'stat.csv'), '-trace_rtt', '-rtt_freq', '1', '-nostdin', '-timeout', `${SECONDS + 30}s`,
    '-recv_timeout', '5000', '-max_socket', '5000'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  await once(child, 'exit');
  // -bg forks the run into the background and prints its pid; wait for that pid to end.
  const bgPid = Number(/PID=\[(\d+)\]/.exec(out)?.[1] ?? 0);
  const deadline = Date.now() + (SECONDS + 40) * 1000;
  while (bgPid && Date.now() < deadline) {
    try {
      process.kill(bgPid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const wall = (performance.now() - t0) / 1000;
  const usedCpu = cpu() - cpu0;
  const stat = readFileSync(join(dir, 'stat.csv'), 'utf8').trim().split('\n');
  const head = stat[0].split(';');
  const last = stat[stat.length - 1].split(';');
  const col = (name: string) => Number(last[head.indexOf(name)]);
  const rttFile = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
  const rtts = rttFile ? readFileSync(join(dir, rttFile), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(';')[1])).filter((n) => Number.isFinite(n)).sort((a, b) => a - b) : [];
  rmSync(dir, { recursive: true, force: true });
  const created = col('TotalCallCreated');
  const ok = col('SuccessfulCall(C)');
  const failed = col('FailedCall(C)');
  const callWall = Math.max(wall - 1, SECONDS);
  return { rate, created, ok, failed, achievedCps: ok / callWall, p50: percentile(rtts, 50), p99: percentile(rtts, 99), cpu: usedCpu / wall };
}

function held(r: StepResult): boolean {
  return r.created >= r.rate * SECONDS * 0.99 && r.failed / Math.max(1, r.created) < 0.001 && r.ok >= r.created * 0.999;
}

async function ladder(name: string, target: string, ruri: string, cpu: () => number): Promise<StepResult | undefined> {
  let best: StepResult | undefined;
  for (const rate of RATES) {
    const r = await step(target, ruri, rate, cpu);
    console.log(`${name.padEnd(9)} ${String(rate).padStart(5)} cps × ${SECONDS}s: ${r.ok}/${r.created} ok, ${r.failed} failed, setup p50 ${r.p50} ms p99 ${r.p99} ms, CPU ${(r.cpu * 100).toFixed(0)}% ${held(r) ? 'held' : 'NOT held'}`);
    if (!held(r)) break;
    best = r;
  }
  return best;
}

function procCpuSeconds(pids: number[]): number {
  const tick = 100;
  let sum = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      sum += (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // Gone.
    }
  }
  return sum;
}

function groupPids(pgid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' }).stdout;
  return out.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

async function main(): Promise<void> {
  console.log(`edge-cps: steps ${RATES.join(', ')} calls/s, ${SECONDS} s each; held = < 0.1 % failed and the full count placed`);
  // 1) trunkline edge (B2BUA + relay + records) with the simulator, all in this process.
  const relay = new MediaRelay({ host: '127.0.0.1', portRange: '20000-29999', rtpTimeoutMs: 0 });
  const sip = await startSipServer({ host: '127.0.0.1', port: 0, tls: null, clock: systemClock, logger: silentLogger });
  const edge = await startEdge({ sipServer: sip, sipHost: '127.0.0.1', sipDomain: 'pstn.localhost', carriers: [], pstnSim: true, directory, calls, clock: systemClock, logger: silentLogger, media: relayMedia(relay) });
  const selfCpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const ruri = `sip:+919876540000@${trunk.domainName}`;
  const edgeBest = await ladder('trunkline', `127.0.0.1:${sip.ports.sip}`, ruri, selfCpu);
  await edge.stop();
  await sip.stop();
  await relay.close();

  // 2) Kamailio, stateful proxy (record_route + t_relay) in front of the same simulator.
  let kamBest: StepResult | undefined;
  if (hasKamailio) {
    const sim = await startPstnSim({ host: '127.0.0.1', clock: systemClock, log: silentLogger });
    // The same stateful proxy (record_route + t_relay) the interop tests run, here in front of the simulator.
    const simUri = `sip:127.0.0.1:${sim.port}`;
    const kam = await startKamailio({ host: '127.0.0.1', port: await freePort(), fromHost: '127.0.0.1', fromPort: 0, toWhenFrom: simUri, toOtherwise: simUri });
    kamBest = await ladder('kamailio', `127.0.0.1:${kam.port}`, ruri, () => procCpuSeconds(groupPids(kam.pid)));
    await kam.stop();
    await sim.stop();
  } else console.log('kamailio not installed: no ratio');

  const fmt = (r: StepResult | undefined) => (r ? `${r.rate} calls/s (p50 ${r.p50} ms, p99 ${r.p99} ms setup, CPU ${(r.cpu * 100).toFixed(0)}% of one core)` : 'no step held');
  console.log(`\ntrunkline edge: highest rate held ${fmt(edgeBest)}; ${saved} call records written`);
  console.log(`kamailio proxy: highest rate held ${fmt(kamBest)}`);
  if (edgeBest && kamBest) console.log(`ratio trunkline/kamailio: ${(edgeBest.rate / kamBest.rate).toFixed(2)}`);
  else if (kamBest) console.log(`ratio trunkline/kamailio: < ${(RATES[0] / kamBest.rate).toFixed(2)}`);
}

await main();
