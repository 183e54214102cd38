import { threadId } from 'node:worker_threads';
import { CompiledQuery, type Kysely } from 'kysely';
import { TrunklineError } from '../core/index.js';
import type { CallsDatabase, CallsTable } from './calls-repo.js';
import { BATCH_ROWS, UpsertSql, upsertParameters } from './calls-upsert.js';
import type { StoreErrorCode } from './errors.js';

/**
 * Where CallsRepo's batches are written (issue 13). 'inline': on the store's own connection, on
 * the thread that saves. 'thread': on a worker thread with a connection of its own to the same
 * SQLite file, so better-sqlite3's synchronous statements stop taking the event loop that runs
 * the SIP stack. openStore chooses: a thread for an SQLite file unless told 'inline'; inline for
 * PostgreSQL (its I/O is already asynchronous) and for an in-memory database (no other connection can open it).
 */
export type RecordWriterPlan = { readonly kind: 'inline' } | { readonly kind: 'thread'; readonly file: string };

/** A written batch: what became of each row, and where it was written. */
export interface WrittenBatch {
  /** Per row, in order: undefined when stored, else why not (STORE_WRITE_FAILED). */
  readonly errors: readonly (TrunklineError | undefined)[];
  /** The thread whose connection ran the statements (node:worker_threads threadId). */
  readonly threadId: number;
  /** Upsert statements run (one per BATCH_ROWS rows; one per row when the batch was retried row by row). */
  readonly statements: number;
}

export interface CallRowsWriter {
  /**
   * Upserts the rows (distinct call sids) in one transaction; if that fails, each row alone, so a
   * bad row fails only itself. Resolves once the rows are committed — a read on the store's
   * connection then sees them — and never rejects.
   */
  write(rows: readonly CallsTable[]): Promise<WrittenBatch>;
  /** Ends what the writer holds (the thread); later writes still go through. */
  close(): Promise<void>;
}

/** The typed error of a row the database refused; `cause` is the driver's error when it crossed no thread. */
export function writeFailed(callSid: string, driverCode: string | null, message: string, cause?: unknown): TrunklineError<StoreErrorCode> {
  return new TrunklineError<StoreErrorCode>('STORE_WRITE_FAILED', `call record ${callSid} was not stored: ${message}`, {
    ...(cause === undefined ? {} : { cause }), details: { call_sid: callSid, driver_code: driverCode },
  });
}

function refused(callSid: string, err: unknown): TrunklineError<StoreErrorCode> {
  const code = (err as { code?: unknown } | null)?.code;
  return writeFailed(callSid, typeof code === 'string' ? code : null, (err as Error | null)?.message ?? String(err), err);
}

/** The rows' call sids, in order: what a batch's errors are reported by once the rows are let go. */
export function callSidsOf(rows: readonly CallsTable[]): string[] {
  const sids = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) sids[i] = rows[i].call_sid;
  return sids;
}

/** A batch none of whose rows could be written (a writer that failed as a whole rather than per row), by the rows' call sids. */
export function everyRowFailed(callSids: readonly string[], err: unknown): WrittenBatch {
  return { errors: callSids.map((sid) => refused(sid, err)), threadId, statements: 0 };
}

/** Batches written on the store's Kysely instance, on this thread (PostgreSQL, in-memory SQLite, and serve --record-writer inline). */
export class InlineRowsWriter implements CallRowsWriter {
  readonly #db: Kysely<CallsDatabase>;
  readonly #sql: UpsertSql;

  constructor(db: Kysely<CallsDatabase>) {
    this.#db = db;
    this.#sql = new UpsertSql(db);
  }

  async write(rows: readonly CallsTable[]): Promise<WrittenBatch> {
    let statements = Math.ceil(rows.length / BATCH_ROWS);
    try {
      // One statement is atomic on its own: a transaction only for a batch that needs several (one round trip on PostgreSQL, not three).
      if (rows.length <= BATCH_ROWS) await this.#upsert(this.#db, rows);
      else {
        await this.#db.transaction().execute(async (trx) => {
          for (let i = 0; i < rows.length; i += BATCH_ROWS) await this.#upsert(trx, rows.slice(i, i + BATCH_ROWS));
        });
      }
      return { errors: rows.map(() => undefined), threadId, statements };
    } catch (err) {
      if (rows.length === 1) return { errors: [refused(rows[0].call_sid, err)], threadId, statements };
    }
    const errors: (TrunklineError | undefined)[] = [];
    for (const row of rows) {
      statements++;
      try {
        await this.#upsert(this.#db, [row]);
        errors.push(undefined);
      } catch (err) {
        errors.push(refused(row.call_sid, err));
      }
    }
    return { errors, threadId, statements };
  }

  async close(): Promise<void> {}

  async #upsert(db: Kysely<CallsDatabase>, rows: readonly CallsTable[]): Promise<void> {
    await db.executeQuery(CompiledQuery.raw(this.#sql.for(rows.length), upsertParameters(rows)));
  }
}
