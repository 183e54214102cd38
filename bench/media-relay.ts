// bench/media-relay: how many concurrent G.711 calls (20 ms packets, 50 pps each way) the relay
// holds with zero loss, the delay variation it adds (p99), and its CPU — and the same streams
// through Debian's rtpengine (userspace, ng protocol) in the same run, with the ratio.
//
//   node .build/<name>/bench/media-relay.js [--hold 30] [--steps 250,500,1000,1500,2000,2500]
//        [--no-rtpengine] [--cpu-prof DIR] [--warmup 2] [--node-generator] [--baseline] [--workers N]
//        [--engine native|js]   (native: the forwarder of native/relay, the default; js: node:dgram)
//
// Three processes: this one (orchestrator, and rtpengine's ng client), the relay (a child that
// runs MediaRelay, started with --cpu-prof when asked), and the generator (a child owning two
// UDP sockets per call, one for each side). rtpengine runs as a fourth child.
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { GEN_C } from './media-relay/gen-c.js';
import { NgClient, type Bval } from './media-relay/ng-client.js';

const SELF = fileURLToPath(import.meta.url);


const PAYLOAD = 160; // 20 ms of G.711 at 8 kHz
const TICKS_PER_SEC = 100; // /proc/<pid>/stat clock ticks (USER_HZ)

type Msg = { op: string; [k: string]: unknown };

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

function cpuTicks(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat: utime and stime, of all threads (rtpengine has several).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** Request/response over a forked child's IPC channel. */
function ask<T>(child: ChildProcess, msg: Msg): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: Msg) => {
      if (m.op !== `${msg.op}:done`) return;
      child.off('message', onMsg);
      if (m.error) reject(new Error(String(m.error)));
      else resolve(m.result as T);
    };
    child.on('message', onMsg);
    child.send(msg);
  });
}

