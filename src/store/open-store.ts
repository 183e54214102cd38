import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { TrunklineError } from '../core/index.js';
import type { DialectName, StoreLocation } from './dialect.js';
import type { Database } from './schema.js';
import { MIGRATIONS, type StoreMigration } from './migrations/index.js';
import { applyMigrations } from './migrate.js';
import { StatementCache } from './statement-cache.js';
import type { RecordWriterPlan } from './calls-writer.js';
import { isPrivateSqlite, tuneSqlite } from './sqlite-pragmas.js';

/** An open store: the Kysely instance every repo is built on, its dialect, and close(). */
export interface StoreConnection {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Applies pending migrations; returns the names applied by this call. */
  migrate(): Promise<readonly string[]>;
  close(): Promise<void>;
  /** Where call records are written (CallsRepoOptions.writer): a thread of their own on an SQLite file, unless opened with recordWriter 'inline'. */
  readonly recordWriter: RecordWriterPlan;
}

/** 'thread': call records written by a worker thread on its own connection (SQLite file only); 'inline': on the store's connection. */
export type RecordWriterMode = 'thread' | 'inline';

export interface OpenStoreOptions {
  /** Migrations to apply; defaults to MIGRATIONS. */
  readonly migrations?: readonly StoreMigration[];
  /**
   * How call records are written; 'thread', the default, applies to an SQLite file only: PostgreSQL's
   * I/O is already off the event loop, and an in-memory database cannot be opened by a second connection.
   */
  readonly recordWriter?: RecordWriterMode;
}

export async function openStore(location: StoreLocation, options: OpenStoreOptions = {}): Promise<StoreConnection> {
  const migrations = options.migrations ?? MIGRATIONS;
  if (location.kind === 'sqlite') {
    let sqlite: SqliteDatabase.Database;
    try {
      mkdirSync(dirname(location.file), { recursive: true });
      sqlite = new SqliteDatabase(location.file);
    } catch (err) {
      throw new TrunklineError('STORE_BAD_LOCATION', `cannot open SQLite file ${location.file}: ${(err as Error).message}`, { cause: err });
    }
    tuneSqlite(sqlite);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new StatementCache(sqlite) }) });
    const threaded = (options.recordWriter ?? 'thread') === 'thread' && !isPrivateSqlite(location.file);
    return connection(db, 'sqlite', migrations, threaded ? { kind: 'thread', file: location.file } : INLINE);
  }
  const pool = new pg.Pool({
    connectionString: location.url,
    max: 10,
    // A schema of its own (tests run in a fresh one); set on every pooled connection.
    ...(location.schema ? { options: `-c search_path=${location.schema}` } : {}),
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new TrunklineError('STORE_BAD_LOCATION', `cannot connect to ${redact(location.url)}: ${(err as Error).message}`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return connection(db, 'postgres', migrations, INLINE);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

const INLINE: RecordWriterPlan = { kind: 'inline' };

function connection(db: Kysely<Database>, dialect: DialectName, migrations: readonly StoreMigration[], recordWriter: RecordWriterPlan): StoreConnection {
  return {
    db,
    dialect,
    recordWriter,
    migrate() {
      return applyMigrations(db as unknown as Kysely<unknown>, dialect, migrations);
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Liveness of the store for /healthz. */
export async function pingStore(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
