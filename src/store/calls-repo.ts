import { channel } from 'node:diagnostics_channel';
import type { Kysely } from 'kysely';
import type { Worker } from 'node:worker_threads';
import { hiddenSlot, type TrunklineError } from '../core/index.js';
import type { Finding } from '../diagnosis/index.js';
import { BATCH_ROWS, UpsertSql } from './calls-upsert.js';
import { InlineRowsWriter, callSidsOf, everyRowFailed, type CallRowsWriter, type RecordWriterPlan, type WrittenBatch } from './calls-writer.js';
import { ThreadRowsWriter } from './calls-writer-thread.js';
import type { StoreErrorCode } from './errors.js';

export { upsertParameters, upsertQuery, upsertSql } from './calls-upsert.js';

/**
 * Call records: one per attempt, edge refusals included (SPEC §1 "the calls API"). The edge
 * builds them, this repo keeps them; findings, the event timeline, the SIP trace and media
 * stats are JSON columns because they are read whole with the record and never queried into.
 */
export type CallDirection = 'inbound' | 'outbound';
export type FinalBy = 'edge' | 'carrier' | 'customer';
export type CallStatus = 'in-progress' | 'completed' | 'failed' | 'refused';

export interface TraceEntry {
  /** UTC ISO 8601 with milliseconds: the ladder needs sub-second order. */
  readonly at: string;
  /** Which side of the B2BUA the message crossed. */
  readonly leg: 'customer' | 'carrier';
  readonly direction: 'in' | 'out';
  readonly transport: string;
  readonly src: string;
  readonly dst: string;
  /** Start line, for the ladder. */
  readonly summary: string;
  readonly message: string;
  /**
   * A received UDP message only, when ≥ 1 ms: how long it had waited in serve's receive queue
   * before the stack read it at `at` (an estimate from the queue probe, good to its 0.1 s
   * interval). It crossed the host's network that much earlier: what a capture there shows.
   */
  readonly queued_ms?: number;
}

/** When the entry's message crossed the host's network (ms since the epoch): `at`, less its wait in the receive queue. */
export function onTheWireAt(entry: TraceEntry): number {
  return Date.parse(entry.at) - (entry.queued_ms ?? 0);
}

export interface CallEvent {
  readonly at: string;
  /** auth, acl, route, failover, answer, bye, rtp-timeout, … */
  readonly kind: string;
  readonly detail: string;
}

export interface CallRecord {
  readonly call_sid: string;
  readonly account_sid: string | null;
  readonly trunk_sid: string | null;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  readonly source_address: string;
  readonly transport: string;
  readonly sip_call_id: string;
  readonly status: CallStatus;
  /** UTC ISO 8601, seconds, 'Z' offset (SPEC §1 timestamp rule). */
  readonly started_at: string;
  readonly answered_at: string | null;
  readonly ended_at: string | null;
  readonly final_code: number | null;
  readonly final_reason: string | null;
  readonly final_by: FinalBy | null;
  /** Why the call ended once up: bye-customer, bye-carrier, rtp-timeout, cancel, … */
  readonly end_cause: string | null;
  readonly edge_cause: string | null;
  readonly duration_s: number | null;
  readonly setup_ms: number | null;
  readonly findings: readonly Finding[];
  readonly events: readonly CallEvent[];
  readonly trace: readonly TraceEntry[];
  readonly media: unknown;
  /** The edge node that carried the call (serve --node-id); null in records written before it existed. */
  readonly node_id: string | null;
}

export interface CallsTable {
  call_sid: string;
  account_sid: string | null;
  trunk_sid: string | null;
  direction: string;
  from_number: string;
  to_number: string;
  source_address: string;
  transport: string;
  sip_call_id: string;
  status: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  final_code: number | null;
  final_reason: string | null;
  final_by: string | null;
  end_cause: string | null;
  edge_cause: string | null;
  duration_s: number | null;
  setup_ms: number | null;
  findings: string;
  events: string;
  trace: string;
  media: string | null;
  node_id: string | null;
}

export interface CallsDatabase {
  calls: CallsTable;
}

export interface CallQuery {
  readonly accountSid: string;
  readonly trunkSid?: string;
  readonly status?: CallStatus;
  readonly code?: number;
  /** Inclusive ISO bounds on started_at. */
  readonly from?: string;
  readonly to?: string;
  readonly offset: number;
  readonly limit: number;
}

/** The port the edge writes through; the API reads through the same repo. */
export interface CallRecordStore {
  /** Upsert. Saves of one call are stored in the order they are made, whether or not the earlier ones were awaited (the edge relies on it). */
  save(record: CallRecord): Promise<void>;
  get(accountSid: string, callSid: string): Promise<CallRecord | undefined>;
  list(query: CallQuery): Promise<{ readonly items: readonly CallRecord[]; readonly total: number }>;
}