function serve(handlers: Record<string, (m: Msg) => Promise<unknown>>): void {
  process.on('message', (m: Msg) => {
    const h = handlers[m.op];
    if (!h) return;
    h(m).then(
      (result) => process.send!({ op: `${m.op}:done`, result }),
      (err: Error) => process.send!({ op: `${m.op}:done`, error: err.stack ?? String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

// ───────────────────────────── relay child ─────────────────────────────
async function relayChild(): Promise<void> {
  const { MediaRelay, ThreadedMediaRelay } = await import('../src/media/index.js');
  const workers = Number(arg('workers', '0'));
  const options = { host: '127.0.0.1', portRange: '20000-39999', rtpTimeoutMs: 0, dropAfterMs: 0 };
  // --workers N: the relay spread over N worker threads, each owning a slice of the ports.
  // --engine native|js (default native): the native forwarder (native/relay) or node:dgram sockets.
  const engine = arg('engine', 'native') === 'js' ? 'js' : 'native';
  const relay = workers > 0 ? new ThreadedMediaRelay({ ...options, workers }) : new MediaRelay({ ...options, engine });
  type Session = Awaited<ReturnType<typeof relay.createSession>>;
  let sessions: Session[] = [];
  serve({
    async create(m) {
      const n = m.n as number;
      sessions = [];
      for (let i = 0; i < n; i += 100) {
        sessions.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, j) => relay.createSession(`bench-${i + j}`)))));
      }
      return sessions.map((s) => [s.legA.rtpPort, s.legB.rtpPort]);
    },
    async remote(m) {
      const ports = m.ports as [number, number][];
      sessions.forEach((s, i) => {
        s.setRemote('A', { address: '127.0.0.1', rtpPort: ports[i][0] });
        s.setRemote('B', { address: '127.0.0.1', rtpPort: ports[i][1] });
      });
      return true;
    },
    async stats() {
      let received = 0;
      let forwarded = 0;
      for (const s of sessions) {
        const { aToB, bToA } = (await s.statsAsync()).directions;
        received += aToB.stream.packets + bToA.stream.packets;
        forwarded += aToB.forwardedPackets + bToA.forwardedPackets;
      }
      return { received, forwarded };
    },
    async close() {
      await Promise.all(sessions.map((s) => s.close('bench')));
      sessions = [];
      return true;
    },
  });
}

// ──────────────────────── bare Node forwarder (baseline) ────────────────────────
async function bareChild(): Promise<void> {
  let pairs: { a: dgram.Socket; b: dgram.Socket; pa: number; pb: number }[] = [];
  let received = 0;
  serve({
    async create(m) {
      const n = m.n as number;
      const open = () => new Promise<dgram.Socket>((resolve) => {
        const s = dgram.createSocket({ type: 'udp4', lookup: ((addr: string, _o: unknown, cb: (e: null, a: string, f: number) => void) => cb(null, addr, 4)) as never });
        s.bind(0, '127.0.0.1', () => resolve(s));
      });
      pairs = [];
      for (let i = 0; i < n; i++) {
        const p = { a: await open(), b: await open(), pa: 0, pb: 0 };
        p.a.on('message', (msg) => (received++, p.b.send(msg, p.pb, '127.0.0.1')));
        p.b.on('message', (msg) => (received++, p.a.send(msg, p.pa, '127.0.0.1')));
        pairs.push(p);
      }
      return pairs.map((p) => [(p.a.address() as AddressInfo).port, (p.b.address() as AddressInfo).port]);
    },
    async remote(m) {
      (m.ports as [number, number][]).forEach(([a, b], i) => Object.assign(pairs[i], { pa: a, pb: b }));
      return true;
    },
    async stats() {
      return { received, forwarded: received };
    },
    async close() {
      await Promise.all(pairs.flatMap((p) => [p.a, p.b]).map((s) => new Promise<void>((r) => s.close(() => r()))));
      pairs = [];
      received = 0;
      return true;
    },
  });
}

// ─────────────────────────── generator child ───────────────────────────
interface GenResult {
  sent: number;
  received: number;
  p50: number;
  p99: number;
  max: number;
  lateTicks: number;
  /** Every phase (warm-up, hold, cool-down), to tell where packets were lost. */
  sentAll: number;
  receivedAll: number;
}

async function generatorChild(): Promise<void> {
  let socks: dgram.Socket[] = [];
  serve({
    async open(m) {
      const n = m.n as number;
      socks = await Promise.all(
        Array.from({ length: 2 * n }, () => new Promise<dgram.Socket>((resolve) => {
          const s = dgram.createSocket('udp4');
          s.bind(0, '127.0.0.1', () => resolve(s));
        })),
      );
      return socks.map((s) => (s.address() as AddressInfo).port);
    },
    async run(m) {
      return runStreams(socks, m.targets as [number, number][], m.seconds as number, m.warmup as number);
    },
    async close() {
      await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
      socks = [];
      return true;
    },
  });
}

async function runStreams(socks: dgram.Socket[], targets: [number, number][], seconds: number, warmup: number): Promise<GenResult> {
  const streams = socks.length; // stream k: socket k sends to its target; socket k^1 is the other side
  await Promise.all(socks.map((s, k) => new Promise<void>((r) => s.connect(targets[k >> 1][k & 1], '127.0.0.1', () => r()))));
  const minTransit = new Float64Array(streams).fill(Infinity);
  const hist = new Uint32Array(20001); // 0.05 ms buckets up to 1 s
  let measuring = false;
  let received = 0;
  let sent = 0;
  let sentAll = 0;
  let receivedAll = 0;
  socks.forEach((s, k) => {
    s.on('message', (msg: Buffer) => {
      if (msg.length < 12 + 8) return;
      const transit = performance.now() - msg.readDoubleLE(12);
      const from = k ^ 1;
      receivedAll++;
      if (transit < minTransit[from]) minTransit[from] = transit;
      if (msg[20] !== 1) return; // sent during warm-up or cool-down
      received++;
      const d = Math.min(20000, Math.round((transit - minTransit[from]) / 0.05));
      hist[d]++;
    });
  });
  const seq = new Uint16Array(streams);
  const sendStream = (k: number) => {
    const b = Buffer.allocUnsafe(12 + PAYLOAD);
    b[0] = 0x80;
    b[1] = 8;
    b.writeUInt16BE(seq[k]++, 2);
    b.writeUInt32BE((seq[k] * PAYLOAD) >>> 0, 4);
    b.writeUInt32BE(k + 1, 8);
    b.fill(0xd5, 20);
    b[20] = measuring ? 1 : 0;
    b.writeDoubleLE(performance.now(), 12);
    socks[k].send(b);
    sentAll++;
    if (measuring) sent++;
  };
  // Streams are spread over the 20 ms period (stream k in slot k % 20) so the load is smooth.
  const slots: number[][] = Array.from({ length: 20 }, () => []);
  for (let k = 0; k < streams; k++) slots[k % 20].push(k);
  const start = performance.now();
  let done = 0; // ms slots sent so far
  let lateTicks = 0;
  const total = Math.round((warmup + seconds) * 1000);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(performance.now() - start));
      if (due - done > 5) lateTicks++;
      for (; done < due; done++) {
        if (done === warmup * 1000) measuring = true;
        for (const k of slots[done % 20]) sendStream(k);
      }
      if (done >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await new Promise((r) => setTimeout(r, 300)); // the last packets in flight
  measuring = false;
  for (const s of socks) s.removeAllListeners('message');
  const pct = (q: number) => {
    const want = received * q;
    let acc = 0;
    for (let i = 0; i < hist.length; i++) if ((acc += hist[i]) >= want) return i * 0.05;
    return Infinity;
  };
  let max = 0;
  for (let i = hist.length - 1; i >= 0; i--) if (hist[i]) { max = i * 0.05; break; }
  return { sent, received, p50: pct(0.5), p99: pct(0.99), max, lateTicks, sentAll, receivedAll };
}

// ─────────────────────────── rtpengine (ng) ────────────────────────────
const sdpFor = (port: number, id: number) =>
  `v=0\r\no=- ${id} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n`;
const sdpPort = (sdp: Bval) => Number(/m=audio (\d+)/.exec(String(sdp))![1]);

async function startRtpengine(ngPort: number): Promise<ChildProcess | undefined> {
  const child = spawn('rtpengine', ['--interface=127.0.0.1', `--listen-ng=127.0.0.1:${ngPort}`, '--foreground', '--table=-1',
    '--port-min=40000', '--port-max=59999', '--log-stderr', '--log-level=3', '--timeout=600', '--delete-delay=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const ok = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('exit', () => resolve(false));
    setTimeout(() => resolve(true), 1000);
  });
  if (!ok) {
    console.log(`rtpengine did not start: ${err.trim().split('\n').slice(-3).join(' | ')}`);
    return undefined;
  }
  return child;
}

// ───────────────────────────── generators ──────────────────────────────
/** One step's load: open (per call, the generator's [side A, side B] ports), run, close. */
interface Generator {
  readonly kind: string;
  readonly pid: number;
  open(n: number, seconds: number, warmup: number): Promise<[number, number][]>;
  /** targets: per call, where side A and side B send. */
  run(targets: [number, number][]): Promise<GenResult>;
  close(): Promise<void>;
  dispose(): void;
}

/** The Node generator: one socket per side of each call, driven over IPC. */
class NodeGenerator implements Generator {
  readonly kind = 'node, 2 sockets per call';
  readonly #child = fork(SELF, ['gen'], { stdio: 'inherit' });
  #seconds = 0;
  #warmup = 0;
  get pid(): number {
    return this.#child.pid!;
  }
  async open(n: number, seconds: number, warmup: number): Promise<[number, number][]> {
    this.#seconds = seconds;
    this.#warmup = warmup;
    const ports = await ask<number[]>(this.#child, { op: 'open', n });
    return Array.from({ length: n }, (_, i) => [ports[2 * i], ports[2 * i + 1]]);
  }
  run(targets: [number, number][]): Promise<GenResult> {
    return ask<GenResult>(this.#child, { op: 'run', targets, seconds: this.#seconds, warmup: this.#warmup });
  }
  async close(): Promise<void> {
    await ask(this.#child, { op: 'close' });
  }
  dispose(): void {
    this.#child.disconnect();
  }
}

/**
 * The C generator: one socket per side for all calls, sendmmsg/recvmmsg, so making the load
 * costs far less CPU than relaying it (the Node generator pays the same syscalls per packet as
 * the relay it measures, and on 2 cores that halves what can be measured). Built with gcc.
 */
class NativeGenerator implements Generator {
  readonly kind = 'C, sendmmsg/recvmmsg, 1 socket per side';
  readonly #binary: string;
  #child: ChildProcess | undefined;
  #lines: AsyncIterator<string> | undefined;
  constructor(binary: string) {
    this.#binary = binary;
  }
  static build(): NativeGenerator | undefined {
    const dir = mkdtempSync(join(tmpdir(), 'trunkline-rtpgen-'));
    writeFileSync(join(dir, 'gen.c'), GEN_C);
    const r = spawnSync('gcc', ['-O2', '-o', join(dir, 'gen'), join(dir, 'gen.c')], { stdio: 'ignore' });
    return r.status === 0 ? new NativeGenerator(join(dir, 'gen')) : undefined;
  }
  get pid(): number {
    return this.#child?.pid ?? 0;
  }
  async open(n: number, seconds: number, warmup: number): Promise<[number, number][]> {
    this.#child = spawn(this.#binary, [String(Math.round(seconds * 1000)), String(Math.round(warmup * 1000))], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.#lines = createInterface({ input: this.#child.stdout! })[Symbol.asyncIterator]();
    const [, a, b] = String((await this.#lines.next()).value).split(' ');
    return Array.from({ length: n }, () => [Number(a), Number(b)]);
  }
  async run(targets: [number, number][]): Promise<GenResult> {
    this.#child!.stdin!.write(targets.map(([a, b]) => `${a} ${b}\n`).join('') + 'GO\n');
    return JSON.parse(String((await this.#lines!.next()).value)) as GenResult;
  }
  async close(): Promise<void> {
    const child = this.#child;
    child?.stdin?.end();
    if (child && child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
  dispose(): void {}
}

// ───────────────────────────── orchestrator ────────────────────────────
interface StepResult { n: number; pps: number; sent: number; lost: number; p50: number; p99: number; cpu: number; genCpu: number; lateTicks: number }

async function step(label: string, n: number, gen: Generator, hold: number, warmup: number, target: {
  pid: number; setup: (genPorts: [number, number][]) => Promise<[number, number][]>; teardown: () => Promise<void>;
  where?: () => Promise<{ received: number; forwarded: number }>;
}): Promise<StepResult> {
  const genPorts = await gen.open(n, hold, warmup);
  const targets = await target.setup(genPorts);
  const cpu0 = cpuTicks(target.pid);
  const g0 = cpuTicks(gen.pid);
  const t0 = performance.now();
  const r = await gen.run(targets);
  const secs = (performance.now() - t0) / 1000;
  const cpu = ((cpuTicks(target.pid) - cpu0) / TICKS_PER_SEC / secs) * 100;
  const genCpu = ((cpuTicks(gen.pid) - g0) / TICKS_PER_SEC / secs) * 100;
  const seen = await target.where?.();
  await gen.close();
  await target.teardown();
  const res = { n, pps: n * 100, sent: r.sent, lost: r.sent - r.received, p50: r.p50, p99: r.p99, cpu, genCpu, lateTicks: r.lateTicks };
  console.log(`${label.padEnd(10)} calls=${String(n).padStart(5)} pps=${String(n * 100).padStart(6)} sent=${r.sent} lost=${res.lost} ` +
    `added-delay p50=${r.p50.toFixed(2)}ms p99=${r.p99.toFixed(2)}ms max=${r.max.toFixed(1)}ms cpu=${cpu.toFixed(0)}% gen-cpu=${genCpu.toFixed(0)}% gen-late-ticks=${r.lateTicks}` +
    (seen ? ` | all phases: lost before relay ${r.sentAll - seen.received}, after relay ${seen.forwarded - r.receivedAll}` : ''));
  return res;
}

function best(results: StepResult[]): StepResult | undefined {
  let top: StepResult | undefined;
  for (const r of results) {
    if (r.lost !== 0) break;
    top = r;
  }
  return top;
}

async function main(): Promise<void> {
  const hold = Number(arg('hold', '30'));
  const warmup = Number(arg('warmup', '2'));
  const steps = arg('steps', '250,500,1000,1500,2000,2500').split(',').map(Number);
  const prof = arg('cpu-prof', '');
  console.log(`media-relay bench: G.711 20 ms, 50 pps each way per call, hold ${hold}s (+${warmup}s warm-up) per step, steps ${steps.join(',')}`);
  const native = process.argv.includes('--node-generator') ? undefined : NativeGenerator.build();
  const gen: Generator = native ?? new NodeGenerator();
  console.log(`generator: ${gen.kind}; machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const runNode = async (role: string, label: string): Promise<StepResult[]> => {
    const relay = fork(SELF, [role, '--workers', arg('workers', '0'), '--engine', arg('engine', 'native')], { stdio: 'inherit', execArgv: prof && role === 'relay' ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [] });
    const results: StepResult[] = [];
    for (const n of steps) {
      const r = await step(label, n, gen, hold, warmup, {
        pid: relay.pid!,
        setup: async (genPorts) => {
          const legs = await ask<[number, number][]>(relay, { op: 'create', n });
          await ask(relay, { op: 'remote', ports: genPorts });
          return legs;
        },
        teardown: async () => void (await ask(relay, { op: 'close' })),
        where: () => ask(relay, { op: 'stats' }),
      });
      results.push(r);
      if (r.lost !== 0) break;
    }
    relay.disconnect();
    return results;
  };
  const ours = await runNode('relay', Number(arg('workers', '0')) > 0 ? `trunkline/${arg('workers', '0')}w` : `trunkline/${arg('engine', 'native')}`);
  // --baseline: the same streams through a bare Node dgram forwarder (no latching, no stats):
  // what Node's per-datagram machinery costs on its own, to tell it from the relay's own work.
  const bare = process.argv.includes('--baseline') ? await runNode('bare', 'node-bare') : [];

  const theirs: StepResult[] = [];
  if (!process.argv.includes('--no-rtpengine')) {
    const ngPort = 22222 + Math.floor(Math.random() * 1000);
    const rtpengine = await startRtpengine(ngPort);
    if (rtpengine) {
      const ng = new NgClient(ngPort);
      await ng.command({ command: 'ping' });
      let callNo = 0;
      for (const n of steps) {
        const ids: string[] = [];
        const r = await step('rtpengine', n, gen, hold, warmup, {
          pid: rtpengine.pid!,
          setup: async (genPorts) => {
            const out: [number, number][] = [];
            for (let i = 0; i < n; i += 50) {
              out.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, async (_, j) => {
                const k = i + j;
                const id = `bench-${++callNo}`;
                ids.push(id);
                const offer = await ng.command({ command: 'offer', 'call-id': id, 'from-tag': 'a', sdp: sdpFor(genPorts[k][0], k), flags: ['no-rtcp-attribute'], replace: ['origin'] });
                const answer = await ng.command({ command: 'answer', 'call-id': id, 'from-tag': 'a', 'to-tag': 'b', sdp: sdpFor(genPorts[k][1], k), replace: ['origin'] });
                // Side A sends where the answer (going to A) points; side B where the offer (going to B) points.
                return [sdpPort(answer.sdp), sdpPort(offer.sdp)] as [number, number];
              }))));
            }
            return out;
          },
          teardown: async () => {
            for (let i = 0; i < ids.length; i += 100) await Promise.all(ids.slice(i, i + 100).map((id) => ng.command({ command: 'delete', 'call-id': id, 'from-tag': 'a' })));
          },
        });
        theirs.push(r);
        if (r.lost !== 0) break;
      }
      ng.close();
      rtpengine.kill('SIGTERM');
    }
  }
  gen.dispose();

  const a = best(ours);
  const b = best(theirs);
  console.log('');
  console.log(`trunkline relay: highest N held ${hold}s with zero loss = ${a ? `${a.n} calls (${a.pps} pps), added delay p99 ${a.p99.toFixed(2)} ms, relay CPU ${a.cpu.toFixed(0)}%` : 'none of the steps'}`);
  const c = best(bare);
  if (bare.length) console.log(`bare Node forwarder: highest N = ${c ? `${c.n} calls, CPU ${c.cpu.toFixed(0)}%` : 'none of the steps'}`);
  if (theirs.length) {
    console.log(`rtpengine:       highest N held ${hold}s with zero loss = ${b ? `${b.n} calls (${b.pps} pps), added delay p99 ${b.p99.toFixed(2)} ms, CPU ${b.cpu.toFixed(0)}%` : 'none of the steps'}`);
    if (a && b) console.log(`ratio trunkline/rtpengine: calls ${(a.n / b.n).toFixed(2)}`);
    const common = ours.filter((o) => o.lost === 0 && theirs.some((t) => t.n === o.n && t.lost === 0)).at(-1);
    if (common) {
      const t = theirs.find((x) => x.n === common.n)!;
      console.log(`at ${common.n} calls: CPU trunkline ${common.cpu.toFixed(0)}% vs rtpengine ${t.cpu.toFixed(0)}% (ratio ${(common.cpu / t.cpu).toFixed(2)}), p99 ${common.p99.toFixed(2)} vs ${t.p99.toFixed(2)} ms`);
    }
  }
}

const role = process.argv[2];
if (role === 'relay') void relayChild();
else if (role === 'gen') void generatorChild();
else if (role === 'bare') void bareChild();
else await main();
