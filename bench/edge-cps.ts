/**
 * bench/edge-cps (issue 5 item 9, issue 13 "then speed"): how many short calls per second
 * `trunkline serve` carries, and the ratio to Kamailio + rtpengine in the same run.
 *
 *   node dist/bench/edge-cps.js [--seconds 20] [--rates 100,200,400,600,800,1000,1250,1500,2000,3000]
 *                               [--only trunkline|kamailio] [--cpu-prof <dir>] [--serve-arg <flag>]… [--node-arg <flag>]…
 *                               [--serve-stdout <file>] [--rtt-dir <dir>] [--gc-at <s>[,<s>…]]
 *
 *   --seconds    length of each rate step (default 20)
 *   --rates      the steps, calls/s; the ladder stops at the first step not held
 *   --only       run one side (profiling); no ratio is printed then
 *   --warmup     seconds of 100 calls/s before the first counted step, per side (default 10; 0: none)
 *   --cpu-prof   run serve under `node --cpu-prof`, the .cpuprofile written to <dir> when it stops
 *   --serve-arg  one more flag for serve (repeatable, e.g. --serve-arg --log-level=warn)
 *   --node-arg   one more flag for serve's node (repeatable, e.g. --node-arg --trace-gc-nvp)
 *   --rtt-dir    keep each counted step's per-call setup times (SIPp -trace_rtt) as <dir>/<side>-<rate>.csv:
 *                where in a step its slow calls fall (beside --serve-stdout's GC log, the tail's cause)
 *   --serve-stdout  copy serve's stdout (its log, and what --trace-gc* prints) to <file>; with --node-arg --trace-gc-nvp
 *                   each step's serve line adds its scavenges and the bytes they promoted per call
 *   --gc-at      a full GC in serve at these seconds after it started (bench/force-gc.ts): what a mark-compact
 *                changes, beside the GC log's promoted bytes before and after it
 *
 * SIPp, in its own process, places INVITE (PCMA SDP, E.164 numbers) → 200 → ACK → BYE calls; the
 * rate steps up until a step fails (≥ 0.1 % failed calls, or SIPp cannot keep the rate). For the
 * highest step held it prints the rate, p50/p99 setup time (INVITE → 200 as SIPp measured it)
 * and the CPU of the system under test. Both sides send to the same PSTN simulator (its `…0000`
 * number answers at once), run in this process:
 *
 * - trunkline: `node dist/src/cli/main.js serve` on a fresh SQLite --data-dir, the simulator as its
 *   --carrier; a trunk, its whitelisted 127.0.0.1 and the caller's number made through the API,
 *   so each call passes the ACL, the number lookup, the media relay and writes a call record.
 * - kamailio: Kamailio with the dialog module and rtpengine offer/answer (rtpengine-daemon in
 *   userspace, --table=-1), record_route + t_relay: the usual B2BUA-like open-source setup.
 *
 * Every process it starts (serve, rtpengine, Kamailio, SIPp) is stopped on exit, on failure and on
 * Ctrl-C. The machine's load (`uptime`) is printed with each side's figure: on a shared box read
 * the same-run ratio, not the absolute rate.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, silentLogger } from '../src/core/index.js';
import { startPstnSim } from '../src/pstn-sim/index.js';
import { serve } from '../test/edge/support/serve.js';
import { pbxTrunk } from '../test/edge/support/cluster.js';
import { hasKamailio, startKamailio } from '../test/edge/support/kamailio.js';
import { findPeer } from '../test/support/peers.js';
import { freePort, held, procCpuSeconds, statCpuSeconds, step, stopSipps, type StepResult } from './sipp-calls.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: node dist/bench/edge-cps.js [--seconds 20] [--rates 100,200,…] [--only trunkline|kamailio] [--warmup 10] [--cpu-prof <dir>] [--serve-arg <flag>]… [--node-arg <flag>]… [--serve-stdout <file>] [--rtt-dir <dir>] [--gc-at <s>[,<s>…]]');
  process.exit(0);
}
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const SECONDS = Number(arg('seconds', '20'));
const RATES = arg('rates', '100,200,400,600,800,1000,1250,1500,2000,3000').split(',').map(Number);
const ONLY = arg('only', '');
const CPU_PROF = arg('cpu-prof', '');
const SERVE_STDOUT = arg('serve-stdout', '');
const RTT_DIR = arg('rtt-dir', '');
const GC_AT = arg('gc-at', '');
const WARMUP = Number(arg('warmup', '10'));
const SERVE_ARGS = args.flatMap((a, i) => (a === '--serve-arg' && args[i + 1] ? [args[i + 1]] : []));
// Flags for serve's node (e.g. --max-semi-space-size=64): NODE_OPTIONS would change this bench's own process (the simulator) too.
const NODE_ARGS = args.flatMap((a, i) => (a === '--node-arg' && args[i + 1] ? [args[i + 1]] : []));
const RTPENGINE = findPeer('rtpengine');

if (spawnSync('sh', ['-c', 'command -v sipp'], { stdio: 'ignore' }).status !== 0) {
  console.log('edge-cps: sipp is not installed; nothing to measure');
  process.exit(0);
}

/** What to stop, newest first, whatever way the bench ends. */
const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    stopSipps();
    for (const stop of cleanups.splice(0).reverse()) await stop().catch((err: unknown) => console.error(`edge-cps: cleanup: ${String(err)}`));
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    console.error(`edge-cps: ${sig}, stopping what it started`);
    void cleanup().finally(() => process.exit(130));
  });
}

