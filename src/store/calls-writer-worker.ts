// The thread that writes call records on SQLite (issue 13): its own connection to the store's file, batches from ThreadRowsWriter.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import type { CallsTable } from './calls-repo.js';
import { BATCH_ROWS, upsertParameters } from './calls-upsert.js';
import type { FromWriter, ToWriter, WireError, WriterInit } from './calls-writer-protocol.js';
import { tuneSqlite } from './sqlite-pragmas.js';

const init = workerData as WriterInit;
const port = parentPort!;
// A failure here ends the thread before 'ready': the main thread then writes on its own connection.
const sqlite = new SqliteDatabase(init.file);
tuneSqlite(sqlite);

/** The upsert's SQL by row count, as sent; prepared at first use, inside the write that needs it, so a bad text fails that write, not the thread. */
const texts = new Map<number, string>();
/** Prepared once per row count; SQLite re-prepares a statement itself after a schema change. */
const statements = new Map<number, SqliteDatabase.Statement>();

function statement(count: number): SqliteDatabase.Statement {
  let stmt = statements.get(count);
  if (stmt === undefined) {
    const text = texts.get(count);
    // The main thread sends each count's SQL before the first batch that uses it; messages keep their order.
    if (text === undefined) throw new Error(`no upsert SQL for ${count} rows was sent to the writer thread`);
    stmt = sqlite.prepare(text);
    statements.set(count, stmt);
  }
  return stmt;
}

/** One statement's rows: at most BATCH_ROWS, their values bound row by row in COLUMNS order. */
interface Chunk {
  readonly count: number;
  readonly params: unknown[];
}

function chunksOf(rows: readonly CallsTable[]): Chunk[] {
  const chunks: Chunk[] = [];
  for (let i = 0; i < rows.length; i += BATCH_ROWS) {
    const chunk = i === 0 && rows.length <= BATCH_ROWS ? rows : rows.slice(i, i + BATCH_ROWS);
    chunks.push({ count: chunk.length, params: upsertParameters(chunk) });
  }
  return chunks;
}

// BEGIN IMMEDIATE: the write lock is taken (or waited for, busy_timeout) at the start, never upgraded halfway.
const inTransaction = sqlite.transaction((chunks: readonly Chunk[]) => {
  for (const c of chunks) statement(c.count).run(c.params);
});

function wire(err: unknown): WireError {
  const e = err as { code?: unknown; message?: unknown } | null;
  return { code: typeof e?.code === 'string' ? e.code : null, message: typeof e?.message === 'string' ? e.message : String(err) };
}

function write(m: Extract<ToWriter, { op: 'write' }>): FromWriter {
  const chunks = chunksOf(m.rows);
  let rows = 0;
  for (const c of chunks) rows += c.count;
  let statementsRun = chunks.length;
  try {
    // One statement is atomic on its own: a transaction only for a batch that needs several.
    if (chunks.length === 1) statement(chunks[0].count).run(chunks[0].params);
    else inTransaction.immediate(chunks);
    return { op: 'written', id: m.id, threadId, statements: statementsRun, errors: null };
  } catch (err) {
    if (rows === 1) return { op: 'written', id: m.id, threadId, statements: statementsRun, errors: [wire(err)] };
  }
  // The batch failed as a whole: each row alone, so one bad record fails only its own saves (as CallsRepo does inline).
  const errors: (WireError | null)[] = [];
  for (const c of chunks) {
    for (let r = 0; r < c.count; r++) {
      statementsRun++;
      try {
        statement(1).run(c.params.slice(r * init.width, (r + 1) * init.width));
        errors.push(null);
      } catch (err) {
        errors.push(wire(err));
      }
    }
  }
  return { op: 'written', id: m.id, threadId, statements: statementsRun, errors };
}

port.on('message', (m: ToWriter) => {
  switch (m.op) {
    case 'sql':
      texts.set(m.count, m.text);
      return;
    case 'write':
      port.postMessage(write(m));
      return;
    case 'close':
      sqlite.close();
      port.close();
      return;
  }
});
port.postMessage({ op: 'ready' } satisfies FromWriter);
