/**
 * bench/call-records (issue 13, "batch the store writes"): what writing the edge's call records
 * costs on SQLite, without SIPp, the simulator and the SIP stack around it — on this shared box
 * those make edge-cps's CPU per call swing by more than the store's whole share.
 *
 *   node dist/bench/call-records.js [--rate 250] [--seconds 10] [--hold-ms 3] [--rounds 3] [--writers inline,thread,peer,none] [--post-cost 0]
 *
 * `--rate` calls per second, each saved as serve saves a short call: its in-progress record at
 * the answer (6 traced messages), its completed record `--hold-ms` later (12 messages, the same
 * first six entries plus six), both through CallsRepo on a fresh SQLite store opened as serve
 * opens it (WAL, the statement cache, serve's save window). `--writers`, alternating round by
 * round: `inline` writes the batches on the main connection (serve --record-writer inline),
 * `thread` on the writer thread's own connection (serve's default), `peer` is the same records
 * written through one better-sqlite3 statement prepared once, every save of a turn in one
 * transaction, rows stringified whole — the floor a hand-written store would reach on the main thread;
 * `none` resolves every save at once and writes nothing: the harness's own cost, to subtract.
 *
 * Printed per round: the process's CPU milliseconds per call (user + system, every thread: the
 * writer thread and GC helpers included), the main thread's event-loop busy milliseconds per call
 * (performance.eventLoopUtilization over the round: what the SIP stack would have lost — wall
 * clock, so it counts time the thread was preempted), the main thread's own CPU per call (Linux),
 * and the rows and statements SQLite saw. At the end, the medians, the load average, and what posting a
 * batch to the writer thread (structured clone of its parameters) costs the main thread.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { CallsRepo, openStore, SAVE_WINDOW_MS, type CallRecord, type CallsDatabase, type CallsWritten, type RecordWriterMode, type TraceEntry } from '../src/store/index.js';
import { toRow } from '../src/store/calls-repo.js';
import { upsertParameters } from '../src/store/calls-upsert.js';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v >= 0 ? v : def;
};
const RATE = arg('rate', 250);
const SECONDS = arg('seconds', 10);
const HOLD_MS = arg('hold-ms', 3);
const ROUNDS = arg('rounds', 3);
const WRITERS = (() => {
  const i = args.indexOf('--writers');
  const list = (i >= 0 ? args[i + 1] : 'inline,thread,peer').split(',');
  for (const w of list) if (!['inline', 'thread', 'peer', 'none'].includes(w)) throw new Error(`--writers: unknown writer ${w} (inline, thread, peer, none)`);
  return list as ('inline' | 'thread' | 'peer' | 'none')[];
})();

/** Message texts of the sizes edge-cps's calls carry (INVITE and 200 with SDP, the rest short). */
function message(kind: string, sid: string, n: number): string {
  const head = `${kind}\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-${sid}-${n};rport\r\nFrom: <sip:+919876541111@127.0.0.1>;tag=${sid}a\r\n` +
    `To: <sip:+919876540000@bench.pstn.localhost>;tag=${sid}b\r\nCall-ID: ${sid}@pbx\r\nCSeq: ${n} ${kind.split(' ')[0]}\r\n` +
    `Contact: <sip:pbx@127.0.0.1:5060>\r\nMax-Forwards: 70\r\nUser-Agent: trunkline-bench\r\n`;
  if (!kind.startsWith('INVITE') && !kind.startsWith('SIP/2.0 200 OK')) return `${head}Content-Length: 0\r\n\r\n`;
  const sdp = `v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40${n}00 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n` +
    'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n';
  return `${head}Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`;
}

const KINDS = ['INVITE sip:+919876540000@bench SIP/2.0', 'SIP/2.0 100 Trying', 'SIP/2.0 200 OK', 'ACK sip:callee SIP/2.0', 'BYE sip:callee SIP/2.0', 'SIP/2.0 200 OK'];

