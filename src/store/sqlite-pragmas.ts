import type SqliteDatabase from 'better-sqlite3';

/**
 * The settings of every connection to the SQLite store: the main one (openStore) and the
 * call-record writer thread's own (issue 13), which must behave the same on the same file.
 *
 * WAL: readers never block the writer, and a connection's reads see what another connection
 * has committed. synchronous=NORMAL in WAL mode keeps every committed transaction across a
 * crash of the process (kill -9: the WAL is in the OS cache); only a power loss or OS crash may
 * undo the last commits, which FULL would prevent at the price of one fsync per write.
 * busy_timeout: two connections now write the file (the API's provisioning writes on the main
 * one, call records on the thread's); the one that finds the write lock taken waits for it
 * instead of failing with SQLITE_BUSY.
 */
export function tuneSqlite(sqlite: SqliteDatabase.Database): void {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
}

/** How long a connection waits for another's write lock before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** A database no other connection can open (SQLite's in-memory and temporary databases): only its own connection may write it. */
export function isPrivateSqlite(file: string): boolean {
  return file === ':memory:' || file === '' || file.startsWith('file::memory:');
}
