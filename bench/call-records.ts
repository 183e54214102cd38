/**
 * bench/call-records (issue 13, "batch the store writes"): what writing the edge's call records
 * costs on SQLite, without SIPp, the simulator and the SIP stack around it — on this shared box
 * those make edge-cps's CPU per call swing by more than the store's whole share.
 *
 *   node dist/bench/call-records.js [--rate 250] [--seconds 10] [--hold-ms 3] [--rounds 3]
 *
 * `--rate` calls per second, each saved as serve saves a short call: its in-progress record at
 * the answer (6 traced messages), its completed record `--hold-ms` later (12 messages, the same
 * first six entries plus six), both through CallsRepo on a fresh SQLite store opened as serve
 * opens it (WAL, the statement cache, serve's save window). Printed per round: the process's CPU
 * milliseconds per call (user + system, every thread: GC helpers included), and the rows and
 * statements SQLite saw. The peer, in the same process and alternating with it round by round:
 * the same records written through one better-sqlite3 statement prepared once, every save of a
 * turn in one transaction, rows stringified whole — the floor a hand-written store would reach.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { CallsRepo, openStore, SAVE_WINDOW_MS, type CallRecord, type CallsDatabase, type TraceEntry } from '../src/store/index.js';

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

async function trunkline(file: string): Promise<Writer> {
  const store = await openStore({ kind: 'sqlite', file });
  await store.migrate();
  const db = store.db as unknown as Kysely<CallsDatabase>;
  let statements = 0;
  let rows = 0n;
  // Counted as answered (the upsert may be sent precompiled, which no plugin's transformQuery sees).
  const counted = db.withPlugin({
    transformQuery: (a) => a.node,
    transformResult: async (a) => {
      if (a.result.numAffectedRows !== undefined) {
        statements++;
        rows += a.result.numAffectedRows;
      }
      return a.result;
    },
  });
  // serve's window on SQLite (a build without one ignores the option).
  const repo = new CallsRepo(counted, { windowMs: SAVE_WINDOW_MS });
  return {
    save: (r) => repo.save(r),
    drain: () => repo.drain(),
    close: () => store.close(),
    counts: () => `${rows} rows in ${statements} statements`,
  };
}

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

/** RATE calls/s for SECONDS (a tick every 10 ms), each saved at its answer and HOLD_MS later; CPU from the first save to the last commit. */
async function run(name: string, open: (file: string) => Promise<Writer> | Writer, round: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-bench-records-'));
  const w = await open(join(dir, 'calls.db'));
  const total = Math.round(RATE * SECONDS);
  const perTick = RATE / 100;
  const calls = Array.from({ length: total }, (_, i) => call(`CA${round}${name[0]}${String(i).padStart(26, '0')}`));
  const saves: Promise<void>[] = [];
  const cpu0 = process.cpuUsage();
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
    }, 10);
  });
  await Promise.all(saves);
  await w.drain();
  const used = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  const ms = (used.user + used.system) / 1000 / total;
  console.log(`${name.padEnd(9)} round ${round}: ${total} calls at ${RATE}/s in ${wall.toFixed(1)} s, ${ms.toFixed(3)} CPU ms/call (${w.counts()})`);
  await w.close();
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours: number[] = [];
const theirs: number[] = [];
console.log(`call-records: ${RATE} calls/s × ${SECONDS} s, 2 saves per call ${HOLD_MS} ms apart, ${ROUNDS} rounds alternating`);
// A round of each, not counted: V8 optimises the hot paths first.
await run('warm-up', trunkline, 0);
for (let r = 1; r <= ROUNDS; r++) {
  ours.push(await run('trunkline', trunkline, r));
  theirs.push(await run('peer', peer, r));
}
console.log(`median CPU per call: trunkline ${median(ours).toFixed(3)} ms, peer (one prepared better-sqlite3 statement) ${median(theirs).toFixed(3)} ms; ratio ${(median(ours) / median(theirs)).toFixed(2)}`);