/** One short call's two records, as the recorder hands them out: copies of its arrays, the entries shared. */
function call(sid: string): { answer: CallRecord; end: CallRecord } {
  const trace: TraceEntry[] = [];
  for (const [i, kind] of KINDS.entries()) {
    for (const leg of ['customer', 'carrier'] as const) {
      trace.push({ at: `2026-12-05T10:00:00.${String(trace.length).padStart(3, '0')}Z`, leg, direction: leg === 'customer' ? 'in' : 'out', transport: 'udp',
        src: '127.0.0.1:5060', dst: '127.0.0.1:5080', summary: kind, message: message(kind, sid, i + 1) });
    }
  }
  const base: CallRecord = {
    call_sid: sid, account_sid: 'bench', trunk_sid: 'trbench', direction: 'outbound', from: '+919876541111', to: '+919876540000',
    source_address: '127.0.0.1:5060', transport: 'udp', sip_call_id: `${sid}@pbx`, status: 'in-progress', started_at: '2026-12-05T10:00:00Z',
    answered_at: '2026-12-05T10:00:00Z', ended_at: null, final_code: null, final_reason: null, final_by: null, end_cause: null, edge_cause: null,
    duration_s: null, setup_ms: 4, findings: [], events: [{ at: '2026-12-05T10:00:00.004Z', kind: 'answer', detail: '200 OK from the carrier' }],
    trace: trace.slice(0, 6), media: null, node_id: null,
  };
  const stream = { packets: 0, octets: 0, lost: 0, jitter_ms: 0, codec: 'PCMA', ssrc: null, first_at: null, last_at: null, r_factor: null, mos: null };
  return {
    answer: base,
    end: {
      ...base, status: 'completed', ended_at: '2026-12-05T10:00:00Z', final_code: 200, final_reason: 'OK', final_by: 'carrier', end_cause: 'bye-customer', duration_s: 0,
      events: [...base.events, { at: '2026-12-05T10:00:00.008Z', kind: 'bye', detail: 'BYE from the customer' }], trace: [...trace],
      findings: [{ id: 'media.no-rtp', severity: 'warning', title: 'No RTP', explanation: 'No RTP was received on either leg.', evidence: ['0 packets'], fix: 'Check the media path.' } as unknown as CallRecord['findings'][number]],
      media: { customer: stream, carrier: stream },
    },
  };
}

interface Writer {
  save(r: CallRecord): Promise<void>;
  drain(): Promise<void>;
  close(): Promise<void>;
  counts(): string;
}

/** CallsRepo as serve opens and uses it on SQLite, writing its batches `mode`. */
const trunkline = (mode: RecordWriterMode) => async (file: string): Promise<Writer> => {
  const store = await openStore({ kind: 'sqlite', file }, { recordWriter: mode });
  await store.migrate();
  const db = store.db as unknown as Kysely<CallsDatabase>;
  let statements = 0;
  let rows = 0;
  // Counted as committed, whichever thread wrote them.
  const count = (m: unknown) => {
    statements += (m as CallsWritten).statements;
    rows += (m as CallsWritten).rows;
  };
  subscribe('trunkline:store:calls-written', count);
  const repo = new CallsRepo(db, { windowMs: SAVE_WINDOW_MS, writer: store.recordWriter });
  return {
    save: (r) => repo.save(r),
    drain: () => repo.drain(),
    close: async () => {
      await repo.close();
      unsubscribe('trunkline:store:calls-written', count);
      await store.close();
    },
    counts: () => `${rows} rows in ${statements} statements`,
  };
};