const load = () => `load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;

const edgeSteps: StepResult[] = [];
const kamSteps: StepResult[] = [];

/** What the system under test says of itself over one step (serve's /metrics), printed under the step's line. */
interface StepProbe {
  before(): Promise<void>;
  after(): Promise<string>;
}

/** Sides whose ladder ended at a step SIPp never ran (the rate): their highest step held is a lower bound. */
const unmeasured = new Map<string, number>();

async function ladder(name: string, target: string, ruri: string, cpu: () => number, steps: StepResult[], probe?: StepProbe): Promise<StepResult | undefined> {
  let best: StepResult | undefined;
  if (WARMUP > 0) {
    // V8 optimises serve's hot paths only after many calls: the first thousands run interpreted
    // at 2–3× the CPU per call (measured: 11 ms/call at 20 calls/s cold vs ~2.3 warm). A step
    // that is not counted makes the first counted step measure the edge, not the JIT's warm-up.
    const w = await step(target, ruri, 100, WARMUP, cpu);
    console.log(`${name.padEnd(9)} warm-up 100 cps × ${WARMUP}s (not counted): ${w.ok}/${w.created} ok, ${w.cpuMsPerCall.toFixed(2)} ms/call`);
  }
  if (RTT_DIR) mkdirSync(RTT_DIR, { recursive: true });
  for (const rate of RATES) {
    await probe?.before();
    // Only counted steps keep their per-call times, not the warm-up.
    const rttTo = RTT_DIR ? join(resolve(RTT_DIR), `${name}-${rate}.csv`) : undefined;
    let r = await step(target, ruri, rate, SECONDS, cpu, 1000, rttTo);
    if (r.created === 0) {
      // SIPp did not start at all (three tries, each printing nothing): seen once right after the
      // step before it, on a busy box. After a pause, once more; a step SIPp never ran says nothing
      // of the target, so it ends the ladder as not measured rather than as a rate not held.
      await new Promise((done) => setTimeout(done, 5000));
      r = await step(target, ruri, rate, SECONDS, cpu, 1000, rttTo);
      if (r.created === 0) {
        console.log(`${name.padEnd(9)} ${String(rate).padStart(5)} cps: not measured (SIPp did not start); the ladder ends here, its ceiling is at least the last step held`);
        unmeasured.set(name, rate);
        break;
      }
    }
    steps.push(r);
    console.log(`${name.padEnd(9)} ${String(rate).padStart(5)} cps × ${SECONDS}s: ${r.ok}/${r.created} ok, ${r.failed} failed, setup p50 ${r.p50} ms p99 ${r.p99} ms, CPU ${(r.cpu * 100).toFixed(0)}% (${r.cpuMsPerCall.toFixed(2)} ms/call) ${held(r, SECONDS) ? 'held' : 'NOT held'} (${load()}; SIPp ${(r.sippCpu * 100).toFixed(0)}%, simulator ${(r.benchCpu * 100).toFixed(0)}%)`);
    if (probe) console.log(`${''.padEnd(9)}       ${await probe.after()}`);
    if (!held(r, SECONDS)) break;
    best = r;
  }
  return best;
}

function groupPids(pgid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' }).stdout;
  return out.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

/** rtpengine in the foreground, userspace forwarding only (no kernel module: --table=-1). */
async function startRtpengine(bin: string): Promise<{ ng: number; pid: number; stop(): Promise<void> }> {
  const ng = await freePort();
  const child: ChildProcess = spawn(bin, ['--config-file=none', '--foreground', '--log-stderr', '--log-level=4', '--table=-1', '--interface=127.0.0.1', `--listen-ng=127.0.0.1:${ng}`,
    // Ports off Linux's ephemeral range (32768-60999): SIPp's signalling port comes from it, and
    // rtpengine taking that port for a call's media (both bind with SO_REUSEADDR) took every later
    // response away from SIPp — Kamailio's step then failed from that call on (seen: 1 166 of 3 000
    // calls, then none). Off serve's bench range (6000-9999) too. A deleted call's ports are freed
    // at once, not 30 s later: at 1 000 calls/s that delay alone would hold 120 000 ports.
    '--port-min=20000', '--port-max=29999', '--delete-delay=0', '--num-threads=2'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
  };
  // Its ng socket is bound once it answers a ping.
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rtpengine exited: ${log}`);
    if (await ngPing(ng)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`rtpengine did not answer on its ng port: ${log}`);
    }
  }
  return { ng, pid: child.pid!, stop };
}

