/**
 * SIPp as a call generator for the cps benches (bench/edge-cps, bench/cluster-cps): INVITE →
 * 200 → ACK → BYE calls from one SIPp process at a fixed rate, read back from SIPp's own
 * statistics (-trace_stat) and round-trip times (-trace_rtt).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';

export const CALLER = '+919876541111';

export const scenario = (ruri: string) => `<?xml version="1.0" encoding="ISO-8859-1" ?>
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

export async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const p = s.address().port;
  s.close();
  return p;
}

export interface StepResult {
  readonly rate: number;
  readonly created: number;
  readonly ok: number;
  readonly failed: number;
  readonly achievedCps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpu: number;
  /** CPU milliseconds per call placed: what a call costs, less bent by a busy machine than the rate held. */
  readonly cpuMsPerCall: number;
  /** Share of one core the load generator itself used (SIPp's background process): a peer near 100 % bounds the step, not the target. */
  readonly sippCpu: number;
  /** Share of one core this bench process used over the step (edge-cps runs the PSTN simulator in it). */
  readonly benchCpu: number;
}

/** SIPp runs in the background (-bg) under their own pid: the ones still running, for a bench's cleanup. */
const running = new Set<number>();

/** Stops every SIPp run this process started that is still going (a bench ending early, Ctrl-C). */
export function stopSipps(): void {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running.clear();
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** SIPp's statistics of one run, or undefined when it placed no call at all (it did not start). */
interface SippRun {
  readonly stat: string[] | undefined;
  readonly out: string;
  readonly wall: number;
  readonly usedCpu: number;
  readonly sippCpu: number;
}

/** One SIPp process in the background (-bg) until it ends or passes its deadline. */
async function runSipp(dir: string, args: readonly string[], seconds: number, cpu: () => number): Promise<SippRun> {
  // What a run before this one (one that did not start) left is not this run's.
  for (const f of readdirSync(dir)) if (f === 'stat.csv' || f.endsWith('_rtt.csv')) rmSync(join(dir, f), { force: true });
  const cpu0 = cpu();
  const t0 = performance.now();
  let sippCpu = 0;
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  await once(child, 'exit');
  // -bg forks the run into the background and prints its pid; wait for that pid to end.
  const bgPid = Number(/PID=\[(\d+)\]/.exec(out)?.[1] ?? 0);
  if (bgPid) running.add(bgPid);
  const deadline = Date.now() + (seconds + 40) * 1000;
  while (bgPid && Date.now() < deadline) {
    try {
      process.kill(bgPid, 0);
    } catch {
      break;
    }
    // Read while it runs: an ended process's /proc entry is gone with its counters.
    sippCpu = procCpuSeconds([bgPid]) || sippCpu;
    await new Promise((r) => setTimeout(r, 200));
  }
  // A run past its deadline is stopped, not left behind.
  if (running.delete(bgPid)) {
    try {
      process.kill(bgPid, 'SIGKILL');
    } catch {
      // Ended on its own.
    }
  }
  const wall = (performance.now() - t0) / 1000;
  const usedCpu = cpu() - cpu0;
  let stat: string[] | undefined;
  try {
    stat = readFileSync(join(dir, 'stat.csv'), 'utf8').trim().split('\n');
  } catch {
    stat = undefined;
  }
  // In -bg mode a SIPp that cannot bind its ports still writes statistics, with no call created.
  const created = stat && stat.length > 1 ? Number(stat[stat.length - 1].split(';')[stat[0].split(';').indexOf('TotalCallCreated')]) : 0;
  return { stat: created > 0 ? stat : undefined, out, wall, usedCpu, sippCpu: sippCpu / wall };
}

/** One SIPp run at `rate` calls/s for `seconds`; `cpu()` gives the target's CPU seconds so far. */
/**
 * `rate` calls/s; `periodMs` > 1000 spreads `rate` calls over that period instead (SIPp -rp), for
 * a share of a total rate that is not a whole number per second (80 calls/s over 3 nodes).
 * `rttTo`: a file the step's per-call setup times are copied to (SIPp's -trace_rtt CSV: a time on
 * SIPp's clock in seconds; the setup in ms), to see when in the step its slow calls fall.
 */
export async function step(target: string, ruri: string, rate: number, seconds: number, cpu: () => number, periodMs = 1000, rttTo?: string): Promise<StepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-cps-'));
  writeFileSync(join(dir, 'uac.xml'), scenario(ruri));
  const perSecond = (rate * 1000) / periodMs;
  const total = Math.round(perSecond * seconds);
  let run: SippRun | undefined;
  const bench0 = process.cpuUsage();
  const benchT0 = performance.now();
  // SIPp binds the ports it is given itself: found free here, one can be taken before SIPp binds it
  // (another SIPp, a relay's range, rtpengine's). Such a run places no call at all; it is run again
  // on other ports rather than reported as a rate the target did not hold.
  for (let attempt = 1; attempt <= 3 && !run?.stat; attempt++) {
    const port = await freePort();
    // SIPp's media port asked for on its own: port + 2 may be another SIPp's signalling port when several run at once.
    const mediaPort = await freePort();
    run = await runSipp(dir, [target, '-sf', join(dir, 'uac.xml'), '-i', '127.0.0.1', '-p', String(port), '-mp', String(mediaPort), '-r', String(rate), '-rp', String(periodMs), '-m', String(total),
      '-l', String(Math.max(100, Math.ceil(perSecond * 4))), '-bg', '-trace_stat', '-stf', join(dir, 'stat.csv'), '-trace_rtt', '-rtt_freq', '1', '-nostdin', '-timeout', `${seconds + 30}s`,
      '-recv_timeout', '5000', '-max_socket', '5000'], seconds, cpu);
    if (!run.stat) console.log(`sipp placed no call for ${target} at ${rate} calls/s (ports ${port}/${mediaPort}, attempt ${attempt} of 3): ${run.out.trim().split('\n').slice(-2).join(' | ')}`);
  }
  const { stat, wall, usedCpu, sippCpu } = run!;
  const benchUsage = process.cpuUsage(bench0);
  const benchCpu = (benchUsage.user + benchUsage.system) / 1000 / (performance.now() - benchT0);
  if (!stat) {
    // SIPp did not run three times over: a step that placed nothing, not held.
    rmSync(dir, { recursive: true, force: true });
    return { rate: perSecond, created: 0, ok: 0, failed: 0, achievedCps: 0, p50: NaN, p99: NaN, cpu: usedCpu / wall, cpuMsPerCall: NaN, sippCpu, benchCpu };
  }
  const head = stat[0].split(';');
  const last = stat[stat.length - 1].split(';');
  const col = (name: string) => Number(last[head.indexOf(name)]);
  const rttFile = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
  const rtts = rttFile ? readFileSync(join(dir, rttFile), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(';')[1])).filter((n) => Number.isFinite(n)).sort((a, b) => a - b) : [];
  if (rttTo !== undefined && rttFile) copyFileSync(join(dir, rttFile), rttTo);
  rmSync(dir, { recursive: true, force: true });
  const created = col('TotalCallCreated');
  const ok = col('SuccessfulCall(C)');
  const failed = col('FailedCall(C)');
  const callWall = Math.max(wall - 1, seconds);
  return { rate: perSecond, created, ok, failed, achievedCps: ok / callWall, p50: percentile(rtts, 50), p99: percentile(rtts, 99), cpu: usedCpu / wall, cpuMsPerCall: (usedCpu * 1000) / Math.max(1, created), sippCpu, benchCpu };
}

export function held(r: StepResult, seconds: number): boolean {
  return r.created >= r.rate * seconds * 0.99 && r.failed / Math.max(1, r.created) < 0.001 && r.ok >= r.created * 0.999;
}

/** CPU seconds (user + system) the processes `pids` have used so far, from /proc. */
export function procCpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + statCpuSeconds(`/proc/${pid}/stat`), 0);
}

/** User + system CPU seconds of a /proc stat file: a process's, or one thread's (/proc/PID/task/TID/stat); 0 once it is gone. */
export function statCpuSeconds(path: string): number {
  const tick = 100;
  try {
    const f = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / tick;
  } catch {
    return 0;
  }
}