/** The row a record is stored as (its arrays and media as JSON text). */
export function toRow(r: CallRecord): CallsTable {
  return {
    call_sid: r.call_sid, account_sid: r.account_sid, trunk_sid: r.trunk_sid, direction: r.direction,
    from_number: r.from, to_number: r.to, source_address: r.source_address, transport: r.transport,
    sip_call_id: r.sip_call_id, status: r.status, started_at: r.started_at, answered_at: r.answered_at,
    ended_at: r.ended_at, final_code: r.final_code, final_reason: r.final_reason, final_by: r.final_by,
    end_cause: r.end_cause, edge_cause: r.edge_cause, duration_s: r.duration_s, setup_ms: r.setup_ms,
    findings: JSON.stringify(r.findings), events: JSON.stringify(r.events), trace: traceJson(r.trace),
    media: r.media === undefined || r.media === null ? null : JSON.stringify(r.media),
    node_id: r.node_id,
  };
}

/**
 * Each entry's JSON, by entry: a call's record is saved at its answer, at every live refresh
 * and at its end with the same entry objects plus new ones (issue 13: the whole trace was
 * stringified again each time). Entries are readonly; the text is the same as stringifying
 * the array whole. Exported for other threads that take a record: one string is cloned far
 * faster than an array of entries, and the row reuses the same entries' text.
 */
const ENTRY_JSON = hiddenSlot<string>();

export function traceJson(trace: readonly TraceEntry[]): string {
  // Joined, not concatenated: a chain of `+=` is a cons string, which v8.serialize (the writer
  // thread's batch) and postMessage flatten first — one more copy of every call's trace, ~15 KB
  // (WriteToFlat ~1 % of serve's SIP thread, issue 13). join writes one flat string.
  const parts: string[] = ['['];
  for (let i = 0; i < trace.length; i++) {
    const t = trace[i];
    let json = ENTRY_JSON.get(t);
    if (json === undefined) {
      json = JSON.stringify(t);
      ENTRY_JSON.set(t, json);
    }
    if (i > 0) parts.push(',');
    parts.push(json);
  }
  parts.push(']');
  return parts.join('');
}

function fromRow(row: CallsTable): CallRecord {
  return {
    call_sid: row.call_sid, account_sid: row.account_sid, trunk_sid: row.trunk_sid,
    direction: row.direction as CallDirection, from: row.from_number, to: row.to_number,
    source_address: row.source_address, transport: row.transport, sip_call_id: row.sip_call_id,
    status: row.status as CallStatus, started_at: row.started_at, answered_at: row.answered_at,
    ended_at: row.ended_at, final_code: row.final_code === null ? null : Number(row.final_code),
    final_reason: row.final_reason, final_by: row.final_by as FinalBy | null, end_cause: row.end_cause,
    edge_cause: row.edge_cause, duration_s: row.duration_s === null ? null : Number(row.duration_s),
    setup_ms: row.setup_ms === null ? null : Number(row.setup_ms),
    findings: JSON.parse(row.findings) as Finding[], events: JSON.parse(row.events) as CallEvent[],
    trace: JSON.parse(row.trace) as TraceEntry[], media: row.media === null ? null : (JSON.parse(row.media) as unknown),
    node_id: row.node_id ?? null,
  };
}