async function ngPing(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  try {
    const answer = new Promise<boolean>((res) => {
      s.on('message', (m) => res(m.toString().includes('pong')));
      setTimeout(() => res(false), 300);
    });
    s.send('bench d7:command4:pinge', port, '127.0.0.1');
    return await answer;
  } finally {
    s.close();
  }
}

async function runTrunkline(simPort: number): Promise<StepResult | undefined> {
  if (CPU_PROF) mkdirSync(CPU_PROF, { recursive: true });
  const nodeArgs = [...NODE_ARGS, ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${resolve(CPU_PROF)}`] : [])];
  if (GC_AT) {
    // Read by the preload in serve's process (it inherits this environment).
    process.env.TRUNKLINE_BENCH_GC_AT = GC_AT;
    nodeArgs.push('--expose-gc', '--import', fileURLToPath(new URL('./force-gc.js', import.meta.url)));
  }
  const node = await serve(['--carrier', `sip:127.0.0.1:${simPort}`, '--no-pstn-sim', ...SERVE_ARGS], { nodeArgs, ...(SERVE_STDOUT ? { stdoutFile: resolve(SERVE_STDOUT) } : {}) });
  cleanups.push(() => node.stop());
  // The API's highest calls_per_minute (100 000, ~1 666 calls/s): the trunk's rate limit is checked per call but does not bind below that.
  const { domain } = await pbxTrunk(node, 'bench', { calls_per_minute: 100_000, max_concurrent_calls: null });
  const pid = node.child.pid!;
  const best = await ladder('trunkline', `127.0.0.1:${node.sip}`, `sip:+919876540000@${domain}`, () => procCpuSeconds([pid]), edgeSteps, serveProbe(node.http, pid, SERVE_STDOUT ? resolve(SERVE_STDOUT) : undefined));
  const listed = await node.api<unknown[]>('GET', `/v2/accounts/${node.account}/calls?page_size=1`);
  const total = (listed.json.metadata as { total?: number } | undefined)?.total;
  console.log(`trunkline: ${total ?? '?'} call records in the store`);
  if (CPU_PROF && node.child.exitCode === null) {
    // The profile is written when serve exits of itself: give it longer than serve()'s stop does before its SIGKILL.
    const exited = once(node.child, 'exit');
    node.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  }
  return best;
}

async function runKamailio(simUri: string, ruri: string): Promise<StepResult | undefined> {
  if (!hasKamailio) {
    console.log('kamailio not installed: no ratio');
    return undefined;
  }
  if (!RTPENGINE) {
    console.log('rtpengine not installed (Debian rtpengine-daemon): no ratio');
    return undefined;
  }
  const rtpe = await startRtpengine(RTPENGINE);
  cleanups.push(() => rtpe.stop());
  const kam = await startKamailio({ host: '127.0.0.1', port: await freePort(), fromHost: '127.0.0.1', fromPort: 0, toWhenFrom: simUri, toOtherwise: simUri, rtpengineNg: rtpe.ng,
    // Its default 64 MB of shared memory runs out from ~400 calls/s (transactions and dialogs linger
    // after BYE): "could not allocate shared memory", the INVITE dropped unanswered, ~1.5 % of calls.
    sharedMemoryMb: 1024 });
  cleanups.push(() => kam.stop());
  return ladder('kamailio', `127.0.0.1:${kam.port}`, ruri, () => procCpuSeconds([...groupPids(kam.pid), rtpe.pid]), kamSteps);
}

async function main(): Promise<void> {
  console.log(`edge-cps: steps ${RATES.join(', ')} calls/s, ${SECONDS} s each; held = < 0.1 % failed and the full count placed; ${load()}`);
  const sim = await startPstnSim({ host: '127.0.0.1', clock: systemClock, log: silentLogger });
  cleanups.push(() => sim.stop());
  const simUri = `sip:127.0.0.1:${sim.port}`;

  const edgeBest = ONLY === 'kamailio' ? undefined : await runTrunkline(sim.port);
  const edgeLoad = load();
  const kamBest = ONLY === 'trunkline' ? undefined : await runKamailio(simUri, 'sip:+919876540000@bench.pstn.localhost');
  const kamLoad = load();

  const fmt = (r: StepResult | undefined) => (r ? `${r.rate} calls/s (p50 ${r.p50} ms, p99 ${r.p99} ms setup, CPU ${(r.cpu * 100).toFixed(0)}% of one core, ${r.cpuMsPerCall.toFixed(2)} CPU ms/call)` : 'no step held');
  if (ONLY !== 'kamailio') console.log(`\ntrunkline serve (SQLite, ACL, number lookup, media relay, call records): highest rate held ${fmt(edgeBest)} [${edgeLoad}]`);
  if (ONLY !== 'trunkline') console.log(`kamailio + rtpengine (dialog, offer/answer): highest rate held ${fmt(kamBest)} [${kamLoad}]`);
  if (edgeBest && kamBest) {
    // A side whose ladder ended unmeasured has a ceiling of at least its best: the ratio is bounded on that side.
    const edgeOpen = unmeasured.has('trunkline');
    const kamOpen = unmeasured.has('kamailio');
    const bound = edgeOpen && kamOpen ? '~' : edgeOpen ? '≥ ' : kamOpen ? '≤ ' : '';
    const why = [...unmeasured].map(([side, rate]) => `${side}'s ladder ended unmeasured at ${rate} calls/s`).join(', ');
    console.log(`ratio trunkline/kamailio+rtpengine: ${bound}${(edgeBest.rate / kamBest.rate).toFixed(2)}${why ? ` (${why})` : ''}`);
  }
  else if (kamBest) console.log(`ratio trunkline/kamailio+rtpengine: < ${(RATES[0] / kamBest.rate).toFixed(2)}`);
  // CPU per call at the highest step both held: what a call costs each, which a busy machine bends less than the rate.
  const both = edgeBest && kamBest ? Math.min(edgeBest.rate, kamBest.rate) : undefined;
  if (both !== undefined) {
    const e = edgeSteps.find((r) => r.rate === both)!;
    const k = kamSteps.find((r) => r.rate === both)!;
    console.log(`CPU per call at ${both} calls/s: trunkline ${e.cpuMsPerCall.toFixed(2)} ms, kamailio+rtpengine ${k.cpuMsPerCall.toFixed(2)} ms (ratio ${(k.cpuMsPerCall / e.cpuMsPerCall).toFixed(2)})`);
  }
  for (const [name, steps] of [['trunkline', edgeSteps], ['kamailio+rtpengine', kamSteps]] as const) {
    const line = boxBudget(steps);
    if (line) console.log(`${name}: ${line}`);
  }
}

