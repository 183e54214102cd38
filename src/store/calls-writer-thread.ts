import { Worker } from 'node:worker_threads';
import { ChurnMap, TrunklineError } from '../core/index.js';
import type { CallsTable } from './calls-repo.js';
import { BATCH_ROWS, COLUMNS, type UpsertSql } from './calls-upsert.js';
import type { FromWriter, ToWriter, WriterInit } from './calls-writer-protocol.js';
import { callSidsOf, everyRowFailed, writeFailed, type CallRowsWriter, type WrittenBatch } from './calls-writer.js';
import type { StoreErrorCode } from './errors.js';
import { SQLITE_BUSY_TIMEOUT_MS } from './sqlite-pragmas.js';

/** Losses of the thread after which batches are written on the main thread for good: a thread that keeps dying is not restarted forever. */
export const MAX_WRITER_LOSSES = 3;

/** How long close() lets the thread finish before terminating it: more than one write's wait for the lock. */
const CLOSE_TIMEOUT_MS = 2 * SQLITE_BUSY_TIMEOUT_MS;

/**
 * A batch posted and not yet acknowledged: its rows, written again from them if the thread is
 * lost, and whose call sids name the errors the thread reports. Kept as the rows, not as bytes
 * of node:v8's serialize: each batch serialized that way had its rows — the trace's JSON, ~16 KB a
 * call — survive two scavenges and be promoted, ~10 KB a call at 250 calls/s (`--trace-gc-nvp`;
 * the serializer's map of what it wrote is a GC root while the serializer lives). Rows held for
 * the round trip (a few ms) die young under serve's V8 settings; with V8's allocation-site
 * pretenuring on, holding them was enough for V8 to pretenure the literals of every call's
 * objects (app/serve-v8.ts, issue 13).
 */
interface InFlight {
  readonly rows: readonly CallsTable[];
  readonly resolve: (batch: WrittenBatch) => void;
}

/** One worker's life: the batches posted to it and not yet acknowledged, the SQL texts it holds. */
class WriterThread {
  readonly worker: Worker;
  readonly inFlight = new ChurnMap<number, InFlight>();
  readonly knownSql = new Set<number>();
  /** It opened its connection: a loss after this is a crash, before it a failure to start. */
  ready = false;
  /** close() asked it to end. */
  closing = false;
  error: unknown;
  readonly exited: Promise<void>;
  #exited!: () => void;