interface Pending {
  /**
   * The last version saved, turned into a row only when its batch is written: a version replaced
   * before then (a short call's answer record) is never stringified. A record is a snapshot
   * (readonly; the edge's recorder copies its arrays into each one), so converting it later writes
   * what was saved. undefined once it is a row (rowsOf).
   */
  record: CallRecord | undefined;
  readonly waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

/** What a save waits on. */
type Waiters = Pending['waiters'];

function settleWaiters(waiters: Waiters, err?: unknown): void {
  for (const w of waiters) if (err === undefined) w.resolve(); else w.reject(err);
}

/**
 * A batch's rows and its saves' waiters — and nothing more: built before the async #write, whose
 * suspended frame keeps its arguments and registers, so the records (a call's trace entries, evidence, events)
 * are not held through the write's round trip. Kept, every call's record outlived two scavenges
 * and was promoted to the old generation (issue 13). A record that cannot be made a row fails its saves here.
 */
function rowsOf(pending: readonly Pending[]): { rows: CallsTable[]; batch: Waiters[] } {
  const rows: CallsTable[] = [];
  const batch: Waiters[] = [];
  for (const p of pending) {
    const { record } = p;
    // Let go of the record here, in the entry every table of the pending map shares: a map that
    // lived through two scavenges (a write slow to come back under load) or a full GC is old, and
    // dropped with the record in it, it would keep the call's whole record alive through the
    // scavenges until the next full GC (issue 13; see core/churn-map.ts).
    p.record = undefined;
    if (record === undefined) continue;
    try {
      rows.push(toRow(record));
      batch.push(p.waiters);
    } catch (err) {
      settleWaiters(p.waiters, err);
    }
  }
  return { rows, batch };
}

/**
 * How long serve on SQLite lets the first save of a batch wait for others (issue 13). Long
 * enough that a short call's answer save and its final save are one row write, and that at a few
 * hundred calls/s several calls share a statement and a commit; short enough not to be seen: the
 * console's live calls are published when a save is committed (CallFeed), so they lag by at most
 * this, and the API never waits for it — every read drains (writes what is pending at once)
 * before it runs. A kill -9 loses what is pending: at most this much of the latest saves.
 * Not on PostgreSQL: there other nodes read the table without draining this repo (their API, a
 * survivor closing a lost node's calls), and a call answered here must be there for them at once.
 */
export const SAVE_WINDOW_MS = 10;

export interface CallsRepoOptions {
  /**
   * How long the first pending save waits for others before its batch is written, in ms; 0, the
   * default, writes at the end of the event-loop turn. serve passes SAVE_WINDOW_MS on SQLite.
   */
  readonly windowMs?: number;
  /**
   * Where batches are written: inline (the default) on `db`, or by a worker thread on its own
   * connection to the SQLite file — serve passes the store's `recordWriter` (a thread on an SQLite file).
   */
  readonly writer?: RecordWriterPlan;
  /** Told when the writer thread ends unexpectedly (STORE_WRITER_LOST); no save is lost to it. */
  readonly onWriterLost?: (err: TrunklineError<StoreErrorCode>) => void;
}

/** What is published on callsWrittenChannel for each batch written. */
export interface CallsWritten {
  readonly rows: number;
  /** Rows the database refused (their saves rejected with STORE_WRITE_FAILED). */
  readonly failed: number;
  readonly statements: number;
  /** The thread whose connection wrote them (node:worker_threads threadId): the main thread's unless the writer is a thread. */
  readonly threadId: number;
}

/** Each batch of call records written, after its commit: bench/call-records counts rows and statements on it. */
export const callsWrittenChannel = channel('trunkline:store:calls-written');

export class CallsRepo implements CallRecordStore {
  readonly #db: Kysely<CallsDatabase>;
  readonly #windowMs: number;
  readonly #writer: CallRowsWriter;
  /** Saves not yet written, by call sid: a call saved twice before the next write is written once, last version. */
  #pending = new Map<string, Pending>();
  /** When the oldest pending save was made (performance.now()). */
  #oldestAt = 0;
  #flushing: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;

  /** Takes the store's Kysely instance; only the `calls` table is touched. */
  constructor(db: Kysely<CallsDatabase>, options: CallsRepoOptions = {}) {
    this.#db = db;
    this.#windowMs = options.windowMs ?? 0;
    const inline = new InlineRowsWriter(db);
    this.#writer = options.writer?.kind === 'thread'
      ? new ThreadRowsWriter({ file: options.writer.file, sql: new UpsertSql(db), fallback: inline, ...(options.onWriterLost ? { onLost: options.onWriterLost } : {}) })
      : inline;
  }

  /** The writer thread while it runs (tests end it to check recovery); undefined when batches are written inline. */
  get writerThread(): Worker | undefined {
    return this.#writer instanceof ThreadRowsWriter ? this.#writer.worker : undefined;
  }

  /**
   * Upsert: a record is written at refusal/answer, at live refreshes and at the end of the call.
   * Saves are gathered for the window from the first one (one event-loop turn without one; at
   * once when a full statement's rows are pending) and written in one transaction (issue 13: one statement per save was the
   * edge's largest store cost at a few hundred calls/s); the promise settles when the record's
   * batch is committed, so an awaited save is stored as before. A record the database refuses
   * rejects its saves with STORE_WRITE_FAILED.
   */
  save(record: CallRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queued = this.#pending.get(record.call_sid);
      if (queued) {
        queued.record = record;
        queued.waiters.push({ resolve, reject });
      } else {
        if (this.#pending.size === 0) this.#oldestAt = performance.now();
        this.#pending.set(record.call_sid, { record, waiters: [{ resolve, reject }] });
      }
      this.#schedule();
    });
  }