function peer(file: string): Writer {
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  const cols = ['call_sid', 'account_sid', 'trunk_sid', 'direction', 'from_number', 'to_number', 'source_address', 'transport', 'sip_call_id', 'status', 'started_at',
    'answered_at', 'ended_at', 'final_code', 'final_reason', 'final_by', 'end_cause', 'edge_cause', 'duration_s', 'setup_ms', 'findings', 'events', 'trace', 'media', 'node_id'];
  sqlite.exec(`create table calls (${cols.map((c) => (c === 'call_sid' ? 'call_sid text primary key' : `${c} ${/final_code|duration_s|setup_ms/.test(c) ? 'integer' : 'text'}`)).join(', ')});
    create index calls_account_started on calls (account_sid, started_at); create index calls_trunk_started on calls (trunk_sid, started_at);
    create index calls_node_status on calls (node_id, status)`);
  const upsert = sqlite.prepare(`insert into calls (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')}) on conflict (call_sid) do update set ${cols.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`);
  let rows = 0;
  let pending: { r: CallRecord; done: () => void }[] = [];
  const write = sqlite.transaction((batch: typeof pending) => {
    for (const { r } of batch) {
      upsert.run(r.call_sid, r.account_sid, r.trunk_sid, r.direction, r.from, r.to, r.source_address, r.transport, r.sip_call_id, r.status, r.started_at,
        r.answered_at, r.ended_at, r.final_code, r.final_reason, r.final_by, r.end_cause, r.edge_cause, r.duration_s, r.setup_ms,
        JSON.stringify(r.findings), JSON.stringify(r.events), JSON.stringify(r.trace), r.media === null ? null : JSON.stringify(r.media), r.node_id);
      rows++;
    }
  });
  const flush = () => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    write(batch);
    for (const p of batch) p.done();
  };
  return {
    save: (r) => new Promise<void>((done) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ r, done });
    }),
    drain: async () => flush(),
    close: async () => void sqlite.close(),
    counts: () => `${rows} rows`,
  };
}

interface Round {
  /** Process CPU (every thread) per call, ms. */
  readonly cpu: number;
  /** Main thread's event-loop busy time per call, ms (wall clock: includes time the thread was runnable but preempted). */
  readonly busy: number;
  /** Main thread's own CPU per call, ms (Linux: /proc/self/task/PID/stat, 10 ms ticks); NaN elsewhere. */
  readonly mainCpu: number;
}

/**
 * The main thread's CPU time in ms (utime + stime of its task; its tid is the pid). Busy time
 * alone misleads on a loaded 2-core box: waking the writer thread can preempt the main one, and
 * eventLoopUtilization counts the wait as busy.
 */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5) (utime, stime) are the 12th and 13th after the command name, in clock ticks (100 Hz on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * RATE calls/s for SECONDS, each saved at its answer and HOLD_MS later; CPU and busy time from the
 * first save to the last commit. Calls start on a 1 ms tick: on a 10 ms tick every call's answer
 * lands on the save window's timer, so the answer and end of every call were one row inline and
 * not behind a thread's acknowledgement — an artefact of the bench, not what serve sees.
 */
async function run(name: string, open: (file: string) => Promise<Writer> | Writer, round: number): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-bench-records-'));
  const w = await open(join(dir, 'calls.db'));
  // Started before the clock (serve starts its writer thread once, at the first save).
  await Promise.all([w.save(call(`CAwarm${round}${name}`).answer), w.drain()]);
  const total = Math.round(RATE * SECONDS);
  const perTick = RATE / 1000;
  const calls = Array.from({ length: total }, (_, i) => call(`CA${round}${name[0]}${String(i).padStart(26, '0')}`));
  const saves: Promise<void>[] = [];
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let started = 0;
    let owed = 0;
    const tick = setInterval(() => {
      owed += perTick;
      for (; owed >= 1 && started < total; owed--, started++) {
        const c = calls[started];
        saves.push(w.save(c.answer));
        setTimeout(() => saves.push(w.save(c.end)), HOLD_MS);
      }
      if (started >= total) {
        clearInterval(tick);
        setTimeout(resolve, HOLD_MS + 5);
      }
    }, 1);
  });
  await Promise.all(saves);
  await w.drain();
  const used = process.cpuUsage(cpu0);
  const mainCpu = (mainThreadCpuMs() - main0) / total;
  const elu = performance.eventLoopUtilization(elu0);
  const wallMs = performance.now() - t0;
  const cpu = (used.user + used.system) / 1000 / total;
  // utilization × wall: the time the main thread was not waiting for I/O (elu.active).
  const busy = (elu.utilization * wallMs) / total;
  console.log(`${name.padEnd(9)} round ${round}: ${total} calls at ${RATE}/s in ${(wallMs / 1000).toFixed(1)} s, ${cpu.toFixed(3)} CPU ms/call, ` +
    `main thread busy ${busy.toFixed(3)} ms/call, main thread CPU ${mainCpu.toFixed(3)} ms/call (${w.counts()})`);
  await w.close();
  rmSync(dir, { recursive: true, force: true });
  return { cpu, busy, mainCpu };
}