  constructor(worker: Worker) {
    this.worker = worker;
    this.exited = new Promise<void>((resolve) => (this.#exited = resolve));
  }

  markExited(): void {
    this.#exited();
  }
}

export interface ThreadRowsWriterOptions {
  /** The store's SQLite file (WAL): the thread opens its own connection to it. */
  readonly file: string;
  /** The upsert's SQL by row count, compiled by Kysely on the main thread (the thread has no Kysely). */
  readonly sql: UpsertSql;
  /** The store's own connection: batches a lost thread left unacknowledged, and every batch once the thread is given up. */
  readonly fallback: CallRowsWriter;
  /** Told of each unexpected end of the thread (STORE_WRITER_LOST); serve logs it. */
  readonly onLost?: (err: TrunklineError<StoreErrorCode>) => void;
}

/**
 * Call-record batches written by a worker thread on its own connection to the SQLite file
 * (issue 13: the upserts were ~9 % of serve's busy main thread at 250 calls/s, run synchronously
 * on the event loop that also runs the SIP stack). The main thread builds the rows and posts
 * their parameters (structured clone); the thread runs the same statement, transaction and
 * row-by-row retry as InlineRowsWriter, and acknowledges after COMMIT, so a batch resolves only
 * once a read on the main connection sees it (WAL).
 *
 * The thread starts at the first write. If it ends unexpectedly (a crash, terminate()), the
 * batches it had not acknowledged are written again on the main connection — an upsert of the
 * same rows, so whether the thread committed them first or not the row is the same, and the next
 * batch waits for that, so a call's saves keep their order — and the next write starts a new
 * thread; after MAX_WRITER_LOSSES, or if the thread could not open the database at all, every
 * batch is written on the main connection. A save is never lost to a thread nor left unsettled.
 */
export class ThreadRowsWriter implements CallRowsWriter {
  readonly #file: string;
  readonly #sql: UpsertSql;
  readonly #fallback: CallRowsWriter;
  readonly #onLost: ((err: TrunklineError<StoreErrorCode>) => void) | undefined;
  #thread: WriterThread | undefined;
  #losses = 0;
  #closed = false;
  #nextId = 0;
  /** A lost thread's batches being written again: later batches wait for them. */
  #replaying: Promise<void> | undefined;

  constructor(options: ThreadRowsWriterOptions) {
    this.#file = options.file;
    this.#sql = options.sql;
    this.#fallback = options.fallback;
    this.#onLost = options.onLost;
  }

  /** The running thread (tests end it to check recovery); undefined before the first write, after close and once given up. */
  get worker(): Worker | undefined {
    return this.#thread?.worker;
  }

  /** False once the batches go to the main connection for good (given up after losses, or closed). */
  get threaded(): boolean {
    return !this.#closed && this.#losses < MAX_WRITER_LOSSES;
  }

  async write(rows: readonly CallsTable[]): Promise<WrittenBatch> {
    while (this.#replaying) await this.#replaying;
    if (!this.threaded) return this.#fallback.write(rows);
    const thread = (this.#thread ??= this.#start());
    let posted: Promise<WrittenBatch>;
    try {
      posted = this.#post(thread, rows);
    } catch {
      // A value postMessage cannot clone (DataCloneError): the main connection binds what it can and fails the rest as typed errors.
      return this.#fallback.write(rows).catch((err: unknown) => everyRowFailed(callSidsOf(rows), err));
    }
    return posted;
  }

  /** Posts a batch, kept until the thread acknowledges it. Throws (DataCloneError), having posted no batch, when a row cannot be cloned. */
  #post(thread: WriterThread, rows: readonly CallsTable[]): Promise<WrittenBatch> {
    const id = ++this.#nextId;
    const count = rows.length;
    for (let i = 0; i < count; i += BATCH_ROWS) this.#sendSql(thread, Math.min(BATCH_ROWS, count - i));
    // The row-by-row retry of a failed batch runs the one-row statement.
    if (count > 1) this.#sendSql(thread, 1);
    thread.worker.postMessage({ op: 'write', id, rows } satisfies ToWriter);
    return new Promise<WrittenBatch>((resolve) => {
      thread.inFlight.set(id, { rows, resolve });
      // Held open only while a batch is on its way: an idle writer never keeps the process alive.
      if (thread.inFlight.size === 1) thread.worker.ref();
    });
  }

  /** Waits for the batches posted so far, then ends the thread; later writes go to the main connection. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#replaying) await this.#replaying;
    const thread = this.#thread;
    if (!thread) return;
    thread.closing = true;
    thread.worker.ref();
    thread.worker.postMessage({ op: 'close' } satisfies ToWriter);
    const timer = setTimeout(() => void thread.worker.terminate(), CLOSE_TIMEOUT_MS);
    await thread.exited;
    clearTimeout(timer);
    while (this.#replaying) await this.#replaying;
  }

  #sendSql(thread: WriterThread, count: number): void {
    if (thread.knownSql.has(count)) return;
    thread.worker.postMessage({ op: 'sql', count, text: this.#sql.for(count) } satisfies ToWriter);
    thread.knownSql.add(count);
  }

  #start(): WriterThread {
    const init: WriterInit = { file: this.#file, width: COLUMNS.length };
    const thread = new WriterThread(new Worker(new URL('./calls-writer-worker.js', import.meta.url), { workerData: init }));
    thread.worker.unref();
    thread.worker.on('message', (m: FromWriter) => {
      if (m.op === 'ready') {
        thread.ready = true;
        return;
      }
      const batch = thread.inFlight.get(m.id);
      if (!batch) return;
      thread.inFlight.delete(m.id);
      if (thread.inFlight.size === 0 && !thread.closing) thread.worker.unref();
      batch.resolve({
        errors: m.errors === null ? batch.rows.map(() => undefined) : m.errors.map((e, i) => (e === null ? undefined : writeFailed(batch.rows[i].call_sid, e.code, e.message))),
        threadId: m.threadId,
        statements: m.statements,
      });
    });
    // 'exit' follows; the error only names the cause.
    thread.worker.on('error', (err) => (thread.error = err));
    thread.worker.on('exit', (code) => this.#exited(thread, code));
    return thread;
  }

  #exited(thread: WriterThread, code: number): void {
    if (this.#thread === thread) this.#thread = undefined;
    const lost = [...thread.inFlight.values()];
    thread.inFlight.clear();
    if (!(thread.closing && lost.length === 0 && thread.error === undefined)) {
      // A thread that never opened the database will not open it next time either.
      if (!thread.ready) this.#losses = MAX_WRITER_LOSSES;
      else this.#losses++;
      const rows = lost.reduce((n, b) => n + b.rows.length, 0);
      const next = this.threaded ? 'a new thread' : 'the main connection';
      const why = thread.error === undefined ? '' : `: ${(thread.error as Error).message ?? String(thread.error)}`;
      this.#onLost?.(new TrunklineError<StoreErrorCode>('STORE_WRITER_LOST',
        `the call-record writer thread ${thread.ready ? 'exited' : 'could not start'} (exit code ${code}${why}); ` +
        `${rows} unacknowledged record(s) are written again on the main connection; later batches go to ${next}`,
        { ...(thread.error === undefined ? {} : { cause: thread.error }), details: { exit_code: code, batches: lost.length, rows, next: this.threaded ? 'thread' : 'main' } }));
    }
    if (lost.length > 0) {
      const replaying: Promise<void> = (async () => {
        for (const batch of lost) batch.resolve(await this.#fallback.write(batch.rows).catch((err: unknown) => everyRowFailed(callSidsOf(batch.rows), err)));
      })().finally(() => {
        if (this.#replaying === replaying) this.#replaying = undefined;
      });
      this.#replaying = replaying;
    }
    thread.markExited();
  }
}