  /** Writes every save made so far, without waiting for the window; reads and shutdown wait for it so they see what was saved. */
  async drain(): Promise<void> {
    while (this.#flushing || this.#pending.size > 0) {
      if (!this.#flushing) this.#flush();
      await this.#flushing;
    }
  }

  /** Writes what is pending, then ends the writer thread; the repo stays usable (reads, and saves written inline). serve's shutdown, before the store closes. */
  async close(): Promise<void> {
    await this.drain();
    await this.#writer.close();
    // A save made while the thread was ending went to the main connection; it is written before the store closes too.
    await this.drain();
  }

  /** Plans the next write: none while one is running (its end plans again), at once when the window has passed or a statement is full. */
  #schedule(): void {
    if (this.#flushing || this.#pending.size === 0 || this.#immediate) return;
    const wait = this.#windowMs - (performance.now() - this.#oldestAt);
    if (wait > 0 && this.#pending.size < BATCH_ROWS) {
      this.#timer ??= setTimeout(() => this.#flush(), wait);
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    // After the current turn's I/O, not inside the caller's save().
    this.#immediate = setImmediate(() => this.#flush());
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    if (this.#flushing || this.#pending.size === 0) return;
    const { rows, batch } = rowsOf([...this.#pending.values()]);
    this.#pending = new Map();
    if (batch.length === 0) return; // every record failed to become a row, and its saves are settled
    this.#flushing = this.#write(this.#send(rows), rows.length, batch).finally(() => {
      this.#flushing = undefined;
      this.#schedule();
    });
  }

  /**
   * The batch's rows to the writer: one transaction, and if it fails each record alone, so one bad
   * record fails only its own saves. Writers settle every row themselves and never reject; the
   * catch only keeps a bug in one from leaving saves unsettled — it holds the sids, not the rows.
   */
  #send(rows: readonly CallsTable[]): Promise<WrittenBatch> {
    const sids = callSidsOf(rows);
    return this.#writer.write(rows).catch((err: unknown) => everyRowFailed(sids, err));
  }

  /**
   * Settles the batch's saves as the writer reports. Only one batch is written at a time, so a
   * call's later save is written after its earlier one, whichever thread writes them.
   */
  async #write(sent: Promise<WrittenBatch>, rows: number, batch: readonly Waiters[]): Promise<void> {
    const written = await sent;
    let failed = 0;
    for (let i = 0; i < batch.length; i++) {
      const err = written.errors[i];
      if (err !== undefined) failed++;
      settleWaiters(batch[i], err);
    }
    if (callsWrittenChannel.hasSubscribers) {
      callsWrittenChannel.publish({ rows, failed, statements: written.statements, threadId: written.threadId } satisfies CallsWritten);
    }
  }

  /** Calls a node left in progress (issue 15: a survivor closes them when that node is lost). */
  async inProgressOn(nodeId: string): Promise<readonly CallRecord[]> {
    await this.drain();
    const rows = await this.#db.selectFrom('calls').selectAll().where('node_id', '=', nodeId).where('status', '=', 'in-progress').execute();
    return rows.map(fromRow);
  }

  /**
   * Writes `record` only over a row still in progress: two survivors, or the lost node coming
   * back with its final write, cannot both close a call.
   */
  async closeInProgress(record: CallRecord): Promise<boolean> {
    await this.drain();
    const { call_sid: sid, ...rest } = toRow(record);
    const result = await this.#db.updateTable('calls').set(rest).where('call_sid', '=', sid).where('status', '=', 'in-progress').executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async get(accountSid: string, callSid: string): Promise<CallRecord | undefined> {
    await this.drain();
    const row = await this.#db.selectFrom('calls').selectAll().where('call_sid', '=', callSid).where('account_sid', '=', accountSid).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Any account's call by its sid: for the operator's tools on the store (`trunkline bundle`), never the API. */
  async getBySid(callSid: string): Promise<CallRecord | undefined> {
    await this.drain();
    const row = await this.#db.selectFrom('calls').selectAll().where('call_sid', '=', callSid).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Operator level (`trunkline calls list`): newest first across every account, records without one included. */
  async listAll(q: { readonly limit: number; readonly offset: number; readonly accountSid?: string }): Promise<readonly CallRecord[]> {
    await this.drain();
    let base = this.#db.selectFrom('calls');
    if (q.accountSid) base = base.where('account_sid', '=', q.accountSid);
    const rows = await base.selectAll().orderBy('started_at', 'desc').orderBy('call_sid', 'desc').limit(q.limit).offset(q.offset).execute();
    return rows.map(fromRow);
  }

  async list(q: CallQuery): Promise<{ readonly items: readonly CallRecord[]; readonly total: number }> {
    await this.drain();
    let base = this.#db.selectFrom('calls').where('account_sid', '=', q.accountSid);
    if (q.trunkSid) base = base.where('trunk_sid', '=', q.trunkSid);
    if (q.status) base = base.where('status', '=', q.status);
    if (q.code !== undefined) base = base.where('final_code', '=', q.code);
    if (q.from) base = base.where('started_at', '>=', q.from);
    if (q.to) base = base.where('started_at', '<=', q.to);
    const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const rows = await base.selectAll().orderBy('started_at', 'desc').orderBy('call_sid', 'desc').limit(q.limit).offset(q.offset).execute();
    return { items: rows.map(fromRow), total: Number(count?.n ?? 0) };
  }
}
