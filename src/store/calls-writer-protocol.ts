import type { CallsTable } from './calls-repo.js';

// Messages between ThreadRowsWriter (main thread) and calls-writer-worker (the thread that writes call records on SQLite).

/** What the thread is started with. */
export interface WriterInit {
  /** The store's SQLite file: the thread opens a connection of its own to it. */
  readonly file: string;
  /** Values per row (the upsert's columns). */
  readonly width: number;
}

/** A driver error as plain data: SQLite's code (SQLITE_CONSTRAINT_NOTNULL, SQLITE_BUSY, …) and message. */
export interface WireError {
  readonly code: string | null;
  readonly message: string;
}

export type ToWriter =
  /** The upsert's SQL for `count` rows, sent once per thread before the first batch that needs it. */
  | { readonly op: 'sql'; readonly count: number; readonly text: string }
  /**
   * One batch: its rows, cloned by postMessage. The thread binds them BATCH_ROWS at a time, one
   * statement each, all in one transaction; if that fails, each row alone with the one-row SQL
   * (sent before).
   */
  | { readonly op: 'write'; readonly id: number; readonly rows: readonly CallsTable[] }
  /** Close the connection and end the thread once the batches before it are written. */
  | { readonly op: 'close' };

export type FromWriter =
  /** The connection is open and set up: a loss after this is a crash, not a failure to start. */
  | { readonly op: 'ready' }
  /**
   * A batch is committed (or, row by row, settled): `errors` is null when every row is stored, else
   * per row null (stored) or why not. Sent after COMMIT returns, so a read on another connection sees it.
   */
  | { readonly op: 'written'; readonly id: number; readonly threadId: number; readonly statements: number; readonly errors: readonly (WireError | null)[] | null };