/**
 * What the machine itself allows: SIPp and the simulator run beside the system under test, and
 * on a small box their CPU per call decides how many calls any system under test could carry
 * there (issue 13: on 2 cores it capped Kamailio + rtpengine and trunkline alike, below the
 * goal). From the last step run, whose load is the closest to the limit.
 */
function boxBudget(steps: readonly StepResult[]): string | undefined {
  const last = steps.at(-1);
  if (!last || last.rate <= 0) return undefined;
  const cores = availableParallelism();
  const peersMs = ((last.sippCpu + last.benchCpu) * 1000) / last.rate;
  const ceiling = (cores * 1000) / (peersMs + last.cpuMsPerCall);
  const left = cores - peersMs; // ms of CPU per call left to the system under test at 1 000 calls/s
  return `the box (${cores} cores): SIPp + simulator ${peersMs.toFixed(2)} ms of CPU per call at ${last.rate} calls/s, so at ${last.cpuMsPerCall.toFixed(2)} ms per call this box carries at most ~${Math.floor(ceiling)} calls/s with every core busy; 1 000 calls/s here needs the system under test at ≤ ${left > 0 ? left.toFixed(2) : '0'} ms of CPU per call`;
}

try {
  await main();
} catch (err) {
  console.error(`edge-cps: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

/** Sums of serve's Prometheus series by name (labels summed): enough for the probe's few figures. */
function promSums(text: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? ([-0-9.e+]+|NaN)$/.exec(line);
    if (m && m[2] !== 'NaN') sums.set(m[1], (sums.get(m[1]) ?? 0) + Number(m[2]));
  }
  return sums;
}

/**
 * serve's event-loop delay and GC over a step: where setup time goes that CPU per call does not
 * show. prom-client's event-loop histogram restarts at every scrape, so the scrape before the
 * step makes the one after it cover exactly the step.
 */
function serveProbe(httpPort: number, pid: number, stdoutFile?: string): StepProbe {
  const text = async () => fetch(`http://127.0.0.1:${httpPort}/metrics`).then((r) => r.text());
  // The JavaScript thread is serve's limit (the relay's packets and the store's writes have threads of their own).
  const mainCpu = () => statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
  let main0 = 0;
  let steal0 = 0;
  let gc0 = 0;
  let t0 = 0;
  let setup0 = new Map<string, number>();
  let refused0 = 0;
  let stdoutAt = 0;
  return {
    async before() {
      stdoutAt = stdoutFile ? statSync(stdoutFile).size : 0;
      const t = await text();
      gc0 = promSums(t).get('nodejs_gc_duration_seconds_sum') ?? 0;
      setup0 = setupBuckets(t);
      refused0 = edgeRefusals503(t);
      main0 = mainCpu();
      steal0 = stealSeconds();
      t0 = performance.now();
    },
    async after() {
      const t = await text();
      const m = promSums(t);
      const setup = setupBuckets(t);
      const inStep = (le: string) => (setup.get(le) ?? 0) - (setup0.get(le) ?? 0);
      const all = inStep('+Inf');
      const over = (le: string) => (all > 0 ? `${(((all - inStep(le)) / all) * 100).toFixed(2)} %` : 'n/a');
      const wall = (performance.now() - t0) / 1000;
      const main = mainCpu() - main0;
      const steal = stealSeconds() - steal0;
      const gc = (m.get('nodejs_gc_duration_seconds_sum') ?? 0) - gc0;
      // prom-client samples the loop every 10 ms and its figures include that period.
      const ms = (name: string) => Math.max(0, (m.get(name) ?? NaN) * 1000 - 10).toFixed(0);
      const perCall = all > 0 ? ` (${((main / all) * 1000).toFixed(2)} ms per call)` : '';
      return `serve: JavaScript thread ${((main / wall) * 100).toFixed(0)} % of a core${perCall}; CPU taken by the hypervisor (steal, all cores) ${((steal / wall) * 100).toFixed(0)} %; event-loop delay p50 ${ms('nodejs_eventloop_lag_p50_seconds')} ms, p99 ${ms('nodejs_eventloop_lag_p99_seconds')} ms, max ${ms('nodejs_eventloop_lag_max_seconds')} ms; GC pauses ${gc.toFixed(2)} s (${((gc / wall) * 100).toFixed(0)} % of the step); heap used ${((m.get('nodejs_heap_size_used_bytes') ?? 0) / 1e6).toFixed(0)} MB; INVITE-to-final inside serve > 50 ms: ${over('0.05')}, > 100 ms: ${over('0.1')}; refused 503 by serve itself (overload, --overload-delay): ${edgeRefusals503(t) - refused0}${stdoutFile ? scavengesOver(stdoutFile, stdoutAt, all) : ''}`;
    },
  };
}

/**
 * With `--node-arg --trace-gc-nvp --serve-stdout FILE`: the scavenges of serve's main isolate that
 * node printed during the step, and the bytes they promoted per call — what the call's objects
 * that outlived two scavenges cost the old generation (issue 13). Empty without those lines.
 */
function scavengesOver(file: string, from: number, calls: number): string {
  const fd = openSync(file, 'r');
  let text: string;
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, size - from));
    readSync(fd, buf, 0, buf.length, from);
    text = buf.toString('latin1');
  } finally {
    closeSync(fd);
  }
  // One line per GC: "[pid:isolate] N ms: pause=… gc=s … promoted=… …"; worker threads are other isolates.
  const byIsolate = new Map<string, { count: number; pauseMs: number; promoted: number }>();
  for (const line of text.split('\n')) {
    const m = /^\[\d+:(0x[0-9a-f]+)\].* gc=s .*/.exec(line);
    if (!m) continue;
    const field = (name: string) => Number(new RegExp(` ${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
    const s = byIsolate.get(m[1]) ?? { count: 0, pauseMs: 0, promoted: 0 };
    s.count++;
    s.pauseMs += field('pause');
    s.promoted += field('promoted');
    byIsolate.set(m[1], s);
  }
  const main = [...byIsolate.values()].sort((a, b) => b.count - a.count)[0];
  if (!main || calls === 0) return '';
  return `; scavenges ${main.count} (mean pause ${(main.pauseMs / main.count).toFixed(1)} ms), promoted ${(main.promoted / calls / 1000).toFixed(1)} KB per call`;
}

/** CPU seconds the hypervisor gave to others while this machine wanted them (/proc/stat steal, all cores): a busy host shows here, not in our figures. */
function stealSeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
  return Number(cpu[8] ?? 0) / 100;
}

/** Calls serve ended with its own 503 (trunkline_edge_calls_total, by="edge"): in this bench, the overload refusals. */
function edgeRefusals503(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/^trunkline_edge_calls_total\{([^}]*)\} (\d+)$/gm)) if (/code="503"/.test(m[1]) && /by="edge"/.test(m[1])) n += Number(m[2]);
  return n;
}

/** serve's own INVITE-to-final histogram (trunkline_edge_setup_seconds), cumulative counts by bucket bound, directions summed. */
function setupBuckets(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^trunkline_edge_setup_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)$/gm)) counts.set(m[1], (counts.get(m[1]) ?? 0) + Number(m[2]));
  return counts;
}