/**
 * What the main thread pays to hand a batch to the writer thread: postMessage of the batch's
 * parameters (structured clone) to a worker that reads and drops them, for a batch of `rows`
 * completed records as this bench saves them (each with its 12-message trace). Paced: a round trip
 * every 50 posts, so the queue stays short; only the postMessage calls are timed.
 */
async function postCost(rows: number): Promise<{ perBatchUs: number; perRowUs: number; bytes: number }> {
  const sink = new Worker(`const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => { if (m === 'ping') parentPort.postMessage('pong'); });`, { eval: true });
  const pong = () => new Promise<void>((resolve) => {
    sink.once('message', () => resolve());
    sink.postMessage('ping');
  });
  await pong();
  const records = Array.from({ length: rows }, (_, i) => toRow(call(`CAclone${i}`).end));
  const message = { op: 'write', id: 1, chunks: [{ count: rows, params: upsertParameters(records) }] };
  const bytes = (message.chunks[0].params as unknown[]).reduce<number>((n, v) => n + (typeof v === 'string' ? v.length : 8), 0);
  let timed = 0;
  let posts = 0;
  for (let round = 0; round < 60; round++) {
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) sink.postMessage(message);
    // The first ten rounds warm up.
    if (round >= 10) {
      timed += performance.now() - t0;
      posts += 50;
    }
    await pong();
  }
  await sink.terminate();
  const perBatchUs = (timed * 1000) / posts;
  return { perBatchUs, perRowUs: perBatchUs / rows, bytes };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** The harness alone: saves resolved at once, nothing written. */
const none = (): Writer => ({ save: async () => {}, drain: async () => {}, close: async () => {}, counts: () => 'nothing written' });
const opens = { inline: trunkline('inline'), thread: trunkline('thread'), peer, none } as const;
const results = new Map<string, Round[]>(WRITERS.map((w) => [w, []]));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`call-records: ${RATE} calls/s × ${SECONDS} s, 2 saves per call ${HOLD_MS} ms apart, ${ROUNDS} rounds of ${WRITERS.join(', ')} alternating; load ${load()}`);
// A round of each trunkline writer, not counted: V8 optimises the hot paths first.
for (const w of WRITERS) if (w === 'inline' || w === 'thread') await run(`warm-${w}`, opens[w], 0);
for (let r = 1; r <= ROUNDS; r++) {
  for (const w of WRITERS) results.get(w)!.push(await run(w, opens[w], r));
}
console.log(`load after: ${load()}`);
for (const [w, rounds] of results) {
  console.log(`median ${w.padEnd(6)}: ${median(rounds.map((r) => r.cpu)).toFixed(3)} CPU ms/call, main thread busy ${median(rounds.map((r) => r.busy)).toFixed(3)} ms/call, ` +
    `main thread CPU ${median(rounds.map((r) => r.mainCpu)).toFixed(3)} ms/call`);
}
const ratio = (a: string, b: string, k: keyof Round) => {
  const x = results.get(a);
  const y = results.get(b);
  return x && y ? (median(x.map((r) => r[k])) / median(y.map((r) => r[k]))).toFixed(2) : undefined;
};
if (results.has('thread') && results.has('inline')) {
  console.log(`thread / inline: CPU ${ratio('thread', 'inline', 'cpu')}×, main thread busy ${ratio('thread', 'inline', 'busy')}×, main thread CPU ${ratio('thread', 'inline', 'mainCpu')}×`);
}
if (results.has('peer')) {
  for (const w of ['inline', 'thread']) if (results.has(w)) console.log(`${w} / peer (one prepared better-sqlite3 statement): CPU ${ratio(w, 'peer', 'cpu')}×, main thread busy ${ratio(w, 'peer', 'busy')}×`);
}
// --post-cost 0 skips it (a --cpu-prof of the rounds alone).
if (arg('post-cost', 1) !== 0) for (const rows of [1, 5, 20]) {
  const c = await postCost(rows);
  console.log(`posting a batch of ${rows} completed record(s) to the thread (${(c.bytes / 1024).toFixed(1)} KB of parameters): ${c.perBatchUs.toFixed(1)} µs, ${c.perRowUs.toFixed(1)} µs per row`);
}
