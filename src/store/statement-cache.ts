import type SqliteDatabase from 'better-sqlite3';

/** What Kysely's SqliteDialect needs of a database (its SqliteDatabase interface, with better-sqlite3's Statement). */
export interface StatementSource {
  prepare(sql: string): SqliteDatabase.Statement;
  close(): void;
}

/** Distinct SQL texts kept prepared: serve runs a few dozen (the record upsert by batch size, the directory's reads). */
export const STATEMENT_CACHE_SIZE = 100;

/** What the cache needs of better-sqlite3's Database (a test counts the prepares through it). */
export interface PreparingDatabase {
  prepare(sql: string): SqliteDatabase.Statement;
  close(): unknown;
}

/**
 * Kysely's SQLite driver calls prepare() for every query it runs, so SQLite parsed and planned
 * the same few statements again for every call (issue 13: ~2 % of serve's CPU under load).
 * This hands Kysely the Statement prepared before for the same SQL text. SQLite re-prepares a
 * statement itself after a schema change, so a kept one stays valid across migrations.
 *
 * A Statement that is busy — its iterate() still open, as Kysely's stream() leaves it until the
 * last row is read — cannot run again; a fresh one is prepared then and kept instead, and the
 * busy one stays with its iterator. Bounded, least recently used dropped first: the upsert's
 * text differs by row count, and a store read with ad-hoc SQL must not grow it without limit.
 */
export class StatementCache implements StatementSource {
  readonly #db: PreparingDatabase;
  readonly #limit: number;
  /** Map order is recency: a hit moves its text to the end, the first key is the one to drop. */
  readonly #statements = new Map<string, SqliteDatabase.Statement>();

  constructor(db: PreparingDatabase, limit = STATEMENT_CACHE_SIZE) {
    if (!(limit >= 1)) throw new RangeError(`statement cache size must be at least 1, got ${limit}`);
    this.#db = db;
    this.#limit = limit;
  }

  /** SQL texts held prepared now (never more than the limit). */
  get size(): number {
    return this.#statements.size;
  }

  prepare(sql: string): SqliteDatabase.Statement {
    const kept = this.#statements.get(sql);
    if (kept !== undefined) {
      this.#statements.delete(sql);
      if (!kept.busy) {
        this.#statements.set(sql, kept);
        return kept;
      }
    }
    const stmt = this.#db.prepare(sql);
    if (this.#statements.size >= this.#limit) this.#statements.delete(this.#statements.keys().next().value!);
    this.#statements.set(sql, stmt);
    return stmt;
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}
